"""What Purview calls things, and the report both directions write.

The report is how nothing is lost silently: every element that is translated, renamed or
left out is named there with its path and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NAMESPACE = "http://schemas.microsoft.com/office/2011/mce"
DEFAULT_LANGUAGE = "en-us"
IMPORTED_CATEGORY = "custom"

# Purview's built-in functions that one of ours finds the same things as (or a superset of).
FUNCTIONS_FROM_PURVIEW = {
    "Func_expiration_date": "expiration_date",
    "Func_us_date": "date",
    "Func_eu_date": "date",
}
FUNCTIONS_TO_PURVIEW = {"expiration_date": "Func_expiration_date", "date": "Func_us_date"}

# Purview's DateSimple patterns, and the date layouts ours reads them as (with or without separators).
DATE_PATTERNS = ("DDMMYYYY", "MMDDYYYY", "YYYYDDMM", "YYYYMMDD", "DDMMYY", "MMDDYY", "YYDDMM", "YYMMDD")
_DATE_CODES = {"DD": "%d", "MM": "%m", "YYYY": "%Y", "YY": "%y"}
_SEPARATORS = ("", "/", "-", ".")


def date_formats(pattern: str) -> list[str]:
    """Our ``date`` validator's formats for a DateSimple pattern such as ``DDMMYYYY``."""
    parts: list[str] = []
    rest = pattern
    while rest:
        code = next(code for code in ("YYYY", "DD", "MM", "YY") if rest.startswith(code))
        parts.append(_DATE_CODES[code])
        rest = rest[len(code) :]
    return [separator.join(parts) for separator in _SEPARATORS]


def q(tag: str) -> str:
    """A tag in the rule-package namespace, as ElementTree spells it."""
    return f"{{{NAMESPACE}}}{tag}"


class Action(StrEnum):
    TRANSLATED = "translated"  # kept, written differently with the same meaning (or the nearest one)
    RENAMED = "renamed"  # an id that is not a valid element name here
    DROPPED = "dropped"  # cannot be represented on the other side; left out


@dataclass(frozen=True)
class ReportEntry:
    action: Action
    path: str  # the element path, e.g. Entity[@id='…']/Pattern[2]/Match[@idRef='Keyword_x']
    message: str

    def __str__(self) -> str:
        return f"{self.action}: {self.path}: {self.message}"


class PurviewError(ValueError):
    """The rule package cannot be read at all: bad XML, a DTD or entity, a broken limit."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class Unrepresentable(Exception):
    """Raised while building one part; the caller drops the part and reports the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason
