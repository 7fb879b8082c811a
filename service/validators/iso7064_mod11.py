"""ISO 7064 MOD 11-2 and MOD 11-10 check characters (China's resident ID, Croatia's OIB, …)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from service.validators.registry import register


def mod11_2_check(payload: str) -> str:
    """The MOD 11-2 check character of a digit string: '0'-'9' or 'X' (for 10)."""
    total = 0
    for char in payload:
        total = (total + ord(char) - 48) * 2
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def mod11_10_check(payload: str) -> str:
    """The MOD 11-10 (hybrid) check digit of a digit string."""
    product = 10
    for char in payload:
        total = (ord(char) - 48 + product) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


class Mod11Params(Schema):
    variant = fields.String(load_default="11-2", validate=validate.OneOf(("11-2", "11-10")))


@register("iso7064_mod11", params=Mod11Params)
def check_iso7064_mod11(value: str, params: Mapping[str, Any]) -> str | None:
    """The last character is the ISO 7064 check character (MOD 11-2 or MOD 11-10) of the digits before it."""
    cleaned = value.replace(" ", "").replace("-", "").upper()
    if len(cleaned) < 2 or not cleaned[:-1].isascii() or not cleaned[:-1].isdigit():
        return "not a string of digits with a check character"
    expected = mod11_2_check(cleaned[:-1]) if params["variant"] == "11-2" else mod11_10_check(cleaned[:-1])
    return None if cleaned[-1] == expected else "ISO 7064 check character does not match"
