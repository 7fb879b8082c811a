"""The policy inspector: the default policy out of the box, audit lines without values,
verdict metrics, and reloads that swap definitions and policies together or not at all."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from service.classify import Document, classify
from service.config import Settings
from service.definitions import load_definitions
from service.engine import Scanner, compile_scanner
from service.gateway.audit import AuditLog
from service.gateway.inspector import PolicyInspector
from service.policy.errors import PolicyError, UnknownPolicyError
from service.policy.model import Action, Channel, ChannelKind, Direction
from service.runtime import build_policies
from service.summary.fingerprint import Fingerprinter

TOKEN = "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"
SSN_TEXT = "Employee SSN: 536-22-8726, badge 4417."
ENGINE_DEFINITIONS = Path(__file__).parent.parent / "fixtures" / "definitions" / "engine"
MAIL = Channel(ChannelKind.MAIL, Direction.OUTBOUND, sender="alice@corp.example", recipients=("bob@elsewhere.example",))
SETTINGS = Settings(fingerprint_key=b"inspector-test-key-0123456789")


def make_inspector(scanner: Scanner, settings: Settings = SETTINGS) -> tuple[PolicyInspector, io.StringIO]:
    stream = io.StringIO()
    policies = build_policies(settings, scanner.definitions)
    fingerprinter = Fingerprinter(settings.fingerprint_key)
    return PolicyInspector(scanner, policies, settings, fingerprinter, AuditLog(stream)), stream


def test_the_default_policy_blocks_a_github_token(builtin_scanner: Scanner) -> None:
    inspector, _ = make_inspector(builtin_scanner)
    verdict = inspector.inspect([Document(f"token = {TOKEN}\n")], Channel(ChannelKind.HTTP))
    assert verdict.action is Action.BLOCK
    assert verdict.policy == "default"
    assert {hit.rule for hit in verdict.rules} == {"block-credentials", "audit-findings"}
    assert verdict.definitions_version == builtin_scanner.version


def test_the_default_policy_audits_an_ssn(builtin_scanner: Scanner) -> None:
    inspector, _ = make_inspector(builtin_scanner)
    verdict = inspector.inspect([Document(SSN_TEXT)], Channel(ChannelKind.HTTP))
    assert verdict.action is Action.AUDIT
    assert [hit.rule for hit in verdict.rules] == ["audit-findings"]


def test_the_default_policy_allows_a_clean_text(builtin_scanner: Scanner) -> None:
    inspector, stream = make_inspector(builtin_scanner)
    assert inspector.inspect([Document("The meeting is at noon.")], MAIL).action is Action.ALLOW
    assert stream.getvalue() == ""  # allow records nothing


def test_the_audit_line_has_fingerprints_and_no_value(builtin_scanner: Scanner) -> None:
    inspector, stream = make_inspector(builtin_scanner)
    inspector.inspect([Document(f"{SSN_TEXT}\npat={TOKEN}\n", name="notes.txt")], MAIL)
    line = stream.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    assert TOKEN not in line and TOKEN[4:20] not in line
    assert "536-22-8726" not in line and "536228726" not in line
    event = json.loads(line)
    fingerprinter = Fingerprinter(SETTINGS.fingerprint_key)
    report = classify(builtin_scanner, [Document(f"{SSN_TEXT}\npat={TOKEN}\n")]).report
    expected = {fingerprinter.fingerprint(m.normalized) for result in report.results for m in result.matches}
    assert len(expected) == 2
    assert set(event["fingerprints"]) == expected
    assert event["verdict"] == "block"
    assert event["policy"] == "default"
    assert {sit["name"] for sit in event["sits"]} == {
        "GitHub personal access token",
        "U.S. social security number (SSN)",
    }
    assert event["channel"] == {
        "kind": "mail",
        "direction": "outbound",
        "sender": "alice@corp.example",
        "recipients": ["bob@elsewhere.example"],
    }
    assert event["definitions_version"] == builtin_scanner.version
    assert event["timestamp"].endswith("Z")
    assert [rule["rule"] for rule in event["rules"]] == ["block-credentials", "audit-findings"]


def test_an_audit_log_file_gets_one_line_per_recorded_verdict(builtin_scanner: Scanner, tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    policies = build_policies(SETTINGS, builtin_scanner.definitions)
    log = AuditLog.open(str(target))
    inspector = PolicyInspector(builtin_scanner, policies, SETTINGS, Fingerprinter(SETTINGS.fingerprint_key), log)
    inspector.inspect([Document(SSN_TEXT)], MAIL)
    inspector.inspect([Document(TOKEN)], MAIL)
    log.close()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["verdict"] for line in lines] == ["audit", "block"]


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_verdict_metrics_are_incremented(builtin_scanner: Scanner) -> None:
    inspector, _ = make_inspector(builtin_scanner)
    labels = {"gateway": "mail", "action": "block", "policy": "default"}
    before = sample("dlp_gateway_verdicts_total", labels)
    timed = sample("dlp_gateway_inspect_seconds_count", {"gateway": "mail"})
    inspector.inspect([Document(TOKEN)], MAIL)
    inspector.inspect([Document(TOKEN)], MAIL)
    assert sample("dlp_gateway_verdicts_total", labels) == before + 2
    assert sample("dlp_gateway_inspect_seconds_count", {"gateway": "mail"}) == timed + 2
    api = {"gateway": "api", "action": "audit", "policy": "default"}
    api_before = sample("dlp_gateway_verdicts_total", api)
    inspector.inspect([Document(SSN_TEXT)], MAIL, gateway="api")
    assert sample("dlp_gateway_verdicts_total", api) == api_before + 1


def test_an_unknown_policy_is_refused(builtin_scanner: Scanner) -> None:
    inspector, _ = make_inspector(builtin_scanner)
    with pytest.raises(UnknownPolicyError):
        inspector.inspect([Document(SSN_TEXT)], MAIL, policy="nonexistent")


def test_an_unreadable_document_is_decided_as_incomplete(builtin_scanner: Scanner) -> None:
    inspector, _ = make_inspector(builtin_scanner)
    corrupt = Document(b"PK\x03\x04" + b"\x00" * 40, name="broken.zip")
    verdict = inspector.inspect([corrupt], MAIL)
    assert (verdict.action, verdict.complete) == (Action.BLOCK, False)


def write_policy(directory: Path, text: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / "strict.yaml").write_text(text, encoding="utf-8")


STRICT = "name: strict\nrules:\n  - name: everything\n    action: block\n"


def test_reload_swaps_policies_and_changes_the_version(tmp_path: Path) -> None:
    settings = replace(SETTINGS, builtin_definitions=False, definitions_dirs=(ENGINE_DEFINITIONS,))
    inspector, _ = make_inspector(compile_scanner(load_definitions([ENGINE_DEFINITIONS])), settings)
    first = inspector.version
    assert inspector.policies.get("strict") is None
    policies = tmp_path / "policies"
    write_policy(policies, STRICT)
    second = inspector.reload(replace(settings, policy_dirs=(policies,)))
    assert second != first and inspector.version == second
    assert inspector.policies.get("strict") is not None
    write_policy(policies, "name: strict\nrules:\n  - name: everything\n    action: explode\n")
    with pytest.raises(PolicyError):
        inspector.reload()
    assert inspector.version == second
    assert inspector.policies.get("strict") is not None


def test_the_version_is_stable_for_equal_content(builtin_scanner: Scanner) -> None:
    one, _ = make_inspector(builtin_scanner)
    two, _ = make_inspector(builtin_scanner)
    assert one.version == two.version
