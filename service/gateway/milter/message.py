"""The message as the milter receives it — header by header, then body chunks — put back
together as an RFC 5322 message, within a size limit."""

from __future__ import annotations


class MessageBuffer:
    """Collects one message; past ``limit`` bytes it only counts, so memory stays bounded."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._chunks: list[bytes] = []
        self._body_started = False

    @property
    def oversize(self) -> bool:
        return self.size > self.limit

    def add_header(self, name: str, value: str) -> None:
        # Folded values arrive with bare or CRLF line ends: the message uses CRLF throughout.
        value = value.replace("\r\n", "\n").replace("\n", "\r\n")
        self._add(f"{name}: {value}\r\n".encode("utf-8", "surrogateescape"))

    def end_headers(self) -> None:
        if not self._body_started:
            self._body_started = True
            self._add(b"\r\n")

    def add_body(self, chunk: bytes) -> None:
        self.end_headers()
        self._add(chunk)

    def content(self) -> bytes:
        return b"".join(self._chunks)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size <= self.limit:
            self._chunks.append(data)
        else:
            self._chunks.clear()  # an oversize message is never scanned: keep nothing of it
