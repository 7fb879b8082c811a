"""Undo a body's Content-Encoding (gzip, deflate, br) without letting it grow past a limit.

Each coding is decoded incrementally with an output bound, so a small compressed body
that would expand to gigabytes (a "zip bomb") stops at the limit instead of filling memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli

# Coding names as sent in Content-Encoding, with the legacy aliases HTTP/1.1 allows.
SUPPORTED = frozenset({"gzip", "x-gzip", "deflate", "br"})
_STEP = 64 * 1024


class UndecodableBody(ValueError):
    """The body cannot be decoded within the limits; the message says why (never any content)."""


def _zlib_decode(data: bytes, wbits: int, limit: int) -> bytes:
    """Decode zlib-family ``data`` (concatenated gzip members too), stopping one byte past ``limit``."""
    out = bytearray()
    pending = data
    while pending:
        decoder = zlib.decompressobj(wbits)
        chunk = pending
        while chunk and len(out) <= limit:
            out += decoder.decompress(chunk, limit + 1 - len(out))
            chunk = decoder.unconsumed_tail
        if len(out) > limit:
            raise UndecodableBody(f"the body decodes to more than {limit} bytes")
        if not decoder.eof:
            raise UndecodableBody("the compressed body is truncated")
        pending = decoder.unused_data
        if wbits != 31:
            break  # only gzip allows several members in one stream
    return bytes(out)


def _gzip(data: bytes, limit: int) -> bytes:
    return _zlib_decode(data, 31, limit)


def _deflate(data: bytes, limit: int) -> bytes:
    # HTTP's "deflate" is zlib-wrapped, but some servers send a raw deflate stream.
    try:
        return _zlib_decode(data, 15, limit)
    except zlib.error:
        return _zlib_decode(data, -15, limit)


def _brotli(data: bytes, limit: int) -> bytes:
    decoder = brotli.Decompressor()
    out = bytearray()
    view = memoryview(data)
    position = 0
    while True:
        if decoder.can_accept_more_data():
            if position >= len(view):
                break
            piece = bytes(view[position : position + _STEP])
            position += len(piece)
        else:
            piece = b""
        out += decoder.process(piece, output_buffer_limit=limit + 1 - len(out))
        if len(out) > limit:
            raise UndecodableBody(f"the body decodes to more than {limit} bytes")
        if decoder.is_finished():
            break
    if not decoder.is_finished():
        raise UndecodableBody("the compressed body is truncated")
    return bytes(out)


_DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "br": _brotli,
}


def decode_body(data: bytes, codings: list[str], limit: int) -> bytes:
    """``data`` with ``codings`` (in the order they were applied) undone, at most ``limit`` bytes."""
    for coding in reversed(codings):
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise UndecodableBody(f"unsupported content coding {coding!r}")
        try:
            data = decoder(data, limit)
        except (zlib.error, brotli.error) as error:
            raise UndecodableBody(f"the {coding} body is corrupt") from error
    return data
