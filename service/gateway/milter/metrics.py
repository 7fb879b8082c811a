"""The milter's own metrics (the verdicts themselves are counted by the inspector)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS = Counter(
    "dlp_milter_connections_total", "Connections from mail servers, by what became of them", ["outcome"]
)
ACTIVE = Gauge("dlp_milter_active_connections", "Connections open now")
ERRORS = Counter("dlp_milter_errors_total", "Protocol errors, time-outs and failed inspections, by kind", ["kind"])
REPLIES = Counter("dlp_milter_messages_total", "Messages answered, by the reply given", ["outcome"])
LATENCY = Histogram(
    "dlp_milter_message_seconds",
    "Seconds from end of message to the reply",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SIZE = Histogram(
    "dlp_milter_message_bytes",
    "Size of the messages received",
    buckets=(1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000),
)
