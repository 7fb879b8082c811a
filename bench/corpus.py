"""A seeded corpus generator: prose, logs, JSON, code and CSV with sensitive values planted at a known rate.

The same seed gives the same bytes, so runs on different machines compare like with like.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from tests.fixtures.generate_token_examples import card_number, github_token, pypi_token

WORDS = [
    "the",
    "quarterly",
    "report",
    "shows",
    "revenue",
    "growth",
    "across",
    "regions",
    "while",
    "operating",
    "costs",
    "remained",
    "stable",
    "and",
    "the",
    "team",
    "plans",
    "to",
    "expand",
    "hiring",
    "in",
    "engineering",
    "support",
    "and",
    "sales",
    "next",
    "year",
    "pending",
    "board",
    "approval",
    "of",
    "budget",
]


def _prose(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."


def _log(rng: random.Random) -> str:
    return (
        f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z INFO "
        f"request id={rng.getrandbits(64):016x} status={rng.choice([200, 201, 404, 500])} ms={rng.randint(1, 900)}"
    )


def _json(rng: random.Random) -> str:
    return json.dumps({"id": rng.randint(1, 10**6), "name": rng.choice(WORDS), "sha": f"{rng.getrandbits(160):040x}"})


def _code(rng: random.Random) -> str:
    return (
        f"def {rng.choice(WORDS)}_{rng.randint(1, 99)}(x):\n    return x * {rng.randint(2, 9)}  # {rng.choice(WORDS)}"
    )


def _csv(rng: random.Random) -> str:
    return ",".join(str(rng.randint(0, 10**9)) for _ in range(6))


def _planted(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return f"export GITHUB_TOKEN={github_token(rng, 'ghp_')}"
    if kind == 1:
        return f"Visa card number {card_number(rng, '4', 16)} exp 0{rng.randint(1, 9)}/2{rng.randint(6, 9)}"
    if kind == 2:
        return f"password = {pypi_token(rng, 'pypi.org', None)}"
    return f"Employee SSN: {rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


GENERATORS: tuple[Callable[[random.Random], str], ...] = (_prose, _log, _json, _code, _csv)


def make_corpus(size: int, seed: int = 7, plant_every: int = 40) -> str:
    """About ``size`` characters of mixed text with one planted value every ``plant_every`` lines."""
    rng = random.Random(seed)
    lines: list[str] = []
    total = 0
    while total < size:
        line = _planted(rng) if len(lines) % plant_every == plant_every - 1 else rng.choice(GENERATORS)(rng)
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)[:size]
