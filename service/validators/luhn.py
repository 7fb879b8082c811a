"""Luhn mod-10 check digit (ISO/IEC 7812-1): payment cards, IMEI numbers and others."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.validators.registry import register

# '+' separates the date and serial of a Swedish personnummer for people aged 100 or more.
SEPARATORS = frozenset(" -.+")


def luhn_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is the Luhn check digit of the others."""
    total = 0
    # From the right, every second digit is doubled; a two-digit product counts as the
    # sum of its digits, which for 10..18 is the product minus 9.
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@register("luhn")
def check_luhn(value: str, params: Mapping[str, Any]) -> str | None:
    """The value's digits (spaces, dashes, dots and plus signs ignored) end in a valid Luhn check digit."""
    digits = "".join(char for char in value if char not in SEPARATORS)
    if not digits.isascii() or not digits.isdigit():
        return "contains characters other than digits and separators"
    if len(digits) < 2:
        return "too short for a check digit"
    return None if luhn_valid(digits) else "Luhn check digit does not match"
