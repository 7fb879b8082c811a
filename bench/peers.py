"""Other secret scanners run on a tree the way ``dlp classify`` is run, and measured the same way.

Each peer is its own command line in its own process, told to write a JSON report to a
temporary file; wall seconds, peak memory of its process tree and CPU time come from
``bench.proctree``, the findings from its report. Every tool scans the same staged copy of the
tree (hard links to the files ``dlp classify`` walks, after the excludes), so the file and
byte counts are the same for all and no tool is charged for folders another one skipped.

A peer that is not installed is a row saying how to install it, never an error. Executables
are looked for in ``BENCH_<NAME>`` (a path), then on ``PATH``, then beside this interpreter
(a virtual environment that is not activated).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.proctree import run_sampled
from service.cli_inputs import collect_inputs
from service.cli_parallel import default_jobs

# Where a virtual environment's console scripts are when it is not activated.
INTERPRETER_BIN = Path(sys.executable).parent
SETUP = "bench/setup-peers"


@dataclass(frozen=True)
class Peer:
    name: str
    executable: str  # the command's name on PATH
    install: str  # how to get it, shown when it is missing
    # (executable, tree, report file, cores) -> argv; report file is where the JSON goes
    command: Callable[[str, Path, Path, int], list[str]]
    # (report file, standard output) -> number of findings
    count: Callable[[Path, Path], int]
    version: Sequence[str]  # arguments that print the version
    # None: the tool takes a thread or process count; otherwise how the core count is imposed
    cores_env: str | None = None

    def env(self, cores: int) -> dict[str, str]:
        """What to add to the environment to hold the tool to ``cores``."""
        return {self.cores_env: str(cores)} if self.cores_env else {}

    @property
    def override(self) -> str:
        return "BENCH_" + self.name.upper().replace("-", "_")


def _kingfisher(executable: str, tree: Path, report: Path, cores: int) -> list[str]:
    # --no-validate: no network requests to check live credentials (we never make any);
    # --no-update-check: no release look-up at start; --git-history none: the tree as files, even
    # where it holds a repository; --jobs: its scanning threads; --quiet: no progress bars.
    return [
        executable, "scan", str(tree), "--no-validate", "--no-update-check", "--git-history", "none",
        "--format", "json", "--output", str(report), "--jobs", str(cores), "--quiet",
    ]  # fmt: skip


def _kingfisher_count(report: Path, _: Path) -> int:
    return len(json.loads(report.read_bytes())["findings"])


def _gitleaks(executable: str, tree: Path, report: Path, cores: int) -> list[str]:
    # `dir`: files only, no git; --exit-code 0: findings are not a failure here; --no-banner and
    # --log-level error keep it quiet. It has no thread flag: see cores_env below.
    return [
        executable, "dir", str(tree), "--no-banner", "--log-level", "error", "--exit-code", "0",
        "--report-format", "json", "--report-path", str(report),
    ]  # fmt: skip


def _list_count(report: Path, _: Path) -> int:
    return len(json.loads(report.read_bytes()))


def _detect_secrets(executable: str, tree: Path, report: Path, cores: int) -> list[str]:
    # --all-files: walk the folder rather than ask git which files are tracked; the baseline it
    # prints on standard output is the report. --cores (its worker processes) goes before `scan`.
    # -C: it runs as if started in the tree; given a path outside the folder it runs in, it reports
    # nothing at all.
    return [executable, "-C", str(tree), "--cores", str(cores), "scan", "--all-files", "."]


def _detect_secrets_count(_: Path, stdout: Path) -> int:
    results: dict[str, list[Any]] = json.loads(stdout.read_bytes())["results"]
    return sum(len(found) for found in results.values())


def _credsweeper(executable: str, tree: Path, report: Path, cores: int) -> list[str]:
    # Its defaults otherwise (ML filter on), as a user runs it; --jobs: worker processes.
    return [executable, "--path", str(tree), "--save-json", str(report), "--jobs", str(cores), "--no-stdout"]


PEERS = (
    Peer(
        "kingfisher",
        "kingfisher",
        f"pip install -e '.[bench]' (kingfisher-bin) or {SETUP}",
        _kingfisher,
        _kingfisher_count,
        ("--version",),
    ),
    Peer(
        "gitleaks",
        "gitleaks",
        f"{SETUP}: apt-get install gitleaks where Debian has it, else a wheel that ships its release binary",
        _gitleaks,
        _list_count,
        ("version",),
        # Go runs goroutines on GOMAXPROCS threads: the one way to hold a dir scan to one core.
        cores_env="GOMAXPROCS",
    ),
    Peer(
        "detect-secrets",
        "detect-secrets",
        "pip install -e '.[bench]'",
        _detect_secrets,
        _detect_secrets_count,
        ("--version",),
    ),
    Peer(
        "credsweeper",
        "credsweeper",
        "pip install -e '.[bench]'",
        _credsweeper,
        _list_count,
        ("--version",),
    ),
)


def peer(name: str) -> Peer:
    for each in PEERS:
        if each.name == name:
            return each
    raise KeyError(name)


def locate(tool: Peer) -> str | None:
    override = os.environ.get(tool.override)
    if override:
        return override if Path(override).exists() else None
    found = shutil.which(tool.executable)
    if found:
        return found
    beside = INTERPRETER_BIN / tool.executable
    return str(beside) if beside.exists() else None


def version(tool: Peer, executable: str) -> str:
    try:
        answer = subprocess.run(
            [executable, *tool.version], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    words = (answer.stdout or answer.stderr).split()
    # "kingfisher 2.14.0", "CredSweeper 1.19.5", "8.30.1": the last word is the number.
    return words[-1] if words else "?"


@dataclass(frozen=True)
class Staged:
    root: Path
    files: int
    bytes: int


def stage(tree: Path, excludes: Sequence[str], into: Path) -> Staged:
    """Hard links (copies across file systems) to the files ``dlp classify`` walks in ``tree``."""
    inputs = collect_inputs([str(tree)], excludes)
    total = 0
    for entry in inputs.files:
        assert entry.path is not None  # a folder's files, never standard input
        target = into / entry.path.relative_to(tree)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(entry.path, target)
        except OSError:
            shutil.copyfile(entry.path, target)
        total += entry.size
    return Staged(into, len(inputs.files), total)


@dataclass(frozen=True)
class Row:
    """One tool's run on the staged tree, or why there is none."""

    tool: str
    version: str = ""
    cores: str = ""  # as asked: "1", "2"; a tool without a flag says how it was held
    seconds: float = 0.0
    files: int = 0
    bytes: int = 0
    peak_rss: int = 0
    cpu_seconds: float = 0.0
    findings: int = 0
    problem: str = ""  # "not installed (...)" or "failed (...)": the run gave no figures

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0

    @property
    def cores_used(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


def missing(tool: Peer) -> Row:
    return Row(tool.name, problem=f"not installed ({tool.install})")


def measure(tool: Peer, executable: str, staged: Staged, cores: int, version_text: str = "") -> Row:
    env = {**os.environ, **tool.env(cores)}
    label = f"{cores} ({tool.cores_env})" if tool.cores_env else str(cores)
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        report, stdout = Path(folder) / "report.json", Path(folder) / "stdout"
        command = tool.command(executable, staged.root, report, cores)
        try:
            # From the scratch folder: a tool that drops files where it runs drops them there.
            run = run_sampled(command, stdout, env=env, cwd=Path(folder))
        except OSError as error:
            return Row(tool.name, version_text, label, problem=f"failed ({error.strerror or error})")
        try:
            findings = tool.count(report, stdout)
        except (OSError, ValueError, KeyError, TypeError):
            return Row(tool.name, version_text, label, problem=f"failed (exit {run.status}, no readable report)")
    return Row(
        tool.name, version_text, label, run.seconds, staged.files, staged.bytes, run.peak_rss, run.cpu_seconds, findings
    )


def best(rows: Sequence[Row]) -> Row:
    """The fastest run that gave figures; the first failure when none did."""
    measured = [row for row in rows if not row.problem]
    return min(measured, key=lambda row: row.seconds) if measured else rows[0]


def run_peer(tool: Peer, staged: Staged, cores: int, repeat: int = 1) -> Row:
    executable = locate(tool)
    if executable is None:
        return missing(tool)
    text = version(tool, executable)
    return best([measure(tool, executable, staged, cores, text) for _ in range(max(1, repeat))])


def peer_rows(tools: Sequence[Peer], staged: Staged, counts: Sequence[int], repeat: int = 1) -> list[Row]:
    """Each tool at each core count; one "not installed" row for a tool that is missing."""
    rows: list[Row] = []
    for tool in tools:
        if locate(tool) is None:
            rows.append(missing(tool))
        else:
            rows += [run_peer(tool, staged, count, repeat) for count in counts]
    return rows


HEADER = ("tool", "version", "cores", "seconds", "files/s", "MB/s", "CPU/wall", "peak RSS MB", "findings")
WIDTHS = (16, 14, 14, 8, 8, 6, 8, 11, 8)


def format_row(row: Row) -> str:
    head = f"{row.tool:<{WIDTHS[0]}} {row.version:<{WIDTHS[1]}} {row.cores:<{WIDTHS[2]}}"
    if row.problem:
        return f"{head} {row.problem}"
    return (
        f"{head} {row.seconds:>8.1f} {row.files_per_second:>8.1f} {row.megabytes_per_second:>6.2f} "
        f"{row.cores_used:>8.2f} {row.peak_rss / 1e6:>11.0f} {row.findings:>8}"
    )


def format_table(rows: Sequence[Row]) -> list[str]:
    lines = [
        f"{HEADER[0]:<{WIDTHS[0]}} {HEADER[1]:<{WIDTHS[1]}} {HEADER[2]:<{WIDTHS[2]}} "
        + " ".join(f"{name:>{width}}" for name, width in zip(HEADER[3:], WIDTHS[3:], strict=True))
    ]
    lines += [format_row(row) for row in rows]
    return lines


def ratios(ours: Sequence[Row], others: Sequence[Row]) -> list[str]:
    """Ours ÷ each peer at the same core count: how many times faster, and memory against theirs."""
    by_cores = {row.cores.split()[0]: row for row in ours if not row.problem}
    lines = []
    for row in others:
        mine = by_cores.get(row.cores.split()[0]) if row.cores else None
        if row.problem or mine is None or not mine.seconds:
            continue
        speed = row.seconds / mine.seconds
        memory = mine.peak_rss / row.peak_rss if row.peak_rss else 0.0
        lines.append(
            f"ours ÷ {row.tool}, {mine.cores} core(s): {speed:.2f}× its files/s and MB/s, {memory:.2f}× its peak RSS"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--tool", action="append", default=[], choices=[tool.name for tool in PEERS])
    parser.add_argument("--cores", action="append", type=int, default=[], help="repeatable (default: 1 and all)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="as dlp classify --exclude")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest is kept")
    parser.add_argument("--json", action="store_true", help="the rows as JSON, for a program")
    args = parser.parse_args(argv)
    chosen = [peer(name) for name in args.tool] if args.tool else list(PEERS)
    counts = list(dict.fromkeys(args.cores or [1, default_jobs()]))
    with tempfile.TemporaryDirectory(prefix="bench-tree-") as folder:
        staged = stage(args.tree, args.exclude, Path(folder))
        rows = peer_rows(chosen, staged, counts, args.repeat)
    if args.json:
        print(json.dumps([dataclasses.asdict(row) for row in rows], indent=2))
    else:
        print("\n".join(format_table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
