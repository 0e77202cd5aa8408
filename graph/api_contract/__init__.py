"""The API contract a tenant's integrations rely on: persisted operations and the tenant's API settings
(issue 21; API key scopes and rotation live with the keys in tenants/api_keys.py, rate limits in
tenants/rate_limits.py)."""
