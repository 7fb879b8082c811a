"""Throughput of ``dlp scan`` on Spark against ``dlp classify --jobs`` on the same tree.

``python -m bench.spark TREE`` (or ``--make DIR`` to generate a mixed-format tree first) prints, for
``dlp classify --jobs 1`` and ``--jobs 2`` and for ``dlp scan`` on ``local[1]`` and ``local[2]``: wall
seconds of the whole command (interpreter, JVM and Spark start-up included) and MB/s; for Spark also
the seconds and MB/s of the scan alone, measured in-process once the session is up (start-up
excluded; the first batch still pays for starting Python workers and compiling the definitions in
each). Each ``dlp scan`` writes to a fresh results folder, so nothing is skipped as unchanged.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service.bulk.spark import ScanRequest, run_scan, start_session
from service.bulk.worker import ShippedDefinitions
from service.cli_classify import DEFAULT_CLI_FINGERPRINT_KEY
from service.cli_inputs import collect_inputs
from service.cli_scan import ScanSettings
from service.definitions import load_builtin_definitions
from service.engine import ClassifyOptions
from tests.fixtures.mixed_tree import make_tree

DLP = [sys.executable, "-m", "service.cli"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def in_process(tree: Path, master: str, out: Path) -> tuple[float, float]:
    """Seconds to start the session, and seconds of the scan once it is up."""
    started = time.perf_counter()
    spark = start_session(master, [])
    up = time.perf_counter()
    definitions = ShippedDefinitions.from_folders(True, [], "auto", load_builtin_definitions().version)
    settings = ScanSettings(options=ClassifyOptions(), fingerprint_key=DEFAULT_CLI_FINGERPRINT_KEY)
    try:
        run_scan(spark, ScanRequest([str(tree)], out, settings, definitions))
        return up - started, time.perf_counter() - up
    finally:
        spark.stop()


def measured(tree: Path, master: str, out: Path) -> tuple[float, float]:
    """``in_process`` in a fresh interpreter, so that each master pays for its own JVM."""
    code = (
        "import sys; from pathlib import Path; from bench.spark import in_process; "
        "print(*in_process(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(tree), master, str(out)], capture_output=True, text=True, check=True
    )
    startup, scan = completed.stdout.split()[-2:]
    return float(startup), float(scan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tree", type=Path, nargs="?")
    parser.add_argument("--make", type=Path, metavar="DIR", help="generate a mixed tree in DIR and scan it")
    parser.add_argument("--files", type=int, default=600)
    parser.add_argument("--filler", type=int, default=2000, help="clean log lines per text file of a made tree")
    args = parser.parse_args()
    if args.make is not None:
        make_tree(args.make, args.files, filler=args.filler)
        tree = args.make
    elif args.tree is not None:
        tree = args.tree
    else:
        parser.error("give TREE or --make DIR")
    files = collect_inputs([str(tree)]).files
    megabytes = sum(item.size for item in files) / 1e6
    print(f"{tree}: {len(files)} files, {megabytes:.1f} MB")
    print(f"{'run':<26} {'wall s':>8} {'MB/s':>7} {'scan s':>8} {'scan MB/s':>10} {'session s':>10}")
    for jobs in (1, 2):
        wall = timed([*DLP, "classify", str(tree), "--format", "jsonl", "--jobs", str(jobs)])
        print(f"{f'dlp classify --jobs {jobs}':<26} {wall:8.2f} {megabytes / wall:7.2f}")
    for cores in (1, 2):
        master = f"local[{cores}]"
        with tempfile.TemporaryDirectory() as scratch:
            wall = timed([*DLP, "scan", str(tree), "--out", f"{scratch}/cli", "--master", master, "--no-progress"])
            startup, scan = measured(tree, master, Path(scratch) / "api")
        row = f"{f'dlp scan {master}':<26} {wall:8.2f} {megabytes / wall:7.2f} {scan:8.2f} {megabytes / scan:10.2f}"
        print(f"{row} {startup:10.2f}")


if __name__ == "__main__":
    main()
