"""Integrations: webhook endpoints, their outbox and delivery job, and the upkeep of idempotency keys."""
