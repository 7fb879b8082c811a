"""PyPI API tokens: ``pypi-`` followed by a base64url-encoded version-2 macaroon.

Source: PyPI's token documentation and the libmacaroons v2 binary format. A v2
macaroon is the byte 0x02, then fields — a type varint, then (for every type but 0) a
length varint and that many bytes. Type 0 ends a section; 1 is a location, 2 an
identifier, 4 a verification id, 6 the signature. Layout: the header section
[location] identifier EOS; then caveat sections [location] identifier [vid] EOS; an
EOS that ends the caveats; then the 32-byte signature, and nothing after it.

A token that decodes to this shape, for PyPI's location, is a real token's structure;
a look-alike with a spliced or truncated body is not.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate

from service.validators.registry import register

VERSION_2 = 2
EOS, LOCATION, IDENTIFIER, VERIFICATION_ID, SIGNATURE = 0, 1, 2, 4, 6
SIGNATURE_LENGTH = 32
MAX_TOKEN_LENGTH = 8192  # far above real tokens; bounds the work a hostile value can cause


@dataclass(frozen=True)
class Caveat:
    identifier: bytes
    location: bytes | None = None
    verification_id: bytes | None = None


@dataclass(frozen=True)
class Macaroon:
    location: bytes | None
    identifier: bytes
    caveats: tuple[Caveat, ...]
    signature: bytes


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def varint(self) -> int:
        result = shift = 0
        while True:
            if self.offset >= len(self.data):
                raise ValueError("truncated varint")
            byte = self.data[self.offset]
            self.offset += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 28:
                raise ValueError("varint too long")

    def field(self) -> tuple[int, bytes]:
        kind = self.varint()
        if kind == EOS:
            return EOS, b""
        length = self.varint()
        end = self.offset + length
        if end > len(self.data):
            raise ValueError("field runs past the end of the data")
        value = self.data[self.offset : end]
        self.offset = end
        return kind, value

    def section(self, allowed: Sequence[int]) -> dict[int, bytes]:
        """Fields up to the next end-of-section, in increasing type order, each at most once."""
        found: dict[int, bytes] = {}
        last = 0
        while True:
            kind, value = self.field()
            if kind == EOS:
                return found
            if kind not in allowed or kind <= last:
                raise ValueError(f"unexpected field type {kind}")
            found[kind] = value
            last = kind


def parse_macaroon_v2(data: bytes) -> Macaroon:
    if not data or data[0] != VERSION_2:
        raise ValueError("not a version-2 macaroon")
    reader = _Reader(data)
    reader.offset = 1
    header = reader.section((LOCATION, IDENTIFIER))
    if IDENTIFIER not in header:
        raise ValueError("the macaroon has no identifier")
    caveats: list[Caveat] = []
    while True:
        if reader.offset >= len(reader.data):
            raise ValueError("truncated before the signature")
        if reader.data[reader.offset] == EOS:
            reader.offset += 1
            break
        fields_ = reader.section((LOCATION, IDENTIFIER, VERIFICATION_ID))
        if IDENTIFIER not in fields_:
            raise ValueError("a caveat has no identifier")
        caveats.append(Caveat(fields_[IDENTIFIER], fields_.get(LOCATION), fields_.get(VERIFICATION_ID)))
    kind, signature = reader.field()
    if kind != SIGNATURE or len(signature) != SIGNATURE_LENGTH:
        raise ValueError("no 32-byte signature")
    if reader.offset != len(reader.data):
        raise ValueError("data after the signature")
    return Macaroon(header.get(LOCATION), header[IDENTIFIER], tuple(caveats), signature)


def _encode_varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode_field(kind: int, value: bytes) -> bytes:
    return _encode_varint(kind) + _encode_varint(len(value)) + value


def serialize_macaroon_v2(macaroon: Macaroon) -> bytes:
    """The binary form of ``macaroon`` (used to build test tokens; PyPI does the real minting)."""
    out = bytearray([VERSION_2])
    if macaroon.location is not None:
        out += _encode_field(LOCATION, macaroon.location)
    out += _encode_field(IDENTIFIER, macaroon.identifier) + bytes([EOS])
    for caveat in macaroon.caveats:
        if caveat.location is not None:
            out += _encode_field(LOCATION, caveat.location)
        out += _encode_field(IDENTIFIER, caveat.identifier)
        if caveat.verification_id is not None:
            out += _encode_field(VERIFICATION_ID, caveat.verification_id)
        out += bytes([EOS])
    out += bytes([EOS]) + _encode_field(SIGNATURE, macaroon.signature)
    return bytes(out)


def encode_token(macaroon: Macaroon, prefix: str = "pypi-") -> str:
    return prefix + base64.urlsafe_b64encode(serialize_macaroon_v2(macaroon)).decode("ascii").rstrip("=")


class PypiParams(Schema):
    locations = fields.List(
        fields.String(validate=validate.Length(min=1)), load_default=lambda: ["pypi.org", "test.pypi.org"]
    )
    prefix = fields.String(load_default="pypi-", validate=validate.Length(min=1))


@register("pypi_macaroon", params=PypiParams)
def check_pypi_token(value: str, params: Mapping[str, Any]) -> str | None:
    """``pypi-`` + base64url of a well-formed v2 macaroon whose location is PyPI's."""
    prefix: str = params["prefix"]
    if not value.startswith(prefix):
        return "missing the token prefix"
    if len(value) > MAX_TOKEN_LENGTH:
        return "longer than any real token"
    body = value[len(prefix) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return "not base64url"
    try:
        macaroon = parse_macaroon_v2(data)
    except ValueError as error:
        return f"not a well-formed macaroon: {error}"
    if macaroon.location is None or macaroon.location.decode("utf-8", "replace") not in params["locations"]:
        return "the macaroon is not for an allowed location"
    if not macaroon.identifier:
        return "the macaroon identifier is empty"
    return None
