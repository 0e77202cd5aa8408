"""Materials: documents (brochures, slides, posters) can be linked to campaigns the caller may see, and
whoever sees the campaign reads them (graph/documents: a linked record's scope grants reading)."""

from graph.documents.targets import register_link_target
from graph.marketing.campaigns import campaign_scope
from graph.marketing.models import CAMPAIGN, Campaign

register_link_target(CAMPAIGN, "Campaign", Campaign, campaign_scope)
