"""docs/definitions.md documents every linter code with the severity the linter gives it."""

from __future__ import annotations

import re
from pathlib import Path

from service.definitions.lint import SEVERITIES, Code

DOCS = Path(__file__).parents[3] / "docs" / "definitions.md"
ROW = re.compile(
    r"^\| `(?P<code>[a-z-]+)` \| (?P<severity>error|warning|info) \| (?P<meaning>[^|]+)\| (?P<fix>[^|]+)\|$"
)


def documented() -> dict[str, str]:
    rows = [ROW.match(line) for line in DOCS.read_text(encoding="utf-8").splitlines()]
    return {row["code"]: row["severity"] for row in rows if row is not None}


def test_every_code_is_documented_with_its_severity() -> None:
    assert documented() == {str(code): str(SEVERITIES[code]) for code in Code}


def test_codes_are_kebab_case() -> None:
    assert all(re.fullmatch(r"[a-z]+(?:-[a-z0-9]+)*", code) for code in Code)
