"""A value that is a real calendar date in one of the given formats."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from service.validators.registry import register

DEFAULT_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m/%y",
    "%m/%Y",
    "%m-%y",
    "%d %B %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%b %d, %Y",
)


def parse_date(text: str, formats: Iterable[str] = DEFAULT_FORMATS) -> datetime.date | None:
    """The first reading of ``text`` as a date in ``formats`` (English month names), or None."""
    cleaned = " ".join(text.split())
    for pattern in formats:
        try:
            return datetime.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


class DateParams(Schema):
    formats = fields.List(fields.String(validate=validate.Length(min=2)), load_default=lambda: list(DEFAULT_FORMATS))
    min_year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=9999))
    max_year = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=9999))


@register("date", params=DateParams)
def check_date(value: str, params: Mapping[str, Any]) -> str | None:
    """The value is a date that exists (no 31 February), optionally within a range of years."""
    parsed = parse_date(value, params["formats"])
    if parsed is None:
        return "not a calendar date in the accepted formats"
    if params["min_year"] is not None and parsed.year < params["min_year"]:
        return "year is before the accepted range"
    if params["max_year"] is not None and parsed.year > params["max_year"]:
        return "year is after the accepted range"
    return None
