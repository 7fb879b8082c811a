"""A weighted-sum check character, general enough for most national identifier formats.

Parameters:

- ``weights`` (required): multipliers for the payload characters (every character but
  the check character), aligned from the left (``weights_from: left``) or the right.
  ``repeat_weights: true`` cycles them over a longer payload (EAN/UPC's 1,3,1,3…).
- ``modulus`` (required, ≥ 2).
- ``mode``:
  ``remainder`` — check value = weighted sum mod modulus (e.g. ISBN-10 with weights 1..9
  read as ``sum(i * d_i) mod 11``);
  ``complement`` — check value = (modulus − sum mod modulus) mod modulus (EAN, many ids);
  ``zero_sum`` — the weights cover every character including the check character and
  the weighted sum must be 0 mod modulus (the Dutch BSN's 9…2, −1);
  ``number_mod`` — the payload read as one integer, mod modulus (the Spanish DNI letter).
- ``check_alphabet``: the check value v is written as ``check_alphabet[v]`` (e.g.
  ``0123456789X`` for ISBN-10, ``TRWAGMYFPDXBNJZSQVHLCKE`` for the DNI). Without it the
  check character must be the single digit v; v ≥ 10 then means the number is invalid.
- ``check_position`` (default −1): where the check character sits in the cleaned value.
- ``char_values``: ``digits`` (payload must be digits) or ``alnum36`` (A=10 … Z=35).
- ``ignore`` (default " -./"): characters removed before checking.
- ``length``: the exact cleaned length, when the format has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.validators.registry import register

MODES = ("remainder", "complement", "zero_sum", "number_mod")


class WeightedParams(Schema):
    weights = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1))
    modulus = fields.Integer(required=True, strict=True, validate=validate.Range(min=2))
    mode = fields.String(load_default="remainder", validate=validate.OneOf(MODES))
    check_alphabet = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2))
    check_position = fields.Integer(load_default=-1, strict=True)
    char_values = fields.String(load_default="digits", validate=validate.OneOf(("digits", "alnum36")))
    ignore = fields.String(load_default=" -./")
    repeat_weights = fields.Boolean(load_default=False)
    weights_from = fields.String(load_default="left", validate=validate.OneOf(("left", "right")))
    length = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=2))

    @validates_schema
    def alphabet_covers_the_modulus(self, data: dict[str, Any], **_: Any) -> None:
        alphabet = data.get("check_alphabet")
        modulus = data.get("modulus")
        if alphabet is not None and modulus is not None and data.get("mode") != "zero_sum" and len(alphabet) < modulus:
            raise ValidationError(f"needs at least {modulus} characters, one per check value", "check_alphabet")


def _char_value(char: str, scheme: str) -> int | None:
    if char.isascii() and char.isdigit():
        return ord(char) - 48
    if scheme == "alnum36" and char.isascii() and char.isalpha():
        return ord(char.upper()) - 55
    return None


def _weights_for(count: int, params: Mapping[str, Any]) -> list[int] | None:
    weights: list[int] = list(params["weights"])
    if params["repeat_weights"]:
        weights = [weights[i % len(weights)] for i in range(count)]
        if params["weights_from"] == "right":
            weights.reverse()
        return weights
    if len(weights) != count:
        return None
    return weights


@register("weighted_checksum", params=WeightedParams)
def check_weighted(value: str, params: Mapping[str, Any]) -> str | None:
    """A check character computed from a weighted sum of the other characters."""
    cleaned = "".join(char for char in value if char not in params["ignore"])
    if params["length"] is not None and len(cleaned) != params["length"]:
        return f"length is not {params['length']}"
    if len(cleaned) < 2:
        return "too short for a check character"
    mode: str = params["mode"]
    modulus: int = params["modulus"]
    alphabet: str | None = params["check_alphabet"]
    if mode == "zero_sum":
        values = [_char_value(char, params["char_values"]) for char in cleaned]
        weights = _weights_for(len(cleaned), params)
        if weights is None:
            return "the number of weights does not fit the value"
        if any(v is None for v in values):
            return "contains characters the checksum does not accept"
        total = sum(w * v for w, v in zip(weights, values, strict=True) if v is not None)
        return None if total % modulus == 0 else "weighted sum check fails"
    position = (
        params["check_position"] % len(cleaned) if -len(cleaned) <= params["check_position"] < len(cleaned) else None
    )
    if position is None:
        return "the check position is outside the value"
    check_char = cleaned[position]
    payload = cleaned[:position] + cleaned[position + 1 :]
    payload_values = [_char_value(char, params["char_values"]) for char in payload]
    if any(v is None for v in payload_values):
        return "contains characters the checksum does not accept"
    numbers = [v for v in payload_values if v is not None]
    if mode == "number_mod":
        if not payload.isdigit():
            return "the number part is not all digits"
        expected = int(payload) % modulus
    else:
        weights = _weights_for(len(numbers), params)
        if weights is None:
            return "the number of weights does not fit the value"
        remainder = sum(w * v for w, v in zip(weights, numbers, strict=True)) % modulus
        expected = remainder if mode == "remainder" else (modulus - remainder) % modulus
    if alphabet is not None:
        return None if check_char.upper() == alphabet[expected].upper() else "check character does not match"
    if expected >= 10:
        return "no valid check digit exists for this number"
    return None if check_char == str(expected) else "check digit does not match"
