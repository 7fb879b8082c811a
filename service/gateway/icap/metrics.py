"""Prometheus metrics of the ICAP adapter: connections, requests, errors and latency.

Labels are closed sets (ICAP methods, status codes, actions): never a URL or a host,
which could carry a secret in a query string and would make the series unbounded.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS = Counter("dlp_icap_connections_total", "ICAP connections accepted.")
CONNECTIONS_REFUSED = Counter(
    "dlp_icap_connections_refused_total", "ICAP connections refused with 503 because Max-Connections were open."
)
ACTIVE_CONNECTIONS = Gauge("dlp_icap_connections_active", "ICAP connections open now.")
REQUESTS = Counter(
    "dlp_icap_requests_total", "ICAP requests answered, by method and ICAP status.", ["method", "status"]
)
ERRORS = Counter("dlp_icap_errors_total", "ICAP requests refused as malformed or over a limit, by status.", ["status"])
ACTIONS = Counter(
    "dlp_icap_actions_total", "ICAP requests inspected, by method and resulting action.", ["method", "action"]
)
LATENCY = Histogram(
    "dlp_icap_request_duration_seconds",
    "Time from an ICAP request's first byte to its answer, by method.",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
