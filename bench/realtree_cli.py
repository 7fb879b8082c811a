"""``dlp classify`` on a real tree, on one core and on all of them: files/s, MB/s and peak memory.

    python -m bench.realtree_cli [TREE] [--jobs N] [--repeat K]

The tree defaults to this Python's standard library (found with ``sysconfig``), without its
``site-packages`` and bytecode caches. Each run is the
real command in its own process (``dlp classify TREE --format json --quiet``) so that start-up,
walking, worker start and output count as they do for a user; peak memory is the largest sum of
the resident sizes of the command and its workers, sampled while it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bench import peers
from bench.proctree import run_sampled
from service.cli_parallel import default_jobs

# The standard library's folder also holds every installed package: those are not the stdlib.
DEFAULT_EXCLUDES = ("site-packages/", "__pycache__/")
OURS = "dlp classify"
HERE = Path(__file__).parent


@dataclass(frozen=True)
class Figures:
    jobs: int
    files: int
    bytes: int
    seconds: float
    peak_rss: int  # bytes, the command and its workers together
    findings: int
    status: int
    cpu_seconds: float = 0.0  # the command and its workers, user and system

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


# Bytecode of the service's modules, kept for the runs of this benchmark.
_BYTECODE = tempfile.TemporaryDirectory(prefix="dlp-bench-bytecode-")


def installed_environment() -> dict[str, str]:
    """The environment ours runs in: with bytecode, as a package installed from a wheel has it.

    An editable checkout under ``PYTHONDONTWRITEBYTECODE`` (set on some CI machines and in the
    Docker image, whose wheel install compiles bytecode anyway) would compile every module of the
    command from source on every run, a cost no installed copy pays. The bytecode is written to a
    folder of this benchmark's own (``PYTHONPYCACHEPREFIX``), compiled before the first run.
    """
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = _BYTECODE.name
    package = Path(__file__).resolve().parent.parent / "service"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=environment, check=False)
    return environment


def measure(tree: Path, jobs: int, excludes: Sequence[str]) -> Figures:
    command = [sys.executable, "-m", "service.cli", "classify", str(tree), "--format", "json", "--quiet"]
    command += ["--jobs", str(jobs), "--no-progress", *(f"--exclude={glob}" for glob in excludes)]
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        run = run_sampled(command, output, env=installed_environment())
        summary = json.loads(output.read_bytes())["summary"]
    return Figures(
        jobs,
        summary["files"],
        summary["bytes"],
        run.seconds,
        run.peak_rss,
        summary["findings"],
        run.status,
        run.cpu_seconds,
    )


def _our_version() -> str:
    try:
        number = metadata.version("dlp-classifier")
    except metadata.PackageNotFoundError:
        number = "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{number}+{commit}" if commit else number


def our_row(staged: peers.Staged, jobs: int, repeat: int, version: str) -> peers.Row:
    # The staged tree holds only what was kept: no excludes left to pass on.
    runs = [measure(staged.root, jobs, ()) for _ in range(max(1, repeat))]
    fastest = min(runs, key=lambda figures: figures.seconds)
    return peers.Row(
        OURS, version, str(jobs), fastest.seconds, fastest.files, fastest.bytes, fastest.peak_rss,
        fastest.cpu_seconds, fastest.findings,
    )  # fmt: skip


def compare(
    tree: Path,
    excludes: Sequence[str],
    jobs: int,
    repeat: int = 1,
    tools: Sequence[str] = (),
    cores: Sequence[int] | None = None,
) -> list[str]:
    """Ours on one core and on ``jobs``, then every installed peer (or ``tools``) likewise, one table."""
    counts = list(dict.fromkeys(cores if cores else [1, jobs]))
    chosen = [peers.peer(name) for name in tools] if tools else list(peers.PEERS)
    with tempfile.TemporaryDirectory(prefix="bench-tree-") as folder:
        staged = peers.stage(tree, excludes, Path(folder))
        lines = [f"tree: {tree} ({staged.files} files, {staged.bytes / 1e6:.1f} MB after excludes)"]
        version = _our_version()
        ours = [our_row(staged, count, repeat, version) for count in counts]
        others = peers.peer_rows(chosen, staged, counts, repeat)
    lines += peers.format_table([*ours, *others])
    lines += peers.ratios(ours, others)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtree_cli", description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="the parallel run's workers (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest is kept")
    parser.add_argument(
        "--exclude",
        action="append",
        default=list(DEFAULT_EXCLUDES),
        metavar="GLOB",
        help="passed on to dlp classify (default: installed packages and bytecode caches)",
    )
    args = parser.parse_args(argv)
    print(f"tree: {args.tree}")
    header = ("jobs", "files", "MB", "seconds", "files/s", "MB/s", "peak RSS MB", "findings")
    widths = (4, 7, 8, 8, 8, 6, 12, 8)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True)))
    for jobs in dict.fromkeys([1, args.jobs]):
        runs = [measure(args.tree, jobs, args.exclude) for _ in range(args.repeat)]
        best = min(runs, key=lambda figures: figures.seconds)
        print(
            f"{best.jobs:>4} {best.files:>7} {best.bytes / 1e6:>8.1f} {best.seconds:>8.1f} "
            f"{best.files_per_second:>8.1f} {best.megabytes_per_second:>6.2f} {best.peak_rss / 1e6:>12.0f} "
            f"{best.findings:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
