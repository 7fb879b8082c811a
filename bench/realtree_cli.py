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
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from service.cli_parallel import default_jobs

SAMPLE_SECONDS = 0.05
# The standard library's folder also holds every installed package: those are not the stdlib.
DEFAULT_EXCLUDES = ("site-packages/", "__pycache__/")


@dataclass(frozen=True)
class Figures:
    jobs: int
    files: int
    bytes: int
    seconds: float
    peak_rss: int  # bytes, the command and its workers together
    findings: int
    status: int

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    kids = [int(child) for child in children.read().split()]
            except OSError:
                continue
            found.extend(kids)
            pending.extend(kids)
    return found


def measure(tree: Path, jobs: int, excludes: Sequence[str]) -> Figures:
    command = [sys.executable, "-m", "service.cli", "classify", str(tree), "--format", "json", "--quiet"]
    command += ["--jobs", str(jobs), "--no-progress", *(f"--exclude={glob}" for glob in excludes)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = 0
    # Read output on the side so that a large answer cannot block the command while it is sampled.
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(process.stdout.read() if process.stdout else b""))
    reader.start()
    while process.poll() is None:
        peak = max(peak, sum(_rss(pid) for pid in [process.pid, *_descendants(process.pid)]))
        time.sleep(SAMPLE_SECONDS)
    reader.join()
    seconds = time.perf_counter() - started
    output = b"".join(chunks)
    summary = json.loads(output)["summary"]
    return Figures(jobs, summary["files"], summary["bytes"], seconds, peak, summary["findings"], process.returncode)


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
