"""Tokens that carry readable data in base64: the structure proves the token, random text fails it.

Many vendors put a small record inside their tokens, so the record's shape is a check a
look-alike cannot pass by chance:

- Sentry organization tokens, ``sntrys_`` + base64 of ``{"iat": …, "url": …, "org": …}``
  + ``_`` + the secret;
- Grafana Cloud access-policy tokens, ``glc_`` + base64 of ``{"o": …, "n": …, "k": …}``,
  and Grafana's older API keys, base64 of ``{"k": …, "n": …, "id": …}``;
- Mapbox tokens, ``sk.`` or ``pk.`` + base64url of ``{"u": user, "a": …}`` + ``.`` + signature;
- JFrog reference tokens, base64 of ``reftkn:01:<expiry>:<secret>``;
- Discord bot tokens, base64 of the bot's numeric user id, then ``.`` and two more parts.

The parameters say where the base64 piece is and what it must decode to, so a tuned
definition for another vendor needs no code.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Mapping
from typing import Any

import regex
from marshmallow import Schema, ValidationError, fields, validate, validates

from service.validators.registry import register

# Both base64 alphabets are accepted: vendors differ, and a token is not less real for it.
_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")
# A record inside a token is small; this bounds the work on a hostile candidate.
MAX_ENCODED_CHARACTERS = 4096


def decode_base64_piece(piece: str) -> bytes | None:
    """The bytes of a base64 or base64url piece, padding optional; None when it is not base64."""
    cleaned = piece.rstrip("=").translate(_URLSAFE_TO_STANDARD)
    if not cleaned or len(cleaned) > MAX_ENCODED_CHARACTERS or len(cleaned) % 4 == 1:
        return None
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


class EmbeddedBase64Params(Schema):
    # Text the value starts with, removed before looking for the piece (e.g. "sntrys_").
    strip_prefix = fields.String(load_default="")
    # The value is split on this separator and the piece at ``index`` is decoded.
    separator = fields.String(load_default="")
    index = fields.Integer(load_default=0, validate=validate.Range(min=0, max=16))
    # The decoded piece must be a JSON object holding all of these keys...
    json_keys = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    # ...and/or the decoded text must match this regex entirely.
    decoded_regex = fields.String(load_default=None)

    @validates("decoded_regex")
    def compiles(self, value: str | None, **_: Any) -> None:
        if value is None:
            return
        try:
            _compiled(value)
        except regex.error as error:
            raise ValidationError(f"does not compile: {error}") from None


def _piece(value: str, params: Mapping[str, Any]) -> str | None:
    prefix = params["strip_prefix"]
    if prefix and not value.startswith(prefix):
        return None
    rest = value[len(prefix) :]
    if not params["separator"]:
        return rest
    pieces = rest.split(params["separator"])
    return pieces[params["index"]] if params["index"] < len(pieces) else None


@register("embedded_base64", params=EmbeddedBase64Params)
def check_embedded_base64(value: str, params: Mapping[str, Any]) -> str | None:
    """A piece of the value is base64 of a JSON record with the given keys, or of text of a given shape."""
    piece = _piece(value, params)
    if piece is None:
        return "the value does not have the expected prefix and parts"
    data = decode_base64_piece(piece)
    if data is None:
        return "the embedded part is not base64"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the embedded part does not decode to text"
    wanted_keys = params["json_keys"]
    if wanted_keys:
        try:
            record = json.loads(text)
        except ValueError:
            return "the embedded part is not JSON"
        if not isinstance(record, dict):
            return "the embedded part is not a JSON object"
        missing = [key for key in wanted_keys if key not in record]
        if missing:
            return f"the embedded record lacks {', '.join(missing)}"
    pattern = params["decoded_regex"]
    if pattern is not None and _compiled(pattern).fullmatch(text) is None:
        return "the embedded part does not have the expected shape"
    return None
