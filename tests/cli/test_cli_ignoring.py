"""Ignoring known findings: a baseline (fingerprints, never values) and inline ``dlp:allow`` comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli_findings import allowed_sits
from tests.cli.helpers import GITHUB, GITHUB_ID, github_token, run

OLD = github_token(11)
NEW = github_token(12)


def test_a_baseline_reports_the_new_secret_and_not_the_old(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("src").mkdir()
    Path("src/settings.py").write_text(f"DEBUG = True\nGITHUB = '{OLD}'\n")
    status, _, err = run(["baseline", "create", "src", "--out", "baseline.json"], capsys)
    assert status == 0 and "wrote baseline.json: 1 finding" in err
    stored = Path("baseline.json").read_text()
    assert OLD not in stored and OLD[4:] not in stored  # fingerprints, never values
    entry = json.loads(stored)["findings"][0]
    assert entry["sit_id"] == GITHUB_ID and entry["path"] == "src/settings.py" and entry["line"] == 2

    # Lines move, and a new secret arrives in another file.
    Path("src/settings.py").write_text(f"# moved down\nDEBUG = True\n\nGITHUB = '{OLD}'\n")
    Path("src/deploy.sh").write_text(f"export GH_TOKEN={NEW}\n")
    status, out, _ = run(["classify", "src", "--baseline", "baseline.json", "--format", "csv"], capsys)
    assert status == 1
    rows = [line.split(",") for line in out.splitlines()[1:]]
    assert [(row[0], row[1]) for row in rows] == [("src/deploy.sh", "1")]

    # With only the old secret left, the run is clean, and says what it left out.
    Path("src/deploy.sh").unlink()
    status, out, _ = run(["classify", "src", "--baseline", "baseline.json"], capsys)
    assert status == 0
    assert "1 finding allowed or in the baseline" in out


def test_a_baseline_made_under_another_fingerprint_key_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.env").write_text(f"T={OLD}\n")
    baseline = tmp_path / "baseline.json"
    run(["baseline", "create", str(tmp_path / "a.env"), "--out", str(baseline)], capsys)
    monkeypatch.setenv("DLP_FINGERPRINT_KEY", "a-team-secret-of-some-length")
    status, out, err = run(["classify", str(tmp_path / "a.env"), "--baseline", str(baseline)], capsys)
    assert status == 2 and out == ""
    assert "made with another fingerprint key" in err and err.count("\n") == 1


def test_an_allow_comment_silences_its_line_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sample = tmp_path / "fixtures.py"
    sample.write_text(
        f"EXAMPLE = '{OLD}'  # dlp:allow\n"
        f"NAMED = '{github_token(13)}'  # dlp:allow {GITHUB}\n"
        f"BY_ID = '{github_token(14)}'  // dlp:allow {GITHUB_ID}\n"
        f"OTHER = '{github_token(15)}'  # dlp:allow U.S. social security number (SSN)\n"
        f"REAL = '{NEW}'\n"
    )
    status, out, _ = run(["classify", str(sample), "--format", "csv"], capsys)
    assert status == 1
    lines = sorted(int(line.split(",")[1]) for line in out.splitlines()[1:])
    assert lines == [4, 5]  # an allow naming another SIT does not silence this one


def test_allow_comments_are_read_in_any_comment_syntax() -> None:
    assert allowed_sits("x = 1") is None
    assert allowed_sits("key: abc  # dlp:allow") == frozenset()
    assert allowed_sits("<!-- dlp:allow GitHub personal access token -->") == {"github personal access token"}
    assert allowed_sits("/* DLP:ALLOW Slack token, Stripe API key */") == {"slack token", "stripe api key"}
