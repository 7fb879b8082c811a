"""Eight digits that read as a calendar date, YYYYMMDD: snapshots, releases, version stamps.

Build ids and release names (``20240318``, ``1.2+20220630-1``) are written this way
everywhere, and one in eleven of them passes a modulus-11 check character by chance. A
number of that shape says "date" first; only wording next to it makes it an identifier.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from service.validators.registry import register

COMPACT_DATE_LENGTH = 8


def compact_date(text: str, min_year: int = 1900, max_year: int = 2099) -> datetime.date | None:
    """The date that eight bare digits spell as YYYYMMDD within the years given, or None."""
    if len(text) != COMPACT_DATE_LENGTH or not text.isascii() or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not min_year <= year <= max_year:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


class CompactDateParams(Schema):
    min_year = fields.Integer(load_default=1900, validate=validate.Range(min=1, max=9999))
    max_year = fields.Integer(load_default=2099, validate=validate.Range(min=1, max=9999))


@register("not_compact_date", params=CompactDateParams)
def check_not_compact_date(value: str, params: Mapping[str, Any]) -> str | None:
    """The value is not eight bare digits that spell a date, YYYYMMDD (1900-2099 by default)."""
    if compact_date(value, params["min_year"], params["max_year"]) is not None:
        return "eight digits that read as a date (YYYYMMDD)"
    return None
