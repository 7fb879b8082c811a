"""Hostile inputs for the running service, built in code, and a slow-client (slowloris) load.

Used by ``python -m bench.hostile`` and by the end-to-end tests of the service under gunicorn.
Office "bombs" are real documents (made with python-docx, openpyxl and python-pptx) whose main
part is replaced by a huge, highly compressible one, written to the zip in a stream so that
building them takes little memory.
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.queues
import random
import selectors
import socket
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

MIB = 1024 * 1024
CHUNK = 4 * MIB


def repeat_to(unit: bytes, size: int) -> Iterator[bytes]:
    """``unit`` repeated to ``size`` bytes, in chunks of about 4 MiB."""
    block = unit * max(1, CHUNK // len(unit))
    left = size
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def chunked_body(size: int) -> Iterator[bytes]:
    """A plain-text body of ``size`` bytes, for a request sent with chunked transfer encoding."""
    return repeat_to(b"The quarterly report shows steady growth. ", size)


def nested_json(depth: int = 5000) -> bytes:
    return b'{"text": "x", "name": ' + b"[" * depth + b"]" * depth + b"}"


def lines_of(line: str, size: int) -> bytes:
    unit = line.encode()
    return unit * (size // len(unit))


def digit_groups(size: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    groups = [f"{rng.randrange(10_000):04d}" for _ in range(size // 5)]
    return " ".join(groups).encode()[:size]


def base64_run(size: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return bytes(rng.choice(alphabet) for _ in range(size))


def hex_run(size: int, seed: int = 13) -> bytes:
    return random.Random(seed).randbytes(size // 2).hex().encode()


def luhn_complete(prefix: str) -> str:
    digits = [int(d) for d in prefix]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return prefix + str((10 - total % 10) % 10)


def card_flood(size: int, seed: int = 17) -> bytes:
    """Distinct valid (Luhn) Visa numbers, each next to a keyword: every line is a match."""
    rng = random.Random(seed)
    lines = []
    total = 0
    while total < size:
        number = luhn_complete("4" + "".join(str(rng.randrange(10)) for _ in range(14)))
        line = f"Visa card number {number[:4]} {number[4:8]} {number[8:12]} {number[12:]}, exp 08/29\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


def zip_bomb(unpacked: int = 300 * MIB) -> bytes:
    """One member of zeros compressed about 1000:1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.txt", "w") as member:
        for piece in repeat_to(b"\0", unpacked):
            member.write(piece)
    return buffer.getvalue()


def _replace_member(original: bytes, name: str, head: bytes, unit: bytes, size: int, tail: bytes) -> bytes:
    """``original`` (a zip) with member ``name`` replaced (or added) by head + unit repeated to ``size`` + tail."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        # Written last, whether or not the original had it: a writer may leave out an empty
        # shared-strings table, and the bomb must be there to be read.
        with target.open(name, "w", force_zip64=True) as member:
            member.write(head)
            for piece in repeat_to(unit, size):
                member.write(piece)
            member.write(tail)
    return buffer.getvalue()


def docx_bomb(paragraphs: int = 10_000_000) -> bytes:
    """A Word document of a few hundred KB whose body is ``paragraphs`` empty paragraphs."""
    from docx import Document

    saved = io.BytesIO()
    document = Document()
    document.add_paragraph("Quarterly access review")
    document.save(saved)
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as archive:
        xml = archive.read("word/document.xml")
    head, _, tail = xml.partition(b"<w:body>")
    unit = b"<w:p/>"
    body = head + b"<w:body>"
    return _replace_member(saved.getvalue(), "word/document.xml", body, unit, paragraphs * len(unit), tail)


def pptx_bomb(unpacked: int = 300 * MIB) -> bytes:
    """A presentation whose first slide's XML unpacks to about ``unpacked`` bytes of text runs."""
    from pptx import Presentation

    saved = io.BytesIO()
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "Roadmap"
    presentation.save(saved)
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as archive:
        xml = archive.read("ppt/slides/slide1.xml")
    head, marker, tail = xml.partition(b"</p:txBody>")
    unit = b"<a:p><a:r><a:t>x</a:t></a:r></a:p>"
    return _replace_member(saved.getvalue(), "ppt/slides/slide1.xml", head, unit, unpacked, marker + tail)


def xlsx_bomb(unpacked: int = 300 * MIB) -> bytes:
    """A workbook whose shared strings table unpacks to about ``unpacked`` bytes."""
    from openpyxl import Workbook

    saved = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Region", "North"])
    workbook.save(saved)
    unit = b"<si><t>North</t></si>"
    count = unpacked // len(unit)
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        + f'count="{count}" uniqueCount="{count}">'.encode()
    )
    return _replace_member(saved.getvalue(), "xl/sharedStrings.xml", head, unit, count * len(unit), b"</sst>")


# -- slow clients ------------------------------------------------------------------------------


@dataclass
class SlowClientStats:
    opened: int = 0
    closed_by_server: int = 0
    failed_to_connect: int = 0
    most_open: int = 0
    # How long each connection the server closed had been open.
    dropped_after: list[float] = field(default_factory=list)


class SlowClients:
    """``count`` connections that each send a partial request and then one header byte every
    ``interval`` seconds, never finishing their headers. A connection the server closes is
    opened again, so the pressure holds for the whole run. They are driven from a child process,
    so that they do not compete for this process's interpreter with the requests it measures."""

    def __init__(self, host: str, port: int, count: int = 200, interval: float = 2.0) -> None:
        self.address = (host, port)
        self.count = count
        self.interval = interval
        self.stats = SlowClientStats()
        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._results: multiprocessing.queues.Queue[SlowClientStats] = context.Queue()
        self._process = context.Process(target=self._main, name="slow-clients", daemon=True)

    def __enter__(self) -> SlowClients:
        self._process.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        try:
            self.stats = self._results.get(timeout=30)
        finally:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()

    def _main(self) -> None:
        try:
            self._run()
        finally:
            self._results.put(self.stats)

    def _open(self, selector: selectors.BaseSelector, opened_at: dict[socket.socket, float]) -> None:
        try:
            connection = socket.create_connection(self.address, timeout=5)
        except OSError:
            self.stats.failed_to_connect += 1
            return
        connection.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: dlp\r\nX-Slow: ")
        connection.setblocking(False)
        selector.register(connection, selectors.EVENT_READ)
        opened_at[connection] = time.monotonic()
        self.stats.opened += 1

    def _close(
        self,
        selector: selectors.BaseSelector,
        opened_at: dict[socket.socket, float],
        sock: socket.socket,
        by_server: bool = True,
    ) -> None:
        selector.unregister(sock)
        lifetime = time.monotonic() - opened_at.pop(sock)
        if by_server:
            self.stats.closed_by_server += 1
            self.stats.dropped_after.append(lifetime)
        sock.close()

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        opened_at: dict[socket.socket, float] = {}
        next_byte = time.monotonic() + self.interval
        try:
            while not self._stop.is_set():
                while len(opened_at) < self.count and not self._stop.is_set():
                    self._open(selector, opened_at)
                self.stats.most_open = max(self.stats.most_open, len(opened_at))
                for key, _ in selector.select(timeout=0.2):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    try:
                        data = sock.recv(4096)
                    except OSError:
                        data = b""
                    if not data:  # the server gave up on this client: that is what a time-out does
                        self._close(selector, opened_at, sock)
                if time.monotonic() >= next_byte:
                    next_byte = time.monotonic() + self.interval
                    for sock in list(opened_at):
                        try:
                            sock.send(b"a")
                        except OSError:
                            self._close(selector, opened_at, sock)
        finally:
            for sock in list(opened_at):
                self._close(selector, opened_at, sock, by_server=False)
            selector.close()
