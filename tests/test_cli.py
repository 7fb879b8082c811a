"""The ``dlp`` command: the acceptance scenarios, exit statuses and one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service.cli import main
from tests.conftest import DEFINITION_FIXTURES, FIXTURES

TEXTS = FIXTURES / "texts"
LINT_FIXTURES = FIXTURES / "lint"
GITHUB = "GitHub personal access token"


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: bytes | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def github_results(output: str) -> list[dict[str, Any]]:
    report = json.loads(output)
    return [r for r in report["results"] if r["sit"]["name"] == GITHUB]


def test_valid_classic_token_from_stdin_is_reported_at_high_confidence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = (TEXTS / "github_token_valid.txt").read_bytes()
    status, out, _ = run(["classify", "-", "--json"], capsys, stdin, monkeypatch)
    (result,) = github_results(out)
    assert result["confidence"] >= 85
    assert status == 1
    assert result["matches"][0]["value"] == "ghp_****…(40)"
    assert "zQWBuTSO" not in out


@pytest.mark.parametrize(
    "fixture",
    [
        "github_token_one_char_changed.txt",
        "github_token_purview_mockup.txt",
        "url_credentials_redacted.txt",
        "git_log.txt",
    ],
)
def test_look_alikes_are_not_reported_at_high_confidence(capsys: pytest.CaptureFixture[str], fixture: str) -> None:
    status, out, _ = run(["classify", str(TEXTS / fixture), "--json", "--min-confidence", "85"], capsys)
    assert github_results(out) == []
    assert status == 0


def test_mockup_matches_nothing_at_any_confidence(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        ["classify", str(TEXTS / "github_token_purview_mockup.txt"), "--json", "--min-confidence", "1"], capsys
    )
    assert json.loads(out)["results"] == []
    assert status == 0


@pytest.mark.parametrize(("fixture", "value"), [("url_credentials.txt", "S3cr3t-Pw"), ("hex_after_token.txt", None)])
def test_url_credentials_and_hex_after_token_match(
    capsys: pytest.CaptureFixture[str], fixture: str, value: str | None
) -> None:
    status, out, _ = run(["classify", str(TEXTS / fixture), "--json", "--reveal"], capsys)
    (result,) = github_results(out)
    assert status == 1
    assert result["confidence"] >= 85
    if value is not None:
        assert result["matches"][0]["value"] == value


def test_human_output_masks_values(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["classify", str(TEXTS / "github_token_valid.txt")], capsys)
    assert status == 1
    assert f"{GITHUB}: confidence 85, 1 match, 1 unique" in out
    assert "ghp_****…(40)" in out
    assert "zQWBuTSO" not in out


def test_reveal_shows_values(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["classify", str(TEXTS / "github_token_valid.txt"), "--reveal"], capsys)
    assert "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" in out


def test_explain_lists_rejected_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["classify", str(TEXTS / "github_token_one_char_changed.txt"), "--explain"], capsys)
    assert status == 0
    assert "github_token_crc32: " in out
    assert "classic_token" in out


def test_directory_is_classified_file_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["classify", str(TEXTS), "--json"], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(list(TEXTS.iterdir()))
    assert status == 1


def test_missing_file_is_a_one_line_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(["classify", str(tmp_path / "absent.txt")], capsys)
    assert status == 2
    assert err == f"dlp: error: {tmp_path / 'absent.txt'}: no such file or directory\n"
    assert out == ""


def test_unknown_sit_selector_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["classify", str(TEXTS / "github_token_valid.txt"), "--sits", "Nope"], capsys)
    assert status == 2
    assert err.count("\n") == 1 and "unknown SIT, id or bundle: 'Nope'" in err


def test_bad_min_confidence_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["classify", "-", "--min-confidence", "101"])
    assert exited.value.code == 2
    assert "must be between 1 and 100" in capsys.readouterr().err


def test_engine_timeout_exits_with_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sample = tmp_path / "aaa.txt"
    sample.write_text("a" * 50_000 + "!")
    status, out, err = run(
        [
            "classify",
            str(sample),
            "--no-builtin",
            "--definitions",
            str(DEFINITION_FIXTURES / "catastrophic_prefiltered"),
            "--time-limit",
            "0.3",
        ],
        capsys,
    )
    assert status == 2
    assert out == ""
    assert "engine_timeout: part not classified: time limit of 0.3 s exceeded" in err
    assert err.count("\n") == 1 and err.startswith(f"dlp: error: {sample}: ")


def test_sits_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "list", "--bundle", "All credentials", "--json"], capsys)
    assert status == 0
    names = [sit["name"] for sit in json.loads(out)]
    assert GITHUB in names and "Credit card number" not in names
    status, out, _ = run(["sits", "show", "a44669fe-0d48-453d-a9b1-2cc83f2cba77"], capsys)
    assert status == 0
    assert out.startswith("U.S. social security number (SSN)")
    assert "checksum: no" in out


def test_sits_show_unknown_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["sits", "show", "no such thing"], capsys)
    assert status == 2
    assert err == "dlp: error: unknown SIT 'no such thing'\n"


def test_validate_builtin_definitions_passes(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "validate"], capsys)
    assert status == 0, out
    assert "0 failed; 0 lint errors" in out


def test_validate_reports_a_pattern_without_evidence_when_checksum_is_false(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "validate", str(DEFINITION_FIXTURES / "unsupported")], capsys)
    assert status == 1
    errors = [line for line in out.splitlines() if " error " in line]
    assert len(errors) == 2
    prefix = "unsupported/no_checksum_alone.yaml: error pattern-without-evidence "
    assert all(line.startswith(prefix) for line in errors)
    assert all("fires on its primary element alone, but the SIT has checksum: false" in line for line in errors)
    assert " patterns[1]: " in errors[0] and " patterns[2]: " in errors[1]


def test_validate_reports_malformed_definitions(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "validate", str(DEFINITION_FIXTURES / "bad")], capsys)
    assert status == 1
    assert "bad/many_problems.yaml: error invalid-definition colour: Unknown field." in out


def test_validate_passes_with_warnings_only(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "validate", str(LINT_FIXTURES / "duplicates" / "first")], capsys)
    assert status == 0, out
    status, out, _ = run(["sits", "validate", str(LINT_FIXTURES / "duplicates" / "first"), "-v"], capsys)
    assert status == 0
    assert sum(1 for line in out.splitlines() if line.startswith("ok: first/employee.yaml: ")) == 6


def test_validate_json_lists_findings_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    folders = [str(LINT_FIXTURES / "duplicates" / "first"), str(LINT_FIXTURES / "duplicates" / "second")]
    status, out, _ = run(["sits", "validate", *folders, "--json"], capsys)
    assert status == 1
    shown = json.loads(out)
    assert {key: shown[key] for key in ("sits", "errors", "failed_examples")} == {
        "sits": 2,
        "errors": 2,
        "failed_examples": 0,
    }
    codes = {(finding["source"], finding["code"]) for finding in shown["findings"]}
    assert codes == {("second/employee_copy.yaml", "duplicate-id"), ("second/employee_copy.yaml", "duplicate-name")}


def test_validate_reports_catastrophic_backtracking(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sits", "validate", str(DEFINITION_FIXTURES / "catastrophic"), "--json"], capsys)
    assert status == 1
    (found,) = [f for f in json.loads(out)["findings"] if f["code"] == "regex-catastrophic-backtracking"]
    assert found["path"] == "elements.runaway.regex" and found["severity"] == "error" and found["timed_out"]


def test_console_script_entry_point_reads_stdin_and_sets_exit_status() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "service.cli", "classify", "-", "--json"],
        input=(TEXTS / "github_token_valid.txt").read_bytes(),
        capture_output=True,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert completed.returncode == 1, completed.stderr
    assert github_results(completed.stdout.decode())[0]["confidence"] == 85


def test_a_folder_of_documents_ends_with_a_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    documents = FIXTURES / "documents"
    status, out, err = run(["classify", str(documents), "--progress"], capsys)
    total = sum(1 for p in documents.rglob("*") if p.is_file())
    assert status == 2  # the hostile files make some reports incomplete
    assert f"\n{total} files: " in out
    assert " failed" in out and "U.S. social security number (SSN)" in out.split(f"{total} files:")[1]
    assert f"{total}/{total} files" in err  # the progress line reached the end


def test_progress_is_silent_when_output_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    run(["classify", str(FIXTURES / "documents")], capsys)
    # capsys is not a terminal: no progress line unless asked for
    assert "/" not in capsys.readouterr().err


def test_an_unreadable_file_is_reported_and_the_rest_classified(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "broken.docx").write_bytes((FIXTURES / "documents" / "hostile" / "truncated.docx").read_bytes())
    (tmp_path / "ok.txt").write_text("pat=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")
    status, out, err = run(["classify", str(tmp_path)], capsys)
    assert status == 2
    assert f"dlp: error: {tmp_path / 'broken.docx'}: cannot be read: " in err
    assert "broken.docx" not in out.split("\n\n")[0]  # errors go to stderr, findings to stdout
    assert f"{tmp_path / 'ok.txt'}: {GITHUB}: confidence 85" in out


def test_large_text_files_are_streamed_with_the_same_findings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from service import cli_scan
    from tests.fixtures.corpus import make_corpus

    sample = tmp_path / "big.log"
    sample.write_text(make_corpus(400_000, seed=4, plant_every=12))
    _, whole, _ = run(["classify", str(sample), "--json", "--reveal"], capsys)
    monkeypatch.setattr(cli_scan, "STREAM_THRESHOLD", 1000)
    monkeypatch.setattr("service.engine.stream.DEFAULT_WINDOW", 120_000)
    _, streamed, _ = run(["classify", str(sample), "--json", "--reveal"], capsys)

    def findings(output: str) -> list[tuple[str, int, int, str]]:
        report = json.loads(output)
        return [(r["sit"]["name"], m["start"], m["end"], m["value"]) for r in report["results"] for m in r["matches"]]

    assert len(findings(whole)) > 30
    assert findings(streamed) == findings(whole)


def test_streamed_files_are_presented_like_files_read_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from service import cli_scan
    from tests.fixtures.corpus import make_corpus

    sample = tmp_path / "big.log"
    sample.write_text(make_corpus(400_000, seed=7, plant_every=12))
    # A generous time limit: on a loaded machine the default could cut one run short and not the other.
    _, whole, _ = run(["classify", str(sample), "--json", "--time-limit", "120"], capsys)
    monkeypatch.setattr(cli_scan, "STREAM_THRESHOLD", 1000)
    monkeypatch.setattr("service.engine.stream.DEFAULT_WINDOW", 120_000)
    _, streamed, _ = run(["classify", str(sample), "--json", "--time-limit", "120"], capsys)

    def shown(output: str) -> dict[str, object]:
        report = json.loads(output)
        del report["stats"]["elapsed_ms"]
        return report

    whole_report, streamed_report = shown(whole), shown(streamed)
    matches = [m for r in streamed_report["results"] for m in r["matches"]]  # type: ignore[attr-defined]
    assert len(matches) > 30
    assert all("****" in m["value"] and "****" in m["summary"]["text"] for m in matches)
    assert any(h["kind"] == "match" for m in matches for h in m["summary"]["highlights"])
    assert streamed_report["stats"]["bytes"] == sample.stat().st_size  # type: ignore[index]
    assert streamed_report == whole_report


def test_json_reports_name_the_version_of_the_definitions_that_produced_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.definitions import load_builtin_definitions

    stdin = b"order ref=ORD-1234 5678 URGENT"
    _, builtin_only, _ = run(["classify", "-", "--json"], capsys, stdin, monkeypatch)
    extra = DEFINITION_FIXTURES / "engine"
    _, with_extra, _ = run(["classify", "-", "--json", "--definitions", str(extra)], capsys, stdin, monkeypatch)
    assert json.loads(builtin_only)["definitions_version"] == load_builtin_definitions().version
    assert json.loads(with_extra)["definitions_version"] == load_builtin_definitions([extra]).version
    assert json.loads(with_extra)["definitions_version"] != json.loads(builtin_only)["definitions_version"]
