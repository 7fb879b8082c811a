"""The machine-readable outputs: SARIF 2.1.0 valid against the published schema, CSV, JSON lines;
each finding with its line and column."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from tests.cli.helpers import GITHUB, GITHUB_ID, github_token, run
from tests.conftest import FIXTURES

SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
TOKEN = github_token(7)


def sample_tree(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    # A wide character before the token: columns count code points, not bytes.
    (root / "src" / "app.py").write_text(f"import os\n\n# clé\nTOKEN = '{TOKEN}'\n", encoding="utf-8")
    (root / "notes.txt").write_text("SSN 536-22-8726 of the new hire\n")
    (root / "clean.md").write_text("# nothing\n")
    (root / "broken.docx").write_bytes((FIXTURES / "documents" / "hostile" / "truncated.docx").read_bytes())
    return root


def test_sarif_output_is_valid_sarif_with_rules_locations_and_fingerprints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(["classify", ".", "--format", "sarif"], capsys)
    assert status == 2  # the corrupt document
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    with pytest.raises(jsonschema.ValidationError):  # the schema does judge: a stray property fails
        jsonschema.Draft4Validator(SCHEMA).validate({**log, "runs": [{**log["runs"][0], "findings": []}]})
    (run_,) = log["runs"]
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    assert rules[GITHUB_ID]["shortDescription"]["text"] == GITHUB
    assert rules[GITHUB_ID]["fullDescription"]["text"] and "dlp:allow" in rules[GITHUB_ID]["help"]["text"]
    results = {result["ruleId"]: result for result in run_["results"]}
    github = results[GITHUB_ID]
    assert run_["tool"]["driver"]["rules"][github["ruleIndex"]]["id"] == GITHUB_ID
    location = github["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/app.py"
    region = location["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (4, 10, 4, 50)
    assert region["snippet"]["text"] == "ghp_****…(40)"
    assert run_["columnKind"] == "unicodeCodePoints"
    assert github["partialFingerprints"]["dlpValueFingerprint/v1"].startswith("hmac-sha256:")
    assert TOKEN not in out and "536-22-8726" not in out
    (notification,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "error" and "broken.docx" in notification["message"]["text"]
    assert run_["invocations"][0]["executionSuccessful"] is False


def test_sarif_of_a_clean_tree_is_valid_and_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    status, out, _ = run(["classify", str(tmp_path), "--format", "sarif"], capsys)
    assert status == 0
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_csv_has_one_row_per_finding_with_line_and_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sample_tree(tmp_path)
    (tmp_path / "broken.docx").unlink()
    status, out, _ = run(["classify", str(tmp_path), "--format", "csv"], capsys)
    assert status == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    (row,) = [row for row in rows if row["sit_name"] == GITHUB]
    assert (row["path"], row["line"], row["column"]) == (str(tmp_path / "src" / "app.py"), "4", "10")
    assert row["value"] == "ghp_****…(40)" and row["fingerprint"].startswith("hmac-sha256:")
    assert TOKEN not in out


def test_json_lines_give_line_column_and_offsets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = sample_tree(tmp_path) / "src" / "app.py"
    status, out, _ = run(["classify", str(target), "--json"], capsys)
    assert status == 1
    record = json.loads(out)
    (match,) = next(r for r in record["results"] if r["sit"]["name"] == GITHUB)["matches"]
    text = target.read_text(encoding="utf-8")
    assert text[match["start"] : match["end"]] == TOKEN
    assert (match["line"], match["column"], match["end_line"], match["end_column"]) == (4, 10, 4, 50)


def test_the_same_value_has_the_same_fingerprint_from_run_to_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = sample_tree(tmp_path) / "src" / "app.py"

    def fingerprints() -> list[str]:
        _, out, _ = run(["classify", str(target), "--format", "csv"], capsys)
        return [row["fingerprint"] for row in csv.DictReader(io.StringIO(out))]

    assert fingerprints() == fingerprints() and fingerprints()
