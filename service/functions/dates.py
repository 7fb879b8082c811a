"""Date detectors: any calendar date (e.g. a date of birth) and a card expiry date.

Both accept only dates that exist on the calendar, so '31/02/1990' or '13/25' are not
evidence. Day-first and month-first numeric forms are both accepted because documents
from many countries are scanned; a form valid either way counts once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

import regex
from marshmallow import Schema, fields, validate

from service.functions.registry import register

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "januar", "janvier", "enero"),
            ("february", "feb", "februar", "février", "fevrier", "febrero"),
            ("march", "mar", "märz", "maerz", "mars", "marzo"),
            ("april", "apr", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("june", "jun", "juni", "juin", "junio"),
            ("july", "jul", "juli", "juillet", "julio"),
            ("august", "aug", "août", "aout", "agosto"),
            ("september", "sep", "sept", "septembre", "septiembre"),
            ("october", "oct", "oktober", "octobre", "octubre"),
            ("november", "nov", "novembre", "noviembre"),
            ("december", "dec", "dezember", "décembre", "decembre", "diciembre"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))

# Numeric dates: the separator must be the same on both sides (back-reference), which
# keeps version strings like '1.2-3' and ranges out.
_NUMERIC_DATE = regex.compile(
    r"(?<![\d/.\-])(?:"
    r"(?P<y1>\d{4})(?P<s1>[-/.])(?P<m1>\d{1,2})(?P=s1)(?P<d1>\d{1,2})"
    r"|(?P<a2>\d{1,2})(?P<s2>[-/.])(?P<b2>\d{1,2})(?P=s2)(?P<y2>\d{4})"
    r")(?![\d/\-]|\.\d)"
)
_NAMED_DATE = regex.compile(
    rf"(?<!\w)(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?P<m1>{_MONTH_NAMES})\.?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH_NAMES})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}))(?!\w)",
    regex.IGNORECASE,
)
_EXPIRY = regex.compile(r"(?<![\d/.\-])(?P<m>0?[1-9]|1[0-2])\s?[/\-]\s?(?P<y>\d{4}|\d{2})(?![\d/\-]|\.\d)")


class DateParams(Schema):
    min_year = fields.Integer(load_default=1900, validate=validate.Range(min=1, max=9999))
    max_year = fields.Integer(load_default=2100, validate=validate.Range(min=1, max=9999))


def _real_date(year: int, month: int, day: int, params: Mapping[str, Any]) -> bool:
    if not params["min_year"] <= year <= params["max_year"]:
        return False
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


@register("date", params=DateParams)
def find_dates(text: str, params: Mapping[str, Any]) -> Iterator[tuple[int, int]]:
    """Calendar dates in numeric (ISO, day-first, month-first) and written-month forms."""
    for match in _NUMERIC_DATE.finditer(text):
        if match["y1"]:
            valid = _real_date(int(match["y1"]), int(match["m1"]), int(match["d1"]), params)
        else:
            first, second, year = int(match["a2"]), int(match["b2"]), int(match["y2"])
            valid = _real_date(year, second, first, params) or _real_date(year, first, second, params)
        if valid:
            yield match.span()
    for match in _NAMED_DATE.finditer(text):
        day, month_name, year = (
            (match["d1"], match["m1"], match["y1"])
            if match["y1"]
            else (
                match["d2"],
                match["m2"],
                match["y2"],
            )
        )
        if _real_date(int(year), MONTHS[month_name.casefold()], int(day), params):
            yield match.span()


@register("expiration_date")
def find_expiration_dates(text: str, params: Mapping[str, Any]) -> Iterator[tuple[int, int]]:
    """Card expiry dates: MM/YY, MM/YYYY, MM-YY (month 01-12; four-digit years 2000-2099)."""
    for match in _EXPIRY.finditer(text):
        year = match["y"]
        if len(year) == 4 and not year.startswith("20"):
            continue
        yield match.span()
