"""A finding as the command line reports it: where it is (line and column as well as offsets), what it
is, its masked value and its fingerprint; and the inline ``dlp:allow`` comments that silence one.

Offsets from the engine are code points into a part's text; lines and columns are computed here,
1-based, columns counted in code points, so that every output format names the same place.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass
from typing import Any

ALLOW_MARKER = "dlp:allow"
# What may close a comment after the allowed SIT names: ``*/``, ``-->``, ``%>``, ``#}``, ``}}``.
_COMMENT_CLOSER = re.compile(r"\s*(\*/|-->|%>|#\}|\}\}|\*\))\s*$")
_ALLOW = re.compile(re.escape(ALLOW_MARKER) + r"\b(?P<rest>[^\r\n]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class LineIndex:
    """Line and column of code-point offsets in one text, by bisection over the line starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def position(self, offset: int) -> Position:
        line = bisect_right(self.starts, offset)
        return Position(line, offset - self.starts[line - 1] + 1)

    def end_position(self, end: int, start: int) -> Position:
        """Where a span ends, as its last character's line and the column just after it (SARIF's
        ``endColumn`` is exclusive); an empty span ends where it starts."""
        if end <= start:
            return self.position(start)
        last = self.position(end - 1)
        return Position(last.line, last.column + 1)

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[start:end]


@dataclass(frozen=True)
class Finding:
    """One match of one SIT in one file (or one commit's version of a file)."""

    path: str
    part: str
    sit_id: str
    sit_name: str
    confidence: int
    pattern: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    value: str  # masked unless the run reveals values
    fingerprint: str
    evidence: tuple[str, ...] = ()
    snippet: str | None = None  # the masked contextual summary, when the output format needs one
    commit: str | None = None
    date: str | None = None  # the commit's author date (ISO 8601)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = list(self.evidence)
        return {key: value for key, value in data.items() if value is not None}

    @property
    def where(self) -> str:
        """``path:line:col`` as editors and terminals link it; a part inside a container is named in full."""
        return f"{self.part}:{self.line}:{self.column}"


def allowed_sits(line: str) -> frozenset[str] | None:
    """What a ``dlp:allow`` comment on ``line`` allows: None when there is none, an empty set for
    every SIT, otherwise the SIT names or ids it names (case-folded), separated by commas."""
    found = _ALLOW.search(line)
    if found is None:
        return None
    rest = _COMMENT_CLOSER.sub("", found.group("rest")).strip().strip(":").strip()
    if not rest:
        return frozenset()
    return frozenset(name.strip().casefold() for name in rest.split(",") if name.strip())


def is_allowed(lines: list[str], sit_id: str, sit_name: str) -> bool:
    """True when one of the lines a match spans carries an allow comment for its SIT."""
    for line in lines:
        allowed = allowed_sits(line)
        if allowed is not None and (not allowed or sit_id.casefold() in allowed or sit_name.casefold() in allowed):
            return True
    return False
