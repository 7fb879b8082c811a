"""What a policy decides, in types every gateway shares: the action, the channel a
document travels on, the rules that fired and the findings behind them.

Findings here never carry a value: a verdict goes to audit logs, proxies' error pages
and mail servers' reply texts, so it names SITs, counts and fingerprints only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """What happens to a document. Several rules combine by taking the strictest."""

    ALLOW = "allow"
    AUDIT = "audit"  # allow, and record the event
    QUARANTINE = "quarantine"  # mail: accept, but hold for review
    BLOCK = "block"
    REJECT = "reject"  # mail: refuse at SMTP time with a permanent error

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    @classmethod
    def strictest(cls, actions: Any) -> Action:
        """The strictest of ``actions`` (an iterable of Action); ALLOW when there are none."""
        return max(actions, key=lambda action: action.strictness, default=cls.ALLOW)


_STRICTNESS = {action: rank for rank, action in enumerate(Action)}


class ChannelKind(StrEnum):
    HTTP = "http"  # a web proxy (ICAP)
    MAIL = "mail"  # a mail server (milter)
    API = "api"  # a direct call of the REST API


class Direction(StrEnum):
    OUTBOUND = "outbound"  # an upload, a form post, a mail sent out
    INBOUND = "inbound"  # a download, a mail received


@dataclass(frozen=True)
class Channel:
    """Where a document is going: what policy conditions are written against."""

    kind: ChannelKind
    direction: Direction | None = None
    method: str | None = None  # HTTP method
    url_host: str | None = None  # host of the URL requested, lower case
    content_type: str | None = None  # media type of the body, without parameters
    sender: str | None = None  # mail envelope sender
    recipients: tuple[str, ...] = ()  # mail envelope recipients
    client_address: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": str(self.kind)}
        if self.direction is not None:
            data["direction"] = str(self.direction)
        for name in ("method", "url_host", "content_type", "sender", "client_address"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.recipients:
            data["recipients"] = list(self.recipients)
        return data


@dataclass(frozen=True)
class Finding:
    """One SIT's findings as a policy sees them: figures and fingerprints, never values."""

    sit_id: str
    sit_name: str
    confidence: int
    count: int
    unique_count: int
    fingerprints: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "sit": {"id": self.sit_id, "name": self.sit_name},
            "confidence": self.confidence,
            "count": self.count,
            "unique_count": self.unique_count,
            "fingerprints": list(self.fingerprints),
        }


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired, its action and the findings that made it fire."""

    rule: str
    action: Action
    findings: tuple[Finding, ...] = ()
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": str(self.action),
            "reason": self.reason,
            "findings": [finding.to_dict() for finding in self.findings],
        }


@dataclass(frozen=True)
class Verdict:
    """The answer to "may this leave?": the action, the policy and the rules behind it.

    ``complete`` is false when the classification did not read everything (a time limit,
    an unreadable part, an encrypted archive); the policy's ``on_incomplete`` has then
    already been applied to ``action``.
    """

    action: Action
    policy: str
    rules: tuple[RuleHit, ...] = ()
    complete: bool = True
    incomplete: tuple[str, ...] = ()  # why the classification was incomplete
    definitions_version: str = ""
    elapsed_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        return self.action.strictness >= Action.BLOCK.strictness

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": str(self.action),
            "policy": self.policy,
            "complete": self.complete,
            "incomplete": list(self.incomplete),
            "rules": [hit.to_dict() for hit in self.rules],
            "definitions_version": self.definitions_version,
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
