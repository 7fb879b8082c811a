"""Bech32 (BIP 173): a human-readable part, the separator 1, data in a 32-letter alphabet and a 6-letter checksum.

age writes its X25519 secret keys this way (``AGE-SECRET-KEY-1…``, upper-case, the
human-readable part ``age-secret-key-``), so a random look-alike fails the checksum.
The checksum is a BCH code over GF(32): the polymod of the expanded human-readable part
and the data must be 1 (bech32m, used by newer formats, would be 0x2bc830a3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields

from service.validators.registry import register

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
BECH32_CONSTANT = 1
CHECKSUM_LENGTH = 6


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(GENERATOR):
            if (top >> bit) & 1:
                checksum ^= generator
    return checksum


def _expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_checksum(hrp: str, data: list[int]) -> list[int]:
    """The six 5-bit checksum values to append to ``data`` (used to build examples and tests)."""
    polymod = _polymod(_expand(hrp) + data + [0] * CHECKSUM_LENGTH) ^ BECH32_CONSTANT
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(CHECKSUM_LENGTH)]


def bech32_problem(value: str, hrp: str | None) -> str | None:
    if value.lower() != value and value.upper() != value:
        return "mixes upper and lower case"
    text = value.lower()
    human, separator, data_part = text.rpartition("1")
    if not separator or not human:
        return "no human-readable part before the separator 1"
    if hrp is not None and human != hrp.lower():
        return f"human-readable part is not {hrp!r}"
    if len(data_part) < CHECKSUM_LENGTH or any(c not in CHARSET for c in data_part):
        return "data is not in the bech32 alphabet"
    data = [CHARSET.index(c) for c in data_part]
    return None if _polymod(_expand(human) + data) == BECH32_CONSTANT else "bech32 checksum does not match"


class Bech32Params(Schema):
    hrp = fields.String(load_default=None)


@register("bech32", params=Bech32Params)
def check_bech32(value: str, params: Mapping[str, Any]) -> str | None:
    """A bech32 string (BIP 173) whose checksum holds, optionally with a given human-readable part."""
    return bech32_problem(value, params["hrp"])
