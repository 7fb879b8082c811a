"""The milter's settings: where it listens, its limits, and how verdicts become SMTP replies.

Every limit is explicit and configurable. ``config_from_environ`` reads ``DLP_MILTER_*``
variables (the CLI passes its own flags the same way), checking each value;
``config_from_settings`` first takes the message limit, the inspection time-out and the
worker count from the service's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from service.config import Settings
from service.policy.model import Direction

PREFIX = "DLP_MILTER_"
INSPECT_MARGIN = 10.0  # seconds the inspection time-out leaves above the request budget


class OversizeAction(StrEnum):
    """What happens to a message larger than ``max_message_bytes``: it is never scanned in part,
    because a verdict on the first bytes of a message would let the rest through unread."""

    TEMPFAIL = "tempfail"  # 451 4.7.1: the sender's server retries, an operator raises the limit
    REJECT = "reject"  # 552 5.3.4: refused for good
    ACCEPT = "accept"  # delivered unscanned, with the verdict header saying so


@dataclass(frozen=True)
class MilterConfig:
    # "inet:HOST:PORT", "HOST:PORT", Sendmail's "inet:PORT@HOST", or "unix:/path/to/socket".
    bind: str = "inet:127.0.0.1:8891"
    max_connections: int = 256  # connections over this are closed: the MTA's milter_default_action applies
    workers: int = 4  # threads that inspect messages
    max_queued: int = 16  # messages waiting for a worker; more get a temporary failure
    max_frame_bytes: int = 256 * 1024  # body chunks are at most 64 KiB; long headers fit too
    max_message_bytes: int = 25 * 1024 * 1024
    oversize_action: OversizeAction = OversizeAction.TEMPFAIL
    idle_timeout: float = 600.0  # seconds between commands (an SMTP session may pause)
    frame_timeout: float = 30.0  # seconds to receive the rest of a frame once it has begun
    inspect_timeout: float = 30.0  # seconds an inspection may take before a temporary failure
    direction: Direction = Direction.OUTBOUND
    # {daemon_name} values (Postfix's milter_macro_daemon_name) that set the direction.
    daemon_directions: Mapping[str, Direction] = field(default_factory=dict)
    header_name: str = "X-DLP-Verdict"
    header_on_allow: bool = False
    reject_code: str = "550"
    reject_status: str = "5.7.1"
    metrics_bind: str | None = None  # "HOST:PORT" of a Prometheus listener, off when None

    def __post_init__(self) -> None:
        for name in ("max_connections", "workers", "max_frame_bytes", "max_message_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.max_queued < 0:
            raise ValueError("max_queued must not be negative")
        for name in ("idle_timeout", "frame_timeout", "inspect_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_frame_bytes < 65_536:
            raise ValueError("max_frame_bytes must hold a 64 KiB body chunk (65536 or more)")
        if not (self.reject_code.startswith("5") and len(self.reject_code) == 3 and self.reject_code.isdigit()):
            raise ValueError("reject_code must be a 5xx SMTP code")
        if not self.reject_status.startswith("5."):
            raise ValueError("reject_status must be a 5.x.x enhanced status code")
        if not self.header_name.isascii() or not self.header_name.replace("-", "").isalnum():
            raise ValueError("header_name must be letters, digits and hyphens")


def _daemon_directions(raw: str) -> dict[str, Direction]:
    """``NAME=outbound,OTHER=inbound``."""
    result: dict[str, Direction] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, direction = item.partition("=")
        result[name.strip()] = Direction(direction.strip().lower())
    return result


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError(f"not a boolean: {raw!r}")
    return value in ("1", "true", "yes", "on")


_PARSERS: dict[str, Any] = {
    "bind": str,
    "max_connections": int,
    "workers": int,
    "max_queued": int,
    "max_frame_bytes": int,
    "max_message_bytes": int,
    "oversize_action": lambda raw: OversizeAction(raw.strip().lower()),
    "idle_timeout": float,
    "frame_timeout": float,
    "inspect_timeout": float,
    "direction": lambda raw: Direction(raw.strip().lower()),
    "daemon_directions": _daemon_directions,
    "header_name": str,
    "header_on_allow": _boolean,
    "reject_code": str,
    "reject_status": str,
    "metrics_bind": lambda raw: raw or None,
}
assert set(_PARSERS) == {f.name for f in fields(MilterConfig)}


def config_from_environ(environ: Mapping[str, str], base: MilterConfig | None = None) -> MilterConfig:
    """``base`` (the defaults) with every ``DLP_MILTER_<NAME>`` of ``environ`` applied.

    A bad value raises ValueError naming the variable.
    """
    values: dict[str, Any] = {}
    for name, parse in _PARSERS.items():
        variable = PREFIX + name.upper()
        raw = environ.get(variable)
        if raw is None:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as error:
            raise ValueError(f"{variable}: {error}") from None
    try:
        return replace(base or MilterConfig(), **values)
    except ValueError as error:
        raise ValueError(f"{PREFIX}*: {error}") from None


def config_from_settings(settings: Settings, environ: Mapping[str, str]) -> MilterConfig:
    """Defaults taken from the service's settings, then ``DLP_MILTER_*`` from ``environ``.

    The message limit is the service's body limit, and the inspection time-out is above the
    request budget, so that the inspector's own incomplete verdict answers before it.
    """
    base = MilterConfig(
        max_message_bytes=settings.max_body_bytes,
        inspect_timeout=settings.request_time_limit + INSPECT_MARGIN,
        workers=settings.threads,
    )
    return config_from_environ(environ, base)
