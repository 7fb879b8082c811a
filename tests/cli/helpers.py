"""What the command-line tests share: running ``dlp`` in-process, synthetic tokens, git repositories."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from service.cli import main
from service.validators.github import BASE62_ALPHABET, github_checksum

GITHUB = "GitHub personal access token"
GITHUB_ID = "a4b56616-42e8-48be-981a-e7aa44904221"


def github_token(seed: int) -> str:
    """A GitHub classic token with a correct checksum, made from ``seed`` (it grants nothing)."""
    rng = random.Random(seed)
    entropy = "".join(rng.choice(BASE62_ALPHABET) for _ in range(30))
    return "ghp_" + entropy + github_checksum(entropy)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def git(repository: Path, *arguments: str) -> str:
    environment = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    completed = subprocess.run(
        ["git", "-C", str(repository), *arguments], capture_output=True, text=True, check=True, env=environment
    )
    return completed.stdout.strip()


def init_repository(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@example.com")
    git(path, "config", "user.name", "Dev")
    git(path, "config", "commit.gpgsign", "false")
    return path
