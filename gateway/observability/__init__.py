"""Operations: Prometheus metrics, OpenTelemetry traces and structured logs (infra/README.md).

Everything here is built once per process from settings. Unconfigured, a request pays for a context
variable, a clock read and a few counter increments; no span is made unless an OTLP endpoint (or, in
tests, a tracer provider) is given.
"""
