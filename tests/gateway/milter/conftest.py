"""The milter tests' inspector: it really classifies, and decides as the built-in default
policy does (block credentials at high confidence, audit any other finding, block when the
classification is incomplete). Every milter test uses this one class."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import pytest

from service.classify import Document, classify
from service.config import Settings
from service.engine import Scanner
from service.engine.deadline import Deadline
from service.gateway.milter import MilterConfig, RunningMilter
from service.policy.model import Action, Channel, Finding, RuleHit, Verdict
from service.runtime import build_scanner
from service.summary.fingerprint import Fingerprinter

HIGH = 85


class ClassifyingInspector:
    """Blocks the SITs of ``block`` (ids, names or bundles) found at high confidence."""

    def __init__(self, scanner: Scanner, policy: str = "default", block: Sequence[str] = ("All credentials",)) -> None:
        self.scanner = scanner
        self.policy = policy
        self.blocking = {definition.id for definition in scanner.definitions.select(block)}
        self.fingerprinter = Fingerprinter(b"milter-tests-fingerprint-key")
        self.calls: list[Channel] = []

    @property
    def version(self) -> str:
        return self.scanner.version

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        self.calls.append(channel)
        report = classify(self.scanner, documents, deadline=Deadline(20.0)).report
        findings = tuple(
            Finding(
                r.sit_id,
                r.sit_name,
                r.confidence,
                r.count,
                r.unique_count,
                tuple(sorted({self.fingerprinter.fingerprint(m.normalized) for m in r.matches})),
            )
            for r in report.results
        )
        blocking = tuple(f for f in findings if f.sit_id in self.blocking and f.confidence >= HIGH)
        verdict = Verdict(Action.ALLOW, self.policy, definitions_version=self.version, elapsed_ms=report.elapsed_ms)
        if blocking:
            verdict = replace(verdict, action=Action.BLOCK, rules=(RuleHit("credentials", Action.BLOCK, blocking),))
        elif findings:
            verdict = replace(verdict, action=Action.AUDIT, rules=(RuleHit("findings", Action.AUDIT, findings),))
        if not report.complete:
            verdict = replace(verdict, action=Action.BLOCK, complete=False, incomplete=("classification incomplete",))
        return verdict


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    return build_scanner(Settings())


@pytest.fixture(scope="session")
def inspector(scanner: Scanner) -> ClassifyingInspector:
    """The default policy, but also blocking developer credentials (a PyPI token is one)."""
    return ClassifyingInspector(scanner, "credentials", ("All credentials", "Developer credentials"))


@pytest.fixture
def milter(inspector: ClassifyingInspector) -> Iterator[RunningMilter]:
    running = RunningMilter(inspector, MilterConfig(bind="inet:127.0.0.1:0"))
    yield running
    running.stop()
