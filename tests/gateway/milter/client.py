"""A small MTA side of the milter protocol, to drive the server from tests and benchmarks."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from service.gateway.milter import protocol as p

ALL_ACTIONS = 0x1FF
ALL_STEPS = 0x1FFFFF
FINAL = frozenset({p.ACCEPT, p.CONTINUE, p.REJECT, p.TEMPFAIL, p.REPLYCODE, b"d"})


@dataclass(frozen=True)
class Reply:
    command: bytes
    data: bytes

    @property
    def text(self) -> str:
        return self.data.rstrip(b"\0").decode("ascii", "replace")


class MilterClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        # Many small frames go out before a reply is read: without this, Nagle's algorithm and
        # delayed acknowledgements add tens of milliseconds to every message.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.actions = 0
        self.steps = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> MilterClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def send(self, command: bytes, data: bytes = b"") -> None:
        self.sock.sendall(p.encode(command, data))

    def read(self) -> Reply:
        header = self._exactly(4)
        (length,) = struct.unpack(">I", header)
        frame = self._exactly(length)
        return Reply(frame[:1], frame[1:])

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the milter closed the connection")
            data += chunk
        return data

    def negotiate(self, version: int = 6, actions: int = ALL_ACTIONS, steps: int = ALL_STEPS) -> Reply:
        self.send(p.OPTNEG, struct.pack(">III", version, actions, steps))
        reply = self.read()
        self.actions, self.steps = struct.unpack(">II", reply.data[4:12])
        return reply

    def step(self, command: bytes, data: bytes = b"") -> Reply | None:
        """Send a command; read its reply unless the milter asked for none."""
        self.send(command, data)
        if self.steps & p.NO_REPLY_STEP.get(command, 0):
            return None
        return self.read()

    def macro(self, stage: bytes, **macros: str) -> None:
        data = b"".join(f"{{{name}}}".encode() + b"\0" + value.encode() + b"\0" for name, value in macros.items())
        self.send(p.MACRO, stage + data)

    def connect(self, host: str = "client.example", address: str = "192.0.2.10") -> Reply | None:
        return self.step(p.CONNECT, host.encode() + b"\0" + b"4" + struct.pack(">H", 25000) + address.encode() + b"\0")

    def mail_from(self, sender: str) -> Reply | None:
        return self.step(p.MAIL, f"<{sender}>".encode() + b"\0")

    def rcpt_to(self, recipient: str) -> Reply | None:
        return self.step(p.RCPT, f"<{recipient}>".encode() + b"\0")

    def message(self, eml: bytes, chunk: int = 65_535) -> list[Reply]:
        """Send a message's headers and body, then end of message; the replies to it."""
        head, _, body = eml.replace(b"\r\n", b"\n").partition(b"\n\n")
        for name, value in _headers(head):
            self.step(p.HEADER, name + b"\0" + value + b"\0")
        self.step(p.EOH)
        body = body.replace(b"\n", b"\r\n")
        for start in range(0, len(body), chunk):
            self.step(p.BODY, body[start : start + chunk])
        return self.end_of_message()

    def end_of_message(self) -> list[Reply]:
        self.send(p.EOB)
        replies = [self.read()]
        while replies[-1].command not in FINAL:
            replies.append(self.read())
        return replies

    def transaction(
        self, eml: bytes, sender: str = "alice@example.com", recipient: str = "bob@example.net"
    ) -> list[Reply]:
        self.mail_from(sender)
        self.rcpt_to(recipient)
        return self.message(eml)


def _headers(head: bytes) -> list[tuple[bytes, bytes]]:
    headers: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + b"\n" + line)
        elif b":" in line:
            name, _, value = line.partition(b":")
            headers.append((name, value.lstrip()))
    return headers
