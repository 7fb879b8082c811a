"""Prometheus metrics of the gateways, in one module so every adapter adds its own here.

They follow ``service.api.metrics``: defined once at import on prometheus-client's default
registry, which under ``PROMETHEUS_MULTIPROC_DIR`` writes per-process samples that are
summed when scraped. ``gateway`` is the channel kind (http, mail, api); labels never carry
document content, addresses or hosts.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from service.policy.model import Verdict

VERDICTS = Counter(
    "dlp_gateway_verdicts_total", "Verdicts given, by gateway, action and policy.", ["gateway", "action", "policy"]
)
INSPECT_SECONDS = Histogram(
    "dlp_gateway_inspect_seconds",
    "Time to classify and decide one inspected transfer.",
    ["gateway"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def record_verdict(verdict: Verdict, gateway: str, seconds: float) -> None:
    VERDICTS.labels(gateway=gateway, action=str(verdict.action), policy=verdict.policy).inc()
    INSPECT_SECONDS.labels(gateway=gateway).observe(seconds)
