"""``dlp sits test``: the draft tried on sample files from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import FIXTURES

DRAFT = FIXTURES / "tuning" / "contoso_employee_id.yaml"
VALID = "EMP-88752316"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def samples(tmp_path: Path) -> list[Path]:
    found = tmp_path / "hr.txt"
    found.write_text(f"Employee {VALID} joined.\n")
    broken = tmp_path / "typo.txt"
    broken.write_text("Employee EMP-88752317 joined.\n")
    return [found, broken]


def test_a_passing_draft_explains_each_sample(samples: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["sits", "test", str(DRAFT), *map(str, samples)], capsys)
    assert (status, err) == (0, "")
    assert "examples: 6 passed, 0 failed" in out
    assert "match Contoso employee ID at 85 by 'employee ID with a keyword'" in out
    assert "kw_employee at 0-8: Employee" in out
    assert "validator: luhn: Luhn check digit does not match" in out
    assert VALID not in out


def test_json_is_the_api_answer(samples: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "test", str(DRAFT), *map(str, samples), "--json", "--min-confidence", "90"], capsys)
    data = json.loads(out)
    assert status == 0 and data["passed"]
    assert [s["name"] for s in data["samples"]] == [str(p) for p in samples]
    stages = [r["stage"] for s in data["samples"] for r in s["not_matched"]]
    assert stages == ["confidence", "validator"]


def test_failing_examples_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        DRAFT.read_text().replace(
            "{text: 'badge EMP-33642505', confidence: 85}", "{text: 'badge EMP-33642506', confidence: 85}"
        )
    )
    status, out, _ = run(["sits", "test", str(draft)], capsys)
    assert status == 1 and "1 failed" in out and "FAIL Contoso employee ID match[1]" in out


@pytest.mark.parametrize("content", ["id: [unclosed", "name: no id\n"])
def test_an_unreadable_draft_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(content)
    status, out, err = run(["sits", "test", str(draft)], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("dlp: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_sample_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["sits", "test", str(DRAFT), str(tmp_path / "absent.txt")], capsys)
    assert status == 2 and "absent.txt" in err and err.count("\n") == 1
