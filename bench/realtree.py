"""Scan a real tree nobody here wrote and count what each SIT reports.

    python -m bench.realtree TREE [TREE...] [--min-confidence N] [--samples FILE] [--jobs N]
    python -m bench.realtree TREE --peers [--jobs N] [--repeat K] [--tool NAME] [--cores 1,2]

Prints, per SIT, the findings (matches) and distinct values at each SIT's recommended
confidence (or ``--min-confidence``), the files they are in, and the totals: files, bytes,
errors, MB/s. With ``--samples FILE`` it also writes every finding *revealed*, with its
line, to FILE (JSON lines), for a person to judge; keep that file outside the repository,
it holds whatever the tree holds. Compressed files (man pages' ``.gz``) are unpacked as the
service would.

With ``--peers`` it instead runs the real command (``dlp classify``, on one core and on
``--jobs``) and every installed peer scanner (Kingfisher, gitleaks, detect-secrets,
CredSweeper) on the same files of TREE, one after the other, and prints one table: seconds,
files/s, MB/s, CPU ÷ wall, peak memory of each tool's processes and its findings, then ours ÷
each peer (see ``bench.peers``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import peers
from bench.realtree_cli import compare

# Files larger than this are skipped (and counted): a real share has a few, and one
# multi-hundred-megabyte log would measure the stream reader, not the SITs.
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass
class Tally:
    files: int = 0
    bytes: int = 0
    errors: int = 0
    skipped: int = 0
    findings: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files_with: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def walk(trees: Sequence[str], excluded: Sequence[str] = ()) -> Iterator[Path]:
    for tree in trees:
        root = Path(tree)
        if root.is_file():
            yield root
            continue
        for directory, subdirectories, names in os.walk(root):
            subdirectories[:] = sorted(d for d in subdirectories if d not in excluded)
            for name in sorted(names):
                path = Path(directory) / name
                if path.is_file() and not path.is_symlink():
                    yield path


_worker: dict[str, Any] = {}


def _init(min_confidence: int | None) -> None:
    from service.definitions import load_builtin_definitions
    from service.engine import compile_scanner

    _worker["scanner"] = compile_scanner(load_builtin_definitions())
    _worker["min_confidence"] = min_confidence


def _scan(path_text: str) -> dict[str, Any]:
    from service.classify import Document, UnreadableDocument, classify
    from service.engine.scanner import ClassifyOptions

    path = Path(path_text)
    try:
        content = path.read_bytes()
    except OSError:
        return {"path": path_text, "bytes": 0, "error": True, "findings": []}
    options = ClassifyOptions(min_confidence=_worker["min_confidence"], time_limit=30)
    try:
        classification = classify(_worker["scanner"], [Document(content, name=path.name)], options)
    except UnreadableDocument:
        return {"path": path_text, "bytes": len(content), "error": True, "findings": []}
    report = classification.report
    texts = {part.name: part.text for part in classification.parts}
    findings = []
    for result in report.results:
        for match in result.matches:
            text = texts[match.part]
            line_start = text.rfind("\n", 0, match.start) + 1
            line_end = text.find("\n", match.end)
            line = text[line_start : line_end if line_end != -1 else len(text)]
            findings.append(
                {
                    "sit": result.sit_name,
                    "confidence": match.confidence,
                    "pattern": match.pattern,
                    "value": match.value,
                    "normalized": match.normalized,
                    "line_number": text.count("\n", 0, match.start) + 1,
                    "line": line[:300],
                }
            )
    return {"path": path_text, "bytes": len(content), "error": not report.complete, "findings": findings}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realtree", description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--min-confidence", type=int, default=None)
    parser.add_argument("--samples", type=Path, help="write every finding, revealed, to this JSON-lines file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--exclude",
        action="append",
        default=["__pycache__", ".git", "site-packages"],
        metavar="DIRNAME",
        help="directory names not to descend into (repeatable; __pycache__, .git and site-packages always)",
    )
    parser.add_argument("--peers", action="store_true", help="time dlp classify against the other scanners instead")
    parser.add_argument("--repeat", type=int, default=1, help="with --peers: runs of each, the fastest kept")
    parser.add_argument(
        "--tool", action="append", default=[], choices=[tool.name for tool in peers.PEERS], help="with --peers: only it"
    )
    parser.add_argument("--cores", help="with --peers: core counts to run each tool with (default: 1 and --jobs)")
    args = parser.parse_args(argv)
    if args.peers:
        if len(args.trees) != 1:
            parser.error("--peers compares the tools on one tree")
        cores = [int(count) for count in args.cores.split(",")] if args.cores else None
        # The same folders left out as below, as gitignore patterns: any folder of that name.
        excludes = [f"{name}/" for name in args.exclude]
        for line in compare(Path(args.trees[0]), excludes, args.jobs, args.repeat, args.tool, cores):
            print(line, flush=True)
        return 0
    tally = Tally()
    paths = []
    for path in walk(args.trees, args.exclude):
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            tally.skipped += 1
            continue
        paths.append(str(path))
    samples = args.samples.open("w", encoding="utf-8") if args.samples else None
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs, initializer=_init, initargs=(args.min_confidence,)) as pool:
        for outcome in pool.map(_scan, paths, chunksize=16):
            tally.files += 1
            tally.bytes += outcome["bytes"]
            tally.errors += int(outcome["error"])
            for finding in outcome["findings"]:
                sit = finding["sit"]
                tally.findings[sit] += 1
                tally.values[sit].add(finding["normalized"])
                tally.files_with[sit].add(outcome["path"])
                if samples is not None:
                    samples.write(json.dumps({"path": outcome["path"], **finding}, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - started
    if samples is not None:
        samples.close()
    print(f"{'SIT':<60} {'findings':>9} {'unique':>7} {'files':>6}")
    for sit in sorted(tally.findings, key=lambda s: -tally.findings[s]):
        print(f"{sit:<60} {tally.findings[sit]:>9} {len(tally.values[sit]):>7} {len(tally.files_with[sit]):>6}")
    megabytes = tally.bytes / 1e6
    print(
        f"\n{tally.files} files, {megabytes:.1f} MB, {tally.errors} incomplete, {tally.skipped} skipped (> "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MiB); {sum(tally.findings.values())} findings; "
        f"{elapsed:.1f} s, {megabytes / elapsed if elapsed else 0:.2f} MB/s on {args.jobs} processes",
        file=sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
