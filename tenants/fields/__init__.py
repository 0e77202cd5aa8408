"""Custom fields: per-tenant field definitions for any registered object type, values in `custom jsonb`.

An area opts in with two lines: its model mixes in `CustomFieldsMixin` (columns `custom` and
`custom_sort`, added by its migration) and calls `register_custom_fields(...)`; its create/update service
calls `apply_custom_values(...)`. Lists add `custom_conditions`/`custom_order_key`; GraphQL types mix in
`graph.admin.fields.HasCustomFields`.
"""

from tenants.fields.registry import CustomFieldsMixin, CustomFieldTarget, register_custom_fields, target
from tenants.fields.values import apply_custom_values

__all__ = [
    "CustomFieldTarget",
    "CustomFieldsMixin",
    "apply_custom_values",
    "register_custom_fields",
    "target",
]
