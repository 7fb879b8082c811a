"""Audit events: one JSON line per verdict, to a file or standard output.

An event says what was decided and why — the policy, the rules, the SITs with their counts
and fingerprints, the channel's metadata, the definitions version — and never a value: the
verdict it is written from holds none.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from service.policy.model import Channel, Verdict

STDOUT = "-"


def audit_event(verdict: Verdict, channel: Channel, now: datetime | None = None) -> dict[str, Any]:
    return {
        "timestamp": (now or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "verdict": str(verdict.action),
        "policy": verdict.policy,
        "rules": [{"rule": hit.rule, "action": str(hit.action), "reason": hit.reason} for hit in verdict.rules],
        "sits": _sits(verdict),
        "fingerprints": sorted(
            {fp for hit in verdict.rules for finding in hit.findings for fp in finding.fingerprints}
        ),
        "complete": verdict.complete,
        "incomplete": list(verdict.incomplete),
        "channel": channel.to_dict(),
        "definitions_version": verdict.definitions_version,
        "elapsed_ms": round(verdict.elapsed_ms, 3),
    }


def _sits(verdict: Verdict) -> list[dict[str, Any]]:
    """Each SIT behind the verdict once, with the largest figures any rule saw for it (rules
    looking at lower confidences see more matches)."""
    merged: dict[str, dict[str, Any]] = {}
    for hit in verdict.rules:
        for finding in hit.findings:
            entry = merged.setdefault(
                finding.sit_id, {"id": finding.sit_id, "name": finding.sit_name, "count": 0, "unique_count": 0}
            )
            entry["count"] = max(entry["count"], finding.count)
            entry["unique_count"] = max(entry["unique_count"], finding.unique_count)
    return sorted(merged.values(), key=lambda entry: str(entry["name"]))


class AuditLog:
    """Writes events as JSON lines; one lock keeps lines whole when threads share the log."""

    def __init__(self, stream: TextIO, owned: bool = False) -> None:
        self._stream = stream
        self._owned = owned
        self._lock = threading.Lock()

    @classmethod
    def open(cls, target: str) -> AuditLog:
        """``-`` for standard output, otherwise a file appended to (created if missing)."""
        if target == STDOUT:
            return cls(sys.stdout)
        return cls(Path(target).open("a", encoding="utf-8"), owned=True)  # held for the process

    def record(self, verdict: Verdict, channel: Channel) -> None:
        line = json.dumps(audit_event(verdict, channel), ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()
