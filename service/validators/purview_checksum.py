"""Purview's checksum validator, as its rule packages define it.

Every character of the value has a weight; the weighted sum modulo ``modulus`` must equal
the check character at ``check_digit`` (counted from 1). The check character is part of
the sum unless its weight is 0. With ``allow_alphabets`` letters count A=10 … Z=35 (our
reading: Purview documents that letters are allowed, not their values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from service.validators.registry import register


class PurviewChecksumParams(Schema):
    weights = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1))
    modulus = fields.Integer(required=True, strict=True, validate=validate.Range(min=2))
    check_digit = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    allow_alphabets = fields.Boolean(load_default=False)


def _value(char: str, letters: bool) -> int | None:
    if char.isascii() and char.isdigit():
        return ord(char) - 48
    if letters and char.isascii() and char.isalpha():
        return ord(char.upper()) - 55
    return None


@register("purview_checksum", params=PurviewChecksumParams)
def check_purview_checksum(value: str, params: Mapping[str, Any]) -> str | None:
    """Purview's weighted checksum: the weighted sum of all characters modulo m is the check character."""
    characters = [char for char in value if char.isalnum()]
    weights: list[int] = params["weights"]
    if len(characters) != len(weights):
        return "the number of weights does not fit the value"
    values = [_value(char, params["allow_alphabets"]) for char in characters]
    if any(v is None for v in values):
        return "contains characters the checksum does not accept"
    numbers = [v for v in values if v is not None]
    position: int = params["check_digit"] - 1
    if position >= len(numbers):
        return "the check position is outside the value"
    total = sum(w * v for w, v in zip(weights, numbers, strict=True))
    return None if total % params["modulus"] == numbers[position] else "check digit does not match"
