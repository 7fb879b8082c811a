"""``dlp git``: history read with git itself (every added line of every commit) and the staged
changes, and the shipped pre-commit hook run by pre-commit against a staged secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli_git import parse_patches
from tests.cli.helpers import GITHUB, git, github_token, init_repository, run

TOKEN = github_token(21)
ROOT = Path(__file__).resolve().parents[2]


def repository_with_a_removed_secret(path: Path) -> tuple[Path, str]:
    """A secret added in one commit and removed in the next; returns the adding commit."""
    repository = init_repository(path)
    (repository / "app.py").write_text("import os\n\n\ndef main():\n    pass\n")
    git(repository, "add", "app.py")
    git(repository, "commit", "-q", "-m", "first")
    (repository / "app.py").write_text(f"import os\n\nTOKEN = '{TOKEN}'\n\ndef main():\n    pass\n")
    git(repository, "commit", "-q", "-am", "add a token")
    added = git(repository, "rev-parse", "HEAD")
    (repository / "app.py").write_text("import os\n\nTOKEN = os.environ['TOKEN']\n\ndef main():\n    pass\n")
    git(repository, "commit", "-q", "-am", "read the token from the environment")
    return repository, added


def test_history_finds_a_removed_secret_with_its_commit_but_the_tree_does_not(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repository, added = repository_with_a_removed_secret(tmp_path / "repo")
    status, out, _ = run(["git", str(repository), "--format", "jsonl"], capsys)
    assert status == 1
    (record,) = [json.loads(line) for line in out.splitlines() if GITHUB in line]
    assert record["name"] == "app.py" and record["commit"] == added
    (match,) = record["results"][0]["matches"]
    assert (match["line"], match["column"]) == (3, 10)  # the line in the file, not in the diff
    date = git(repository, "log", "-1", "--format=%aI", added)
    assert record["date"] == date
    assert TOKEN not in out

    status, _, _ = run(["classify", str(repository), "--quiet"], capsys)
    assert status == 0  # the working tree no longer holds it

    status, out, _ = run(["git", str(repository), "--since", added, "--quiet"], capsys)
    assert status == 0 and out == ""  # after the commit that added it, nothing new


def test_staged_changes_are_classified_before_they_are_committed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repository = init_repository(tmp_path / "repo")
    (repository / "README").write_text("hello\n")
    git(repository, "add", "README")
    status, _, _ = run(["git", str(repository), "--staged"], capsys)
    assert status == 0
    (repository / "deploy.sh").write_text(f"#!/bin/sh\nexport GH_TOKEN={TOKEN}\n")
    git(repository, "add", "deploy.sh")
    status, out, _ = run(["git", str(repository), "--staged", "--format", "csv"], capsys)
    assert status == 1
    (row,) = out.splitlines()[1:]
    assert row.startswith("deploy.sh,2,17,")


def test_a_folder_that_is_not_a_repository_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(["git", str(tmp_path)], capsys)
    assert status == 2 and out == ""
    assert err.startswith("dlp: error: git: ") and err.count("\n") == 1


def test_patches_are_parsed_into_added_lines_with_their_numbers() -> None:
    patch = [
        "\x01abc\x022026-01-02T03:04:05+00:00",
        "diff --git a/x.py b/x.py",
        "index 1..2 100644",
        "--- a/x.py",
        "+++ b/x.py",
        "@@ -1,0 +2,2 @@",
        "+++ a line that starts with two pluses",
        "+second",
        "@@ -9 +11 @@",
        "-old",
        "+new",
        "diff --git a/gone.txt b/gone.txt",
        "--- a/gone.txt",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-bye",
        "diff --git a/img.png b/img.png",
        "Binary files a/img.png and b/img.png differ",
    ]
    (added,) = parse_patches(iter(patch))
    assert (added.path, added.commit, added.date) == ("x.py", "abc", "2026-01-02T03:04:05+00:00")
    assert added.lines == ["++ a line that starts with two pluses", "second", "new"]
    assert added.numbers == [2, 3, 11]


def test_the_pre_commit_hook_rejects_a_staged_secret(tmp_path: Path) -> None:
    repository = init_repository(tmp_path / "project")
    (repository / "settings.py").write_text(f"TOKEN = '{TOKEN}'\n")
    git(repository, "add", "settings.py")
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dlp", "--verbose"]
    completed = subprocess.run(
        command, cwd=repository, capture_output=True, text=True, env=environment, check=False, timeout=900
    )
    assert completed.returncode != 0, completed.stdout + completed.stderr
    assert "settings.py:1:10" in completed.stdout and "- exit code: 1" in completed.stdout
    assert TOKEN not in completed.stdout
