"""``dlp policy list|show|validate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main

BAD = "name: leaky\nrules:\n  - name: r\n    action: block\n    sits: [No such SIT]\n    on_incomplete: allow\n"
GOOD = "name: strict\ndescription: Blocks every finding.\nrules:\n  - name: everything\n    action: block\n"


def test_validate_passes_the_built_in_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "validate"]) == 0
    assert capsys.readouterr().out.strip().endswith("1 policy: 0 errors, 0 warnings")


def test_validate_lists_lint_findings_and_fails_on_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "leaky.yaml").write_text(BAD, encoding="utf-8")
    assert main(["policy", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"error: {tmp_path.name}/leaky.yaml: rules.0.sits.0: unknown-sit:" in out
    assert "warning:" in out and "incomplete-passes" in out
    assert out.strip().endswith("1 policy: 1 error, 1 warning")


def test_validate_reports_a_file_that_does_not_parse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.yaml").write_text("name: x\nrules:\n  - action: block\n", encoding="utf-8")
    assert main(["policy", "validate", str(tmp_path)]) == 1
    assert "rules.0.name" in capsys.readouterr().out


def test_list_and_show_include_configured_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "strict.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("DLP_POLICY_DIRS", str(tmp_path))
    assert main(["policy", "list"]) == 0
    listed = capsys.readouterr().out
    assert "default" in listed and "strict" in listed and "Blocks every finding." in listed
    assert main(["policy", "show", "strict", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rules"][0]["action"] == "block" and shown["rules"][0]["on_incomplete"] == "block"
    assert main(["policy", "show", "default"]) == 0
    assert (
        "block-credentials: block on All credentials, Developer credentials at confidence 85" in capsys.readouterr().out
    )


def test_show_of_an_unknown_policy_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "show", "nonexistent"]) == 2
    assert capsys.readouterr().err.strip() == "dlp: error: unknown policy 'nonexistent'"
