"""Documents (proposals, NDAs, ...) can be linked to opportunities the caller may see."""

from graph.documents.targets import register_link_target
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity
from graph.sales.pipeline.opportunities import opportunity_scope

register_link_target(OPPORTUNITY, "Opportunity", Opportunity, opportunity_scope)
