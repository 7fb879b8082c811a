"""A small ICAP client on raw sockets: builds requests byte by byte and reads responses back.

Tests use it to send exactly what they mean, malformed input included, and to see
exactly what the server answers.
"""

from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass, field

CRLF = b"\r\n"


def chunked(body: bytes, size: int = 4096, ieof: bool = False) -> bytes:
    out = bytearray()
    for start in range(0, len(body), size):
        piece = body[start : start + size]
        out += f"{len(piece):x}\r\n".encode() + piece + CRLF
    out += b"0; ieof\r\n\r\n" if ieof else b"0\r\n\r\n"
    return bytes(out)


def http_request(
    method: str = "POST", url: str = "http://upload.example.test/submit", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {url} HTTP/1.1", "Host: upload.example.test"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def http_response(headers: dict[str, str] | None = None, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def icap_request(
    method: str,
    service: str,
    sections: list[tuple[str, bytes]],
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    body_name: str | None = None,
) -> bytes:
    """A whole ICAP request; ``body`` is sent as given (already chunked), None for null-body."""
    offset, entries, payload = 0, [], bytearray()
    for name, raw in sections:
        entries.append(f"{name}={offset}")
        offset += len(raw)
        payload += raw
    if body is None:
        entries.append(f"null-body={offset}")
    else:
        entries.append(f"{body_name or ('res-body' if method == 'RESPMOD' else 'req-body')}={offset}")
        payload += body
    lines = [f"{method} icap://127.0.0.1/{service} ICAP/1.0", "Host: 127.0.0.1"]
    fields = {"Encapsulated": ", ".join(entries), **(headers or {})}
    lines += [f"{name}: {value}" for name, value in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + bytes(payload)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    raw: bytes  # everything after the ICAP head: encapsulated sections and the chunked body
    sections: dict[str, bytes] = field(default_factory=dict)
    body: bytes = b""

    @property
    def http_status(self) -> int | None:
        head = self.sections.get("res-hdr")
        return int(head.split(b" ")[1]) if head else None


class IcapClient:
    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> IcapClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the server")
        self.buffer += data

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        index = self.buffer.index(marker) + len(marker)
        data, self.buffer = self.buffer[:index], self.buffer[index:]
        return data

    def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size = int(self.read_until(CRLF).split(b";")[0], 16)
            if size == 0:
                self.read_until(CRLF)
                return bytes(body)
            body += self.read_exactly(size)
            self.read_exactly(2)

    def response(self) -> Response:
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        response = Response(status, headers, b"")
        if status == 100:
            return response
        entries = [item.strip().split("=") for item in headers.get("encapsulated", "null-body=0").split(",")]
        for (name, start), (_, end) in itertools.pairwise(entries):
            response.sections[name] = self.read_exactly(int(end) - int(start))
        if entries[-1][0] != "null-body":
            response.body = self.read_chunked()
        response.raw = b"".join(response.sections.values()) + response.body
        return response

    def closed_by_server(self) -> bool:
        """True when the server has closed its side (reads end) rather than waiting for more."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buffer += data
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False


def exchange(port: int, request: bytes) -> Response:
    with IcapClient(port) as client:
        client.send(request)
        return client.response()
