"""Tokens that end in the CRC32 of what precedes them, in the writing each vendor chose.

Several vendors append a CRC32 (IEEE, as in zlib) to their tokens so that a scanner can
tell a real token from a random look-alike without asking them:

- Grafana service-account tokens, ``glsa_`` + 32 letters and digits + ``_`` + 8 hex
  digits: the CRC32 of everything before the last underscore, its four bytes written
  least significant first (``hex_le``).
- Atlassian API tokens, ``ATATT3…=`` + 8 upper-case hex digits: the CRC32 of everything up
  to and including the ``=``, most significant byte first (``hex``).
- GitLab's routable tokens, ``glpat-`` + base64url payload + ``.01.`` + the payload's
  length in two base-36 digits + 7 base-36 digits: the CRC32 of everything before those
  seven (``base36``).

Both were established by checking published tokens, not taken from any implementation.
GitHub's and npm's base62 form has its own validator (``github_token_crc32``) because it
covers only the part after the prefix. The parameters below describe any other vendor
of the same family, so a tuned definition needs no code.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.validators.github import base62_encode
from service.validators.registry import register

ENCODINGS = ("hex", "hex_le", "base62", "base36")
BASE36_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
# The number of characters each encoding needs for any 32-bit value.
ENCODING_WIDTHS = {"hex": 8, "hex_le": 8, "base62": 6, "base36": 7}


def base36_encode(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 36)
        digits.append(BASE36_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def encode_crc32(crc: int, encoding: str, width: int) -> str:
    """The checksum as a vendor writes it; hex forms are compared case-insensitively."""
    if encoding == "hex":
        return f"{crc:08x}"
    if encoding == "hex_le":
        return crc.to_bytes(4, "little").hex()
    if encoding == "base36":
        return base36_encode(crc, width)
    return base62_encode(crc, width)


def split_checksum(value: str, length: int, separator: str) -> tuple[str, str] | None:
    """(the data before the separator, the written checksum), or None when the value has no such suffix."""
    if len(value) <= length + len(separator):
        return None
    data, checksum = value[:-length], value[-length:]
    if not data.endswith(separator):
        return None
    return data[: len(data) - len(separator)], checksum


def crc32_suffix_for(data: str, params: Mapping[str, Any]) -> str:
    """The suffix a genuine token with this ``data`` carries (used to build examples and tests)."""
    separator: str = params["separator"]
    covered = data + separator if params["separator_covered"] else data
    return separator + encode_crc32(zlib.crc32(covered.encode("utf-8")), params["encoding"], params["length"])


class Crc32SuffixParams(Schema):
    # How many characters the checksum takes at the end of the value.
    length = fields.Integer(load_default=8, validate=validate.Range(min=6, max=8))
    encoding = fields.String(load_default="hex", validate=validate.OneOf(ENCODINGS))
    # Text written between the data and the checksum (Grafana's "_", Atlassian's "=").
    separator = fields.String(load_default="")
    # Whether the CRC covers the separator too (Atlassian's does, Grafana's does not).
    separator_covered = fields.Boolean(load_default=False)

    @validates_schema
    def length_fits_encoding(self, data: dict[str, Any], **_: Any) -> None:
        width = ENCODING_WIDTHS[data["encoding"]]
        if data["length"] != width:
            raise ValidationError({"length": [f"a CRC32 in {data['encoding']} is {width} characters"]})


@register("crc32_suffix", params=Crc32SuffixParams)
def check_crc32_suffix(value: str, params: Mapping[str, Any]) -> str | None:
    """The value ends in the CRC32 of what precedes it (optionally after a separator), as the vendor writes it."""
    parts = split_checksum(value, params["length"], params["separator"])
    if parts is None:
        return "no checksum suffix after the expected separator"
    data, written = parts
    expected = crc32_suffix_for(data, params)[len(params["separator"]) :]
    if params["encoding"] in {"base62", "base36"}:
        return None if written == expected else "CRC32 checksum does not match"
    return None if written.lower() == expected else "CRC32 checksum does not match"
