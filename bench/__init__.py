"""Benchmark of the GraphQL server on a real uvicorn process (`python -m bench.run`, `make bench`)."""
