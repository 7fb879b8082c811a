"""Prometheus metrics, correct under several gunicorn workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``dlp serve`` and the gunicorn config set it before
anything imports prometheus-client), every worker writes its samples to that folder and
``/metrics`` adds them up across workers. Labels never carry document content or values:
only routes, methods, statuses, SIT names and confidence levels.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

from service.engine import Report

REQUESTS = Counter("dlp_http_requests_total", "HTTP requests answered.", ["route", "method", "status"])
LATENCY = Histogram(
    "dlp_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DOCUMENTS = Counter("dlp_documents_classified_total", "Documents classified.")
BYTES = Counter("dlp_bytes_classified_total", "Bytes of documents classified.")
MATCHES = Counter("dlp_matches_total", "Matches reported, by SIT and confidence level.", ["sit", "confidence_level"])
ENGINE_TIMEOUTS = Counter("dlp_engine_timeouts_total", "Document parts not classified because the time limit ran out.")
DEFINITIONS_LOADED = Gauge(
    "dlp_definitions_loaded", "SIT definitions in the compiled scanner.", multiprocess_mode="max"
)
# Reloads happen in the process that installs the set: the gunicorn master (SIGHUP, file watch,
# or the reload route handing over to it) or, outside gunicorn, the app's own process. A failure
# is counted where it is found: in the worker that compiled a broken set for the reload route, or
# in the master.
RELOADS = Counter("dlp_definitions_reloads_total", "Definition reloads that succeeded.")
RELOAD_FAILURES = Counter(
    "dlp_definitions_reload_failures_total", "Reloads that failed; the definitions loaded before kept serving."
)
# 1 for the version being served, 0 for those served before it in this process. Only the process
# that installs a set writes it (the master under gunicorn), so the value outlives the workers.
DEFINITIONS_INFO = Gauge(
    "dlp_definitions_info", "The version of the definitions served.", ["version"], multiprocess_mode="livemax"
)


def confidence_level(confidence: int) -> str:
    """Purview's bands, so a label has few values whatever confidences definitions use."""
    if confidence >= 85:
        return "high"
    if confidence >= 75:
        return "medium"
    return "low"


def record_classification(report: Report, size: int) -> None:
    DOCUMENTS.inc()
    BYTES.inc(size)
    for result in report.results:
        for match in result.matches:
            MATCHES.labels(sit=result.sit_name, confidence_level=confidence_level(match.confidence)).inc()
    if report.timeouts:
        ENGINE_TIMEOUTS.inc(report.timeouts)


def record_definitions_version(version: str, previous: str | None = None) -> None:
    if previous is not None and previous != version:
        DEFINITIONS_INFO.labels(version=previous).set(0)
    DEFINITIONS_INFO.labels(version=version).set(1)


def render_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)
