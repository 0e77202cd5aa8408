"""The areas whose reads the SQL compiler serves (graph/compiled): importing registers them."""

from graph.crm import compiled as crm_compiled  # noqa: F401
from graph.identity import compiled as identity_compiled  # noqa: F401
from graph.marketing import compiled as marketing_compiled  # noqa: F401
from graph.sales.commerce import compiled as commerce_compiled  # noqa: F401
from graph.sales.pipeline import compiled as pipeline_compiled  # noqa: F401
from graph.service import compiled as service_compiled  # noqa: F401
