"""``dlp purview import`` and ``dlp purview export``: files written, exit statuses, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema

from service.cli import main
from tests.definitions.purview.conftest import FIXTURES, STAFF_PACKAGE


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_import_writes_one_loadable_file_per_entity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "imported"
    status, out, _ = run(["purview", "import", str(STAFF_PACKAGE), "--out", str(out_dir)], capsys)
    assert status == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "fabrikam_badge_id.yaml",
        "fabrikam_contractor_code.yaml",
        "fabrikam_staff_number.yaml",
    ]
    assert out.splitlines()[-1] == "3 SITs imported; 10 translated, 0 renamed, 5 dropped"
    sample = tmp_path / "sample.txt"
    sample.write_text("staff number 1234561 hired 12/03/2019\n", encoding="utf-8")
    status, out, _ = run(["classify", "--definitions", str(out_dir), str(sample)], capsys)
    assert status == 1  # found
    assert "Fabrikam staff number: confidence 75" in out


def test_import_without_out_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["purview", "import", str(STAFF_PACKAGE)], capsys)
    assert status == 0
    assert "3f9c2d41-7a6b-4e8f-b1d2-9c0e5a7f3b21  Fabrikam staff number  (3 patterns, 7 elements)" in out
    assert "minCount 2" in out


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("malformed.xml", "dlp: error: malformed.xml: not well-formed XML at line 9, column 1"),
        ("with_entity.xml", "dlp: error: with_entity.xml: refused: DTDForbidden (DTDs and entities are not allowed)"),
        ("missing.xml", "dlp: error: "),
    ],
)
def test_a_bad_package_is_one_line_and_exit_status_2(
    fixture: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["purview", "import", str(FIXTURES / fixture), "--out", str(tmp_path / "o")], capsys)
    assert status == 2
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_a_bad_package_gives_no_traceback_from_the_installed_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "purview", "import", str(FIXTURES / "over_limit.xml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "Rules/Regex[@id='Regex_too_long']: regex is 1,028 characters" in done.stderr


def test_export_of_a_bundle_writes_a_valid_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "credentials.xml"
    status, out, _ = run(["purview", "export", "--sits", "All credentials", "--out", str(target)], capsys)
    assert status == 0
    assert out.splitlines()[-1].startswith(f"wrote {target}: ")
    xmlschema.XMLSchema(str(FIXTURES / "xsd" / "RulePackage.xsd")).validate(str(target))


def test_export_of_own_definitions_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = tmp_path / "own"
    run(["purview", "import", str(STAFF_PACKAGE), "--out", str(own)], capsys)
    target = tmp_path / "own.xml"
    status, out, _ = run(["purview", "export", "--no-builtin", "--definitions", str(own), "--out", str(target)], capsys)
    assert status == 0
    assert out.splitlines()[-1] == f"wrote {target}: 3 of 3 SITs; 2 translated, 0 renamed, 0 dropped"
    assert target.read_text(encoding="utf-8").count("<Entity ") == 3


def test_export_of_an_unknown_sit_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["purview", "export", "--sits", "No such SIT", "--out", str(tmp_path / "x.xml")], capsys)
    assert status == 2 and err.startswith("dlp: error: ") and err.count("\n") == 1
