"""Prometheus counters of alerts sent and received. Labels are issuer and sender names from the
configuration, never a token or a fingerprint."""

from __future__ import annotations

from prometheus_client import Counter

ALERTS_ENQUEUED = Counter("dlp_alerts_enqueued_total", "Alerts committed to the outbox.", ["issuer"])
ALERTS_DELIVERED = Counter("dlp_alerts_delivered_total", "Alerts an issuer accepted.", ["issuer"])
ALERTS_FAILED_ATTEMPTS = Counter(
    "dlp_alerts_delivery_failures_total", "Alerts in a delivery attempt that failed.", ["issuer"]
)
ALERTS_DEAD = Counter("dlp_alerts_dead_total", "Alerts given up after their last attempt.", ["issuer"])
# The three figures of a partner report, on the receiving side.
INBOUND_RECEIVED = Counter("dlp_alerts_received_total", "Token reports received, duplicates included.", ["sender"])
INBOUND_VALID = Counter("dlp_alerts_valid_total", "Distinct reported tokens that are valid, each once.", ["sender"])
INBOUND_PROCESSED = Counter(
    "dlp_alerts_processed_total", "Distinct valid tokens whose processing step succeeded, each once.", ["sender"]
)
INBOUND_REJECTED = Counter(
    "dlp_alerts_inbound_rejected_total", "Inbound messages refused, by reason.", ["sender", "reason"]
)
