"""A stand-in for the policy inspector that really classifies and decides like the default policy.

BLOCK when a SIT of the blocking set (by default the "All credentials" bundle) is found at
confidence >= 85, or when the classification is incomplete; else AUDIT when anything is
found; else ALLOW. Every channel it is asked about is recorded for the tests to check.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from service.classify import Document, UnreadableDocument, classify
from service.engine import Scanner
from service.engine.deadline import Deadline
from service.policy.model import Action, Channel, Finding, RuleHit, Verdict

BLOCK_CONFIDENCE = 85


class PolicyDouble:
    def __init__(
        self,
        scanner: Scanner,
        blocking: Sequence[str] = ("All credentials",),
        policy: str = "default",
        time_limit: float = 20.0,
    ) -> None:
        self._scanner = scanner
        self._blocking = frozenset(definition.id for definition in scanner.definitions.select(blocking))
        self.policy = policy
        self._time_limit = time_limit
        self._lock = threading.Lock()
        self.channels: list[Channel] = []
        self.documents: list[list[Document]] = []

    @property
    def version(self) -> str:
        return self._scanner.version

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        with self._lock:
            self.channels.append(channel)
            self.documents.append(list(documents))
        try:
            classification = classify(self._scanner, documents, deadline=Deadline(self._time_limit))
        except UnreadableDocument:
            return self._verdict(Action.BLOCK, (), complete=False, incomplete=("no document could be read",))
        report = classification.report
        findings = tuple(
            Finding(result.sit_id, result.sit_name, result.confidence, result.count, result.unique_count)
            for result in report.results
        )
        blocking = tuple(f for f in findings if f.sit_id in self._blocking and f.confidence >= BLOCK_CONFIDENCE)
        if not report.complete:
            reasons = tuple(str(item.reason) for item in report.incomplete)
            reasons += tuple(part.error.code for part in report.errors if part.error is not None)
            return self._verdict(Action.BLOCK, blocking, complete=False, incomplete=reasons)
        if blocking:
            return self._verdict(Action.BLOCK, blocking)
        return self._verdict(Action.AUDIT if findings else Action.ALLOW, findings)

    def _verdict(
        self, action: Action, findings: tuple[Finding, ...], complete: bool = True, incomplete: tuple[str, ...] = ()
    ) -> Verdict:
        rules = (RuleHit(f"{self.policy}-{action}", action, findings),) if findings else ()
        return Verdict(
            action,
            self.policy,
            rules,
            complete=complete,
            incomplete=incomplete,
            definitions_version=self.version,
        )
