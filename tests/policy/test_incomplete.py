"""An incomplete classification is a policy input: each applicable rule contributes its on_incomplete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.classify import Document, classify
from service.engine import Scanner
from service.engine.report import Report
from service.policy.decide import decide
from service.policy.model import Action, Channel, ChannelKind
from service.policy.rules import Policy
from service.summary.fingerprint import Fingerprinter

FINGERPRINTER = Fingerprinter(b"policy-tests-key-0123456789")
ENCRYPTED_ZIP = Path(__file__).parent.parent / "fixtures" / "documents" / "hostile" / "encrypted.zip"
HTTP = Channel(ChannelKind.HTTP)


def rule(action: str, on_incomplete: str | None = None, where: str | None = None) -> str:
    text = f"name: p\nrules:\n  - name: r\n    action: {action}\n    sits: [All credentials]\n"
    if on_incomplete:
        text += f"    on_incomplete: {on_incomplete}\n"
    if where:
        text += f"    where: {where}\n"
    return text


@pytest.fixture(scope="module")
def encrypted_report(builtin_scanner: Scanner) -> Report:
    report = classify(builtin_scanner, [Document(ENCRYPTED_ZIP.read_bytes(), name="secret.zip")]).report
    assert report.complete is False
    return report


@pytest.mark.parametrize("value", [Action.BLOCK, Action.AUDIT, Action.ALLOW])
def test_each_on_incomplete_value_decides_an_encrypted_archive(
    make_policy: Callable[[str], Policy], encrypted_report: Report, value: Action
) -> None:
    verdict = decide(encrypted_report, make_policy(rule("block", str(value))), HTTP, FINGERPRINTER)
    assert verdict.action is value
    assert verdict.complete is False
    assert verdict.incomplete == ("encrypted",)
    assert "incomplete" in verdict.rules[0].reason


@pytest.mark.parametrize(
    ("action", "default"),
    [
        ("block", Action.BLOCK),
        ("reject", Action.BLOCK),
        ("quarantine", Action.AUDIT),
        ("audit", Action.AUDIT),
        ("allow", Action.ALLOW),
    ],
)
def test_the_default_blocks_for_rules_that_block(
    make_policy: Callable[[str], Policy], make_report: Callable[..., Report], action: str, default: Action
) -> None:
    report = make_report({}, error="engine_timeout")  # a time limit: nothing of the part was read
    mail = Channel(ChannelKind.MAIL)
    assert decide(report, make_policy(rule(action)), mail, FINGERPRINTER).action is default


def test_on_incomplete_applies_only_where_the_rule_applies(
    make_policy: Callable[[str], Policy], make_report: Callable[..., Report]
) -> None:
    policy = make_policy(rule("block", where="{kinds: [mail]}"))
    report = make_report({}, error="engine_timeout")
    assert decide(report, policy, HTTP, FINGERPRINTER).action is Action.ALLOW
    assert decide(report, policy, Channel(ChannelKind.MAIL), FINGERPRINTER).action is Action.BLOCK


def test_a_complete_clean_report_contributes_nothing(
    make_policy: Callable[[str], Policy], make_report: Callable[..., Report]
) -> None:
    verdict = decide(make_report({}), make_policy(rule("block")), HTTP, FINGERPRINTER)
    assert (verdict.action, verdict.rules, verdict.complete) == (Action.ALLOW, (), True)
