"""The ICAP server's settings: where it listens and every limit it holds clients to.

Each limit is explicit so that a proxy in front of untrusted users cannot make the server
hold unbounded memory, connections or time. ``config_from_settings`` derives the values
from the service settings, and ``DLP_ICAP_*`` variables override them one by one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from service.config import ConfigError, Settings

ENV_PREFIX = "DLP_ICAP_"


@dataclass(frozen=True)
class IcapConfig:
    host: str = "127.0.0.1"
    port: int = 1344  # the port RFC 3507 registers for ICAP
    # Connections served at once (announced as Max-Connections); the next ones get a 503.
    max_connections: int = 100
    # Inspections running at once, each in a worker thread, so the event loop stays free.
    max_inspections: int = 4
    # Bytes of the ICAP header section plus the encapsulated HTTP headers of one request.
    max_header_bytes: int = 64 * 1024
    # Bytes of one encapsulated body as sent (chunked, still content-encoded).
    max_body_bytes: int = 25 * 1024 * 1024
    # Bytes a content-encoded (gzip, deflate, br) body may decode to.
    max_decoded_bytes: int = 100 * 1024 * 1024
    # Seconds a client has to send a request's headers (also the keep-alive idle time).
    header_timeout: float = 10.0
    # Seconds a client has to send a whole body (after the headers).
    body_timeout: float = 30.0
    # Body bytes asked for in a preview (Preview in OPTIONS); 0 turns previews off.
    preview_bytes: int = 4096
    # Seconds a proxy may cache the OPTIONS answer (Options-TTL).
    options_ttl: int = 3600
    # Requests served on one connection before it is closed (keep-alive bound).
    max_requests_per_connection: int = 10_000
    # Port of a Prometheus metrics listener on ``host``; None: no listener.
    metrics_port: int | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{ENV_PREFIX}{item.name.upper()} must not be negative")
        if self.max_connections < 1 or self.max_inspections < 1:
            raise ConfigError(f"{ENV_PREFIX}MAX_CONNECTIONS and {ENV_PREFIX}MAX_INSPECTIONS must be at least 1")


def _optional_port(value: str) -> int | None:
    return None if value.strip().lower() in ("", "none", "off") else int(value)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "host": str,
    "port": int,
    "max_connections": int,
    "max_inspections": int,
    "max_header_bytes": int,
    "max_body_bytes": int,
    "max_decoded_bytes": int,
    "header_timeout": float,
    "body_timeout": float,
    "preview_bytes": int,
    "options_ttl": int,
    "max_requests_per_connection": int,
    "metrics_port": _optional_port,
}


def config_from_mapping(values: Mapping[str, str], base: IcapConfig | None = None) -> IcapConfig:
    """``base`` with each ``DLP_ICAP_<FIELD>`` found in ``values`` applied; a bad value raises ConfigError."""
    changes: dict[str, Any] = {}
    for name, parse in _PARSERS.items():
        key = ENV_PREFIX + name.upper()
        if key in values:
            try:
                changes[name] = parse(values[key])
            except ValueError as error:
                raise ConfigError(f"{key}: {error}") from None
    return replace(base or IcapConfig(), **changes)


def config_from_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> IcapConfig:
    """Limits shared with the REST service taken from ``settings``, then ``DLP_ICAP_*`` overrides."""
    base = IcapConfig(
        max_body_bytes=settings.max_body_bytes,
        max_decoded_bytes=settings.max_extracted_bytes,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_inspections=max(1, settings.threads),
    )
    return config_from_mapping(os.environ if environ is None else environ, base)
