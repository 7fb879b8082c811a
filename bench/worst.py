"""The worst inputs we know for the built-in set: how fast, how complete, how large an answer.

Each input repeats one shape an attacker (or an unlucky log) can produce cheaply: card-like
digit groups, keywords with nothing after them, SSN lines, long base64 and hex runs, one
character repeated, keywords interleaved with numbers, GitHub-looking tokens whose
checksum is wrong. Each is classified at 1 MB and 5 MB with every built-in SIT, default
options and a 10 s time limit, next to the normal mixed corpus (``tests.fixtures.corpus``) in the
same process, so the ratio to it is what compares across machines.

Run ``python -m bench.worst`` (``--sizes 1,5``, ``--time-limit 10``, ``--only name,...``).
Results are printed and written to ``bench/results/worst.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.definitions import load_builtin_definitions
from service.engine import ClassifyOptions, Part, Report, compile_scanner
from service.validators.github import BASE62_ALPHABET, github_checksum
from tests.fixtures.corpus import make_corpus
from tests.fixtures.generate_token_examples import github_token

RESULTS = Path(__file__).parent / "results"
SEED = 1201
BASE64 = string.ascii_letters + string.digits + "+/"


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _drawn(size: int, draw: Callable[[random.Random], str]) -> str:
    """Pieces drawn from a seeded generator until ``size`` characters."""
    rng = random.Random(SEED)
    pieces: list[str] = []
    total = 0
    while total < size:
        piece = draw(rng)
        pieces.append(piece)
        total += len(piece)
    return "".join(pieces)[:size]


def _digit_groups(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(string.digits) for _ in range(4)) for _ in range(4)) + " "


def _keyword_digits(rng: random.Random) -> str:
    keyword = rng.choice(["ssn", "card", "iban", "passport", "account", "tax id", "dob", "visa", "routing"])
    digits = "".join(rng.choice(string.digits) for _ in range(rng.choice([9, 10, 12, 16])))
    return f"{keyword} {digits} "


def _near_miss_token(rng: random.Random) -> str:
    entropy = "".join(rng.choice(BASE62_ALPHABET) for _ in range(30))
    checksum = github_checksum(entropy)
    wrong = checksum[:-1] + ("A" if checksum[-1] != "A" else "B")  # one character off: the CRC fails
    return f"ghp_{entropy}{wrong}\n"


INPUTS: dict[str, Callable[[int], str]] = {
    "digit groups (1234 5678 …)": lambda size: _drawn(size, _digit_groups),
    "password= lines": lambda size: _repeat("password=\n", size),
    "password= repeated on one line": lambda size: _repeat("password= ", size),
    "SSN: 536-22-8726 lines": lambda size: _repeat("SSN: 536-22-8726\n", size),
    "base64 run": lambda size: _drawn(size, lambda rng: "".join(rng.choice(BASE64) for _ in range(1000))),
    "hex run": lambda size: _drawn(size, lambda rng: f"{rng.getrandbits(4000):01000x}"),
    "one character (a…)": lambda size: "a" * size,
    "keywords and digits interleaved": lambda size: _drawn(size, _keyword_digits),
    "near-miss GitHub tokens (bad CRC)": lambda size: _drawn(size, _near_miss_token),
    # What an attacker wants: the padding hides a real token and an SSN in the middle.
    "password= lines around a token and an SSN": lambda size: _padded_secret(size),
}


def _padded_secret(size: int) -> str:
    half = _repeat("password=\n", size // 2)
    token = github_token(random.Random(SEED), "ghp_")
    return f"{half}export GITHUB_TOKEN={token}\nEmployee SSN: 412-61-3309\n{half}"


BASELINE = "mixed corpus (tests.fixtures.corpus)"


def measure(scanner: Any, text: str, time_limit: float) -> dict[str, Any]:
    options = ClassifyOptions(time_limit=time_limit)
    started = time.perf_counter()
    report: Report = scanner.classify([Part("input", text)], options)
    seconds = time.perf_counter() - started
    megabytes = len(text.encode("utf-8")) / 1e6
    data = report.to_dict()
    # Older reports had no per-SIT degradation or caps: read what is there.
    incomplete = sorted({entry["sit"]["name"] for entry in data.get("incomplete", [])})
    returned = sum(len(result["matches"]) for result in data["results"])
    found = sum(result["count"] for result in data["results"])
    return {
        "mb": round(megabytes, 2),
        "seconds": round(seconds, 3),
        "mb_per_s": round(megabytes / seconds, 3),
        "complete": report.complete,
        "part_errors": [part["error"]["code"] for part in data["parts"] if "error" in part],
        "incomplete_sits": incomplete,
        "matches_found": found,
        "matches_returned": returned,
        "answer_mb": round(len(json.dumps(data)) / 1e6, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="pathological inputs for the built-in SITs")
    parser.add_argument("--sizes", default="1,5", help="megabytes per input, e.g. 1,5")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--only", default="", help="comma-separated substrings of input names")
    parser.add_argument("--out", type=Path, default=RESULTS / "worst.json")
    args = parser.parse_args()
    scanner = compile_scanner(load_builtin_definitions())
    sizes = [float(size) for size in args.sizes.split(",")]
    wanted = [word.strip() for word in args.only.split(",") if word.strip()]
    inputs = {name: make for name, make in INPUTS.items() if not wanted or any(w in name for w in wanted)}
    rows: list[dict[str, Any]] = []
    print(f"{len(scanner.sits)} SITs, engine {scanner.engine}, time limit {args.time_limit:g} s")
    header = f"{'input':<36} {'MB':>4} {'MB/s':>7} {'s':>7} {'× base':>7} {'done':>5} {'found':>8} {'kept':>6}"
    print(f"{header}  incomplete")
    for size in sizes:
        characters = int(size * 1_000_000)
        base = measure(scanner, make_corpus(characters), args.time_limit)
        for name, make in [(BASELINE, None), *inputs.items()]:
            row = base if make is None else measure(scanner, make(characters), args.time_limit)
            row = {"input": name, **row, "vs_baseline": round(row["mb_per_s"] / base["mb_per_s"], 3)}
            rows.append(row)
            status = "yes" if row["complete"] else "no"
            print(
                f"{name:<36} {row['mb']:>4g} {row['mb_per_s']:>7.2f} {row['seconds']:>7.2f} {row['vs_baseline']:>7.2f} "
                f"{status:>5} {row['matches_found']:>8} {row['matches_returned']:>6}  "
                + ", ".join(row["part_errors"] + row["incomplete_sits"])
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figures = {"sits": len(scanner.sits), "engine": scanner.engine, "time_limit": args.time_limit, "rows": rows}
    args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
