"""``dlp classify`` on a tree as found in the wild: binaries, symlinks, an unreadable file, a corrupt
document. Binaries are skipped and counted, failures are reported once, links are not followed."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import GITHUB, github_token, run
from tests.conftest import FIXTURES

TOKEN = github_token(1)
OTHER = github_token(2)


def records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def tokens_found(found: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    return [
        (record["name"], match["line"], match["column"])
        for record in found
        for result in record.get("results", [])
        if result["sit"]["name"] == GITHUB
        for match in result["matches"]
    ]


def wheel() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pkg/__init__.py", "VERSION = '1.0'\n")
        archive.writestr("pkg/_speedups.so", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    return buffer.getvalue()


def make_tree(root: Path) -> Path:
    root.mkdir()
    (root / "config.py").write_text(f"# settings\nAPI = 1\ntoken = '{TOKEN}'\n")
    (root / "linked.py").symlink_to("config.py")
    (root / "clean.txt").write_text("nothing to see here\n")
    (root / "pixel.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04;")
    (root / "module.o").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    (root / "Europe_Paris").write_bytes(b"TZif2\x00\x00\x00" + bytes(range(40)) * 6)
    (root / "tool-1.0-py3-none-any.whl").write_bytes(wheel())
    return root


def test_binaries_are_skipped_links_not_followed_and_a_corrupt_docx_fails_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "tree")
    broken = tree / "broken.docx"
    broken.write_bytes((FIXTURES / "documents" / "hostile" / "truncated.docx").read_bytes())
    status, out, err = run(["classify", str(tree), "--format", "jsonl"], capsys)
    assert status == 2
    found = records(out)
    # The linked file's content is reported once, from the file itself, at line 3, column 10.
    assert tokens_found(found) == [(str(tree / "config.py"), 3, 10)]
    failures = [record for record in found if "error" in record]
    assert [record["name"] for record in failures] == [str(broken)]
    assert "cannot be read" in failures[0]["error"]["message"]
    error_lines = [line for line in err.splitlines() if line.startswith("dlp: error:")]
    assert error_lines == [line for line in error_lines if str(broken) in line] and len(error_lines) == 1
    assert err.count(str(broken)) == 1
    skipped = {record["name"] for record in found if "skipped" in record}
    assert skipped == {str(tree / name) for name in ("pixel.gif", "module.o", "Europe_Paris")}
    wheel_record = next(record for record in found if record["name"].endswith(".whl"))
    assert "error" not in wheel_record  # its binary member is skipped, the rest read


def test_a_tree_with_binaries_exits_by_its_findings_and_strict_makes_binaries_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "tree")
    status, out, err = run(["classify", str(tree), "--format", "json"], capsys)
    assert status == 1
    summary = json.loads(out)["summary"]
    assert summary["failed"] == 0 and summary["skipped"] == 3 and summary["skipped_parts"] == 1
    assert summary["symlinks_skipped"] == 1 and summary["with_findings"] == 1
    assert "dlp: error" not in err
    (tree / "config.py").unlink()
    status, _, err = run(["classify", str(tree), "--quiet"], capsys)
    assert status == 0 and err == ""
    status, _, err = run(["classify", str(tree), "--strict", "--quiet"], capsys)
    assert status == 2
    assert sum(1 for line in err.splitlines() if line.startswith("dlp: error:")) == 4  # 3 files and the wheel


def make_unreadable(tree: Path) -> tuple[Path, list[str]]:
    """A file that cannot be read, whoever runs the tests: root reads through file modes, so as root
    it is a link to a file that does not exist, followed because the run is asked to follow links."""
    if os.geteuid() == 0:
        target = tree / "vanished.cfg"
        target.symlink_to(tree / "no-such-file")
        return target, ["--follow-symlinks"]
    target = tree / "private.cfg"
    target.write_text("secret = 1\n")
    target.chmod(0)
    return target, []


def test_an_unreadable_file_fails_once_on_stderr_and_once_as_a_record(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "tree")
    unreadable, extra = make_unreadable(tree)
    try:
        with pytest.raises((PermissionError, FileNotFoundError)):  # it really fails to read, for this user
            unreadable.read_bytes()
        status, out, err = run(["classify", str(tree), "--format", "jsonl", *extra], capsys)
    finally:
        if not unreadable.is_symlink():
            unreadable.chmod(0o600)
    assert status == 2
    failures = [record for record in records(out) if "error" in record]
    assert [record["name"] for record in failures] == [str(unreadable)]
    assert failures[0]["error"]["message"].startswith("cannot be read: ")
    assert err.count(str(unreadable)) == 1
    assert f"dlp: error: {unreadable}: cannot be read: " in err
    assert tokens_found(records(out))  # the rest of the tree was classified


def test_human_output_names_line_and_column_and_is_quiet_about_clean_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path / "tree")
    status, out, _ = run(["classify", str(tree)], capsys)
    assert status == 1
    assert f"    {tree / 'config.py'}:3:10   85  ghp_****…(40)" in out
    assert "no sensitive information found" not in out
    assert "clean.txt" not in out
    assert TOKEN not in out
    assert "\n6 files: 1 with findings, 0 failed, 3 skipped" in out
    status, quiet, _ = run(["classify", str(tree), "--quiet"], capsys)
    assert quiet.splitlines() == out.split("\n\n")[0].splitlines()  # findings only, no summary


def test_the_summary_counts_distinct_values_across_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for index, token in enumerate([TOKEN, TOKEN, OTHER, TOKEN]):
        (tmp_path / f"file{index}.env").write_text(f"GITHUB_TOKEN={token}\n")
    status, out, _ = run(["classify", str(tmp_path), "--format", "json"], capsys)
    assert status == 1
    (row,) = [row for row in json.loads(out)["summary"]["sits"] if row["sit"] == GITHUB]
    assert row == {"sit": GITHUB, "files": 4, "matches": 4, "distinct": 2}
    _, text, _ = run(["classify", str(tmp_path)], capsys)
    (line,) = [line for line in text.splitlines() if line.startswith(GITHUB)]
    assert line.split()[-3:] == ["4", "4", "2"]  # files, matches, distinct


def test_parallel_workers_give_the_output_of_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    for index in range(12):
        secret = f"key {github_token(100 + index)}\n" if index % 3 == 0 else "plain text\n"
        (tree / f"note{index:02}.txt").write_text("line\n" * index + secret)

    def shown(jobs: str) -> list[dict[str, Any]]:
        status, out, _ = run(["classify", str(tree), "--format", "jsonl", "--jobs", jobs], capsys)
        assert status == 1
        found = records(out)
        for record in found:
            record.get("stats", {}).pop("elapsed_ms", None)
        return found

    one, many = shown("1"), shown("2")
    assert len(tokens_found(one)) == 5
    assert many == one


def test_excludes_and_dlpignore_follow_gitignore_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "generated").mkdir(parents=True)
    (tree / "logs").mkdir()
    for path in ("generated/a.py", "logs/run.log", "logs/keep.log", "src.py", "fixtures.txt"):
        (tree / path).write_text(f"t = {github_token(len(path))}\n")
    (tree / ".dlpignore").write_text("# generated code and logs\ngenerated/\n*.log\n!keep.log\n")
    status, out, _ = run(["classify", str(tree), "--exclude", "fixtures.*", "--format", "json"], capsys)
    assert status == 1
    document = json.loads(out)
    names = {record["name"] for record in document["documents"] if record.get("results")}
    assert names == {str(tree / "logs" / "keep.log"), str(tree / "src.py")}
    assert document["summary"]["excluded"] == 3


def test_markup_its_reader_gives_up_on_is_classified_as_text_not_failed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A DTD looks like XML and is not a document: its raw text is what there is to classify.
    dtd = f'<?xml version="1.0"?>\n<!-- token {TOKEN} -->\n<!ELEMENT doc (#PCDATA)>\n<!ATTLIST doc a CDATA "1">\n'
    (tmp_path / "doc.dtd").write_text(dtd)
    (tmp_path / "page.xml").write_text("<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e 'x'>]><a>&e; hello</a>\n")
    status, out, err = run(["classify", str(tmp_path), "--format", "json"], capsys)
    assert "dlp: error" not in err
    document = json.loads(out)
    assert document["summary"]["failed"] == 0 and document["summary"]["fallback_parts"] == 2
    assert tokens_found(document["documents"]) == [(str(tmp_path / "doc.dtd"), 2, 12)]
    assert status == 1
