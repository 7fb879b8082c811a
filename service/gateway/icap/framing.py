"""Reading ICAP's framing off a stream: header sections and chunked bodies, within limits.

Every read is bounded in size here and in time by the caller: a header section longer
than the limit, a chunk size that is not hexadecimal or would pass the body limit, a
chunk not followed by CRLF, all end as an ``IcapError`` before more is read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from service.gateway.icap.protocol import IcapError

CRLF = b"\r\n"
HEAD_END = b"\r\n\r\n"
_MAX_SIZE_DIGITS = 16  # a chunk size line with more hex digits than this is not a real chunk


@dataclass
class Body:
    data: bytearray
    ieof: bool = False  # the client said the preview holds the whole body


async def read_head(reader: asyncio.StreamReader, limit: int, start: bytes = b"") -> bytes:
    """Bytes up to and including the blank line that ends a header section, at most ``limit``.

    ``start`` is what was already read of the section (a first byte read to tell an idle
    connection from a request).
    """
    try:
        head = start + await reader.readuntil(HEAD_END)
    except asyncio.LimitOverrunError:
        raise IcapError(400, "the header section is larger than the limit") from None
    if len(head) > limit:
        raise IcapError(400, "the header section is larger than the limit")
    return head


async def read_section(reader: asyncio.StreamReader, length: int, limit: int) -> bytes:
    """One encapsulated header section, which must end exactly ``length`` bytes on."""
    section = await read_head(reader, limit)
    if len(section) != length:
        raise IcapError(400, "an encapsulated header section does not end where Encapsulated says")
    return section


def _chunk_size(line: bytes) -> tuple[int, bool]:
    """The size of a chunk and whether its extensions say ``ieof``."""
    size_text, _, extensions = line[:-2].partition(b";")
    size_text = size_text.strip()
    if not size_text or len(size_text) > _MAX_SIZE_DIGITS or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
        raise IcapError(400, "malformed chunk size")
    ieof = any(token.strip().lower() == b"ieof" for token in extensions.split(b";"))
    return int(size_text, 16), ieof


async def _read_trailer(reader: asyncio.StreamReader) -> None:
    # Trailer fields after the last chunk carry nothing ICAP uses; they end with an empty line.
    while True:
        line = await reader.readuntil(CRLF)
        if line == CRLF:
            return


async def read_chunked(reader: asyncio.StreamReader, body: Body, limit: int) -> None:
    """Append a chunked body (up to its zero-size chunk) to ``body``, refusing more than ``limit`` bytes."""
    while True:
        try:
            line = await reader.readuntil(CRLF)
        except asyncio.LimitOverrunError:
            raise IcapError(400, "a chunk size line is too long") from None
        size, ieof = _chunk_size(line)
        if size == 0:
            body.ieof = ieof
            await _read_trailer(reader)
            return
        if ieof:
            raise IcapError(400, "ieof on a chunk that is not the last")
        if len(body.data) + size > limit:
            raise IcapError(413, f"the encapsulated body is larger than the limit of {limit} bytes")
        body.data += await reader.readexactly(size)
        if await reader.readexactly(2) != CRLF:
            raise IcapError(400, "a chunk is longer than its size says")
