"""Demo data: two tenants telling the whole story, from the lead pool to a delivery project."""
