"""Structure checks for tokens whose parts are encoded data: base64 bodies and JSON Web Tokens."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from service.validators.registry import register


def _b64decode(text: str, urlsafe: bool) -> bytes:
    cleaned = "".join(text.split())
    padded = cleaned + "=" * (-len(cleaned) % 4)
    if urlsafe:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


class Base64Params(Schema):
    min_bytes = fields.Integer(load_default=16, validate=validate.Range(min=1))
    urlsafe = fields.Boolean(load_default=False)


@register("base64_decodes", params=Base64Params)
def check_base64(value: str, params: Mapping[str, Any]) -> str | None:
    """The value (white space ignored) is valid base64 of at least ``min_bytes`` bytes."""
    try:
        data = _b64decode(value, params["urlsafe"])
    except (binascii.Error, ValueError):
        return "not valid base64"
    if len(data) < params["min_bytes"]:
        return f"decodes to fewer than {params['min_bytes']} bytes"
    return None


class JwtParams(Schema):
    # When given, the payload's issuer (iss) must contain one of these (e.g. sts.windows.net).
    issuer_contains = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)


@register("jwt", params=JwtParams)
def check_jwt(value: str, params: Mapping[str, Any]) -> str | None:
    """header.payload.signature, base64url; the header is a JSON object naming its ``alg``, the payload JSON."""
    pieces = value.split(".")
    if len(pieces) != 3 or not all(pieces[:2]):
        return "not three dot-separated parts"
    try:
        header = json.loads(_b64decode(pieces[0], urlsafe=True))
        payload = json.loads(_b64decode(pieces[1], urlsafe=True))
    except (binascii.Error, ValueError):
        return "header or payload is not base64url-encoded JSON"
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return "the header names no algorithm"
    if not isinstance(payload, dict):
        return "the payload is not a JSON object"
    if header["alg"].lower() != "none" and len(pieces[2]) < 16:
        return "the signature is missing or too short"
    wanted = params.get("issuer_contains") or []
    if wanted and not any(part in str(payload.get("iss", "")) for part in wanted):
        return "issued by another issuer"
    return None


@register("basic_auth")
def check_basic_auth(value: str, params: Mapping[str, Any]) -> str | None:
    """HTTP Basic credentials: base64 of printable 'user:password' with both parts present."""
    try:
        decoded = _b64decode(value, urlsafe=False).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return "not base64 of UTF-8 text"
    user, colon, password = decoded.partition(":")
    if not colon or not user or not password:
        return "does not decode to user:password"
    if not decoded.isprintable():
        return "decodes to non-printable characters"
    return None
