"""Commerce: product catalogue and pricing, quotes, orders/contracts, payments, deliveries, receivables."""
