"""The inspector every gateway is wired to: classify under the request budget, decide by a
policy, record the audit event and the verdict metrics.

The scanner and the policies bound to its definitions are held as one pair and swapped
together on reload, so an inspection always decides with policies bound to the
definitions it classified with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from service.classify import Document, UnreadableDocument, classify
from service.config import Settings
from service.engine import ClassifyOptions, Scanner
from service.engine.deadline import Deadline
from service.engine.document import PartError
from service.engine.report import PartSummary, Report
from service.gateway.audit import AuditLog
from service.gateway.metrics import record_verdict
from service.policy.decide import decide
from service.policy.errors import UnknownPolicyError
from service.policy.model import Action, Channel, Verdict
from service.policy.rules import Policy, PolicySet
from service.runtime import build_policies, build_scanner
from service.summary.fingerprint import Fingerprinter

VERSION_LENGTH = 16


@dataclass(frozen=True)
class Loaded:
    """A scanner and the policies bound to its definitions: replaced only together."""

    scanner: Scanner
    policies: PolicySet

    @property
    def version(self) -> str:
        digest = hashlib.sha256(f"{self.scanner.version}\n{self.policies.version}".encode())
        return digest.hexdigest()[:VERSION_LENGTH]


class PolicyInspector:
    def __init__(
        self,
        scanner: Scanner,
        policies: PolicySet,
        settings: Settings,
        fingerprinter: Fingerprinter,
        audit: AuditLog | None = None,
    ) -> None:
        self.settings = settings
        self.fingerprinter = fingerprinter
        self.audit = audit
        self._loaded = Loaded(scanner, policies)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, default_audit: str | None = "-") -> PolicyInspector:
        """Built from ``DLP_*`` settings. Audit events go to ``DLP_AUDIT_LOG``, or when it is
        not set to ``default_audit`` (standard output for gateways, None for nowhere)."""
        scanner = build_scanner(settings)
        policies = build_policies(settings, scanner.definitions)
        target = settings.audit_log or default_audit
        audit = AuditLog.open(target) if target else None
        return cls(scanner, policies, settings, Fingerprinter(settings.fingerprint_key), audit)

    @property
    def version(self) -> str:
        """Changes when the definitions or the policies change (ICAP's ISTag)."""
        return self._loaded.version

    @property
    def scanner(self) -> Scanner:
        return self._loaded.scanner

    @property
    def policies(self) -> PolicySet:
        return self._loaded.policies

    def policy(self, name: str | None = None) -> Policy:
        """The policy of that name (the configured one by default); ``UnknownPolicyError`` if none."""
        policy = self._loaded.policies.get(name or self.settings.policy)
        if policy is None:
            raise UnknownPolicyError(name or self.settings.policy)
        return policy

    def install(self, scanner: Scanner, policies: PolicySet, settings: Settings | None = None) -> None:
        """Swap in a scanner and the policies bound to its definitions (and new settings), together."""
        with self._lock:
            if settings is not None:
                self.settings = dataclasses.replace(settings, fingerprint_key=self.settings.fingerprint_key)
            self._loaded = Loaded(scanner, policies)

    def reload(self, settings: Settings | None = None) -> str:
        """Rebuild the scanner and the policies (from ``settings`` if given) and swap them in; on
        any failure the old ones stay and the error is raised. Returns the new version."""
        settings = settings or self.settings
        scanner = build_scanner(settings)
        policies = build_policies(settings, scanner.definitions)
        self.install(scanner, policies, settings)
        return self.version

    def inspect(
        self, documents: Sequence[Document], channel: Channel, policy: str | None = None, gateway: str | None = None
    ) -> Verdict:
        """Classify ``documents`` under the request budget and decide by ``policy`` (the
        configured one by default). No summaries are built: a verdict needs none. ``gateway``
        labels the metrics (default: the channel's kind), so that a policy tried out over the
        REST API on a mail channel is not counted as mail the gateway saw."""
        started = time.perf_counter()
        loaded = self._loaded  # one snapshot: the policies stay bound to this scanner
        chosen = loaded.policies.get(policy or self.settings.policy)
        if chosen is None:
            raise UnknownPolicyError(policy or self.settings.policy)
        report = self._classify(loaded.scanner, documents, chosen)
        verdict = decide(report, chosen, channel, self.fingerprinter, definitions_version=loaded.scanner.version)
        verdict = dataclasses.replace(verdict, elapsed_ms=(time.perf_counter() - started) * 1000)
        if self.audit is not None and verdict.action is not Action.ALLOW:
            # allow means "nothing to record"; audit and every stricter action are recorded.
            self.audit.record(verdict, channel)
        record_verdict(verdict, gateway or str(channel.kind), time.perf_counter() - started)
        return verdict

    def _classify(self, scanner: Scanner, documents: Sequence[Document], policy: Policy) -> Report:
        settings = self.settings
        selected = policy.selected_sits()
        options = ClassifyOptions(
            min_confidence=policy.floor,
            # Only the SITs some rule looks at (all of them when a rule selects every SIT).
            sits=tuple(sorted(selected)) if selected and len(selected) < len(scanner.definitions) else None,
            time_limit=settings.time_limit,
            max_matches_per_sit=settings.max_matches_per_sit,
            max_matches=settings.max_matches,
        )
        deadline = Deadline(settings.request_time_limit)
        try:
            return classify(scanner, documents, options, settings.extraction_limits, deadline).report
        except UnreadableDocument:
            # Nothing could be read: an incomplete classification, which the policy decides on.
            return _unreadable_report(documents)


def _unreadable_report(documents: Sequence[Document]) -> Report:
    error = PartError("unreadable", "the document could not be read")
    parts = tuple(
        PartSummary(f"document {n}", document.media_type or "application/octet-stream", 0, error=error)
        for n, document in enumerate(documents, start=1)
    )
    return Report(results=(), parts=parts, elapsed_ms=0.0, sits_scanned=0)
