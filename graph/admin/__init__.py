"""Tenant administration in GraphQL: custom fields, roles, teams, members, and the field-rule extension."""
