"""The peer-scanner runner of the benchmarks, driven through its command line with stand-in tools.

Each stand-in is a small script named like the real executable, put first on PATH: it records
how it was called and writes a report in that tool's format, with one finding per file of the
tree it was given that holds the word SECRET. The runner is run as ``python -m bench.peers``
(the tests never import the benchmarks), so this checks what a person running it gets: the
right flags, the files counted after the excludes, each report format read, and a missing or
failing tool reported as a row, not a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

STAND_IN = """#!{python}
import json, os, sys
from pathlib import Path

name = Path(sys.argv[0]).name
args = sys.argv[1:]
versions = {{"kingfisher": "kingfisher 2.99.1", "gitleaks": "8.99.0", "detect-secrets": "1.99.2",
            "credsweeper": "CredSweeper 1.99.3"}}
if args in (["--version"], ["version"]):
    print(versions[name])
    sys.exit(0)
with open(os.environ["STAND_IN_LOG"], "a") as log:
    log.write(json.dumps({{"tool": name, "argv": args, "GOMAXPROCS": os.environ.get("GOMAXPROCS")}}) + "\\n")
if os.environ.get("STAND_IN_FAIL") == name:
    sys.exit(3)


def after(flag):
    return args[args.index(flag) + 1]


def hits(tree):
    return [str(p) for p in sorted(Path(tree).rglob("*")) if p.is_file() and "SECRET" in p.read_text()]


if name == "kingfisher":
    found = hits(args[1])
    Path(after("--output")).write_text(json.dumps({{"findings": [{{"finding": {{"path": p}}}} for p in found]}}))
    sys.exit(200 if found else 0)  # as Kingfisher: non-zero when it found something
if name == "gitleaks":
    Path(after("--report-path")).write_text(json.dumps([{{"File": p}} for p in hits(args[1])]))
if name == "detect-secrets":
    results = {{p: [{{"type": "Secret Keyword"}}] for p in hits(after("-C"))}}
    print(json.dumps({{"version": "1.99.2", "results": results}}))
if name == "credsweeper":
    Path(after("--save-json")).write_text(json.dumps([{{"rule": "Secret", "path": p}} for p in hits(after("--path"))]))
"""

TOOLS = ("kingfisher", "gitleaks", "detect-secrets", "credsweeper")
FILES = {"a/one.py": "token = 'SECRET'\n", "b/two.txt": "SECRET here\n", "c/three.txt": "nothing\n"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    # Left out by --exclude: a tool must not be shown it, nor its bytes counted.
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "one.pyc").write_text("SECRET in a cache\n")
    return root


@pytest.fixture
def stand_ins(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        script = folder / tool
        script.write_text(STAND_IN.format(python=sys.executable))
        script.chmod(0o755)
    return folder


def run_peers(args: list[str], stand_ins: Path, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BENCH_")}
    env |= {"PATH": f"{stand_ins}{os.pathsep}{env.get('PATH', '')}", "STAND_IN_LOG": str(tmp_path / "log"), **extra}
    return subprocess.run(
        [sys.executable, "-m", "bench.peers", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def logged(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "log").read_text().splitlines()]


@pytest.mark.parametrize("tool", TOOLS)
def test_each_tools_report_is_read_and_the_files_counted_after_the_excludes(
    tool: str, tree: Path, stand_ins: Path, tmp_path: Path
) -> None:
    done = run_peers(
        [str(tree), "--tool", tool, "--cores", "1", "--exclude", "__pycache__/", "--json"], stand_ins, tmp_path
    )
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["tool"] == tool
    assert row["problem"] == ""
    assert row["version"].startswith(("1.99", "2.99", "8.99"))
    assert row["files"] == len(FILES)
    assert row["bytes"] == sum(len(text.encode()) for text in FILES.values())
    assert row["findings"] == 2  # the cached copy holding SECRET was not staged
    assert row["seconds"] > 0


def test_each_tool_is_told_to_stay_offline_off_git_and_on_the_cores_asked(
    tree: Path, stand_ins: Path, tmp_path: Path
) -> None:
    done = run_peers([str(tree), "--cores", "1", "--cores", "2", "--json"], stand_ins, tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(row["tool"], row["cores"]) for row in rows] == [
        ("kingfisher", "1"),
        ("kingfisher", "2"),
        ("gitleaks", "1 (GOMAXPROCS)"),
        ("gitleaks", "2 (GOMAXPROCS)"),
        ("detect-secrets", "1"),
        ("detect-secrets", "2"),
        ("credsweeper", "1"),
        ("credsweeper", "2"),
    ]
    # Each tool is run on one core, then on two: its calls alternate.
    calls = {(call["tool"], index % 2): call for index, call in enumerate(logged(tmp_path))}
    kingfisher = calls["kingfisher", 0]["argv"]
    assert {"--no-validate", "--no-update-check"} <= set(kingfisher)
    assert kingfisher[kingfisher.index("--git-history") + 1] == "none"
    assert kingfisher[kingfisher.index("--format") + 1] == "json"
    assert [
        call["argv"][call["argv"].index("--jobs") + 1] for call in (calls["kingfisher", 0], calls["kingfisher", 1])
    ] == [
        "1",
        "2",
    ]
    assert calls["gitleaks", 0]["argv"][0] == "dir"  # files, not a repository's history
    assert "--no-banner" in calls["gitleaks", 0]["argv"]
    assert [calls["gitleaks", 0]["GOMAXPROCS"], calls["gitleaks", 1]["GOMAXPROCS"]] == ["1", "2"]
    detect_secrets = calls["detect-secrets", 1]["argv"]
    assert detect_secrets[detect_secrets.index("--cores") + 1] == "2" and "--all-files" in detect_secrets
    assert calls["credsweeper", 1]["argv"][calls["credsweeper", 1]["argv"].index("--jobs") + 1] == "2"


def test_a_tool_that_is_not_installed_is_a_row_saying_how_to_install_it(
    tree: Path, stand_ins: Path, tmp_path: Path
) -> None:
    done = run_peers(
        [str(tree), "--tool", "gitleaks", "--tool", "kingfisher", "--cores", "1"],
        stand_ins,
        tmp_path,
        BENCH_GITLEAKS=str(tmp_path / "no-such-gitleaks"),
    )
    assert done.returncode == 0
    assert "Traceback" not in done.stderr
    [header, gitleaks, kingfisher] = done.stdout.splitlines()
    assert header.split()[:3] == ["tool", "version", "cores"]
    assert gitleaks.startswith("gitleaks") and "not installed (bench/setup-peers" in gitleaks
    assert (
        kingfisher.split()[:3] == ["kingfisher", "2.99.1", "1"] and kingfisher.split()[-1] == "3"
    )  # no --exclude: the cache counts
    assert [call["tool"] for call in logged(tmp_path)] == ["kingfisher"]


def test_a_tool_that_fails_without_a_report_is_a_failed_row(tree: Path, stand_ins: Path, tmp_path: Path) -> None:
    done = run_peers(
        [str(tree), "--tool", "kingfisher", "--cores", "1", "--json"], stand_ins, tmp_path, STAND_IN_FAIL="kingfisher"
    )
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["problem"] == "failed (exit 3, no readable report)"
    assert row["findings"] == 0
