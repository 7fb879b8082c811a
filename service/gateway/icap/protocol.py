"""ICAP messages (RFC 3507) as data: the request head, the Encapsulated header, the errors.

Parsing is strict: anything a proxy would not send is an ``IcapError`` carrying the status
to answer with, after which the server closes the connection (the rest of the stream can
no longer be trusted to be framed as the client meant).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

ICAP_VERSION = "ICAP/1.0"

REASONS = {
    100: "Continue",
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "ICAP Service Not Found",
    405: "Method Not Allowed For Service",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    418: "Bad Composition",
    500: "Server Error",
    501: "Method Not Implemented",
    503: "Service Overloaded",
    505: "ICAP Version Not Supported",
}


class Method(StrEnum):
    OPTIONS = "OPTIONS"
    REQMOD = "REQMOD"
    RESPMOD = "RESPMOD"


class IcapError(Exception):
    """A request the server refuses: ``status`` is the ICAP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Headers:
    """Header fields in order; names compared without case."""

    items: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str | None = None) -> str | None:
        key = name.lower()
        return next((value for field, value in self.items if field.lower() == key), default)

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [value for field, value in self.items if field.lower() == key]

    def tokens(self, name: str) -> set[str]:
        """The comma-separated tokens of every ``name`` field, lower case."""
        return {token.strip().lower() for value in self.get_all(name) for token in value.split(",") if token.strip()}


def parse_header_lines(lines: list[str], what: str) -> Headers:
    items: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            raise IcapError(400, f"folded {what} header lines are not accepted")
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or not name.isascii():
            raise IcapError(400, f"malformed {what} header line")
        items.append((name, value.strip()))
    return Headers(tuple(items))


@dataclass(frozen=True)
class IcapRequest:
    method: Method
    uri: str
    service: str  # the URI's path without its leading slash, e.g. "reqmod"
    headers: Headers

    @property
    def preview(self) -> int | None:
        value = self.headers.get("Preview")
        if value is None:
            return None
        if not value.isdigit():
            raise IcapError(400, "Preview is not a number")
        return int(value)

    @property
    def allows_204(self) -> bool:
        return "204" in self.headers.tokens("Allow")

    @property
    def closes(self) -> bool:
        return "close" in self.headers.tokens("Connection")


def parse_request_head(head: bytes) -> IcapRequest:
    """The request line and header fields of an ICAP request (``head`` ends with the blank line)."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise IcapError(400, "the ICAP header section is not ASCII") from None
    lines = text.split("\r\n")
    request_line, header_lines = lines[0], [line for line in lines[1:] if line]
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise IcapError(400, "malformed request line")
    method_name, uri, version = parts
    if version != ICAP_VERSION:
        raise IcapError(505 if version.startswith("ICAP/") else 400, "unsupported ICAP version")
    try:
        method = Method(method_name)
    except ValueError:
        raise IcapError(501 if method_name.isalpha() else 400, "unknown ICAP method") from None
    address = urlsplit(uri)
    if address.scheme.lower() != "icap" or not address.netloc:
        raise IcapError(400, "the request URI is not an icap:// URI")
    service = address.path.strip("/")
    return IcapRequest(method, uri, service, parse_header_lines(header_lines, "ICAP"))


# Sections each method may carry, in the order they must come (RFC 3507 §4.4.1).
SECTION_ORDER = ("req-hdr", "res-hdr", "req-body", "res-body", "null-body", "opt-body")
BODY_SECTIONS = frozenset({"req-body", "res-body", "null-body", "opt-body"})
ALLOWED_SECTIONS = {
    Method.REQMOD: (frozenset({"req-hdr"}), frozenset({"req-body", "null-body"})),
    Method.RESPMOD: (frozenset({"req-hdr", "res-hdr"}), frozenset({"res-body", "null-body"})),
    Method.OPTIONS: (frozenset(), frozenset({"null-body", "opt-body"})),
}


@dataclass(frozen=True)
class Encapsulated:
    """The sections of the encapsulated HTTP message: header sections with their lengths, then the body."""

    headers: tuple[tuple[str, int], ...]  # (section name, length in bytes)
    body: str  # req-body, res-body, null-body or opt-body

    @property
    def header_bytes(self) -> int:
        return sum(length for _, length in self.headers)

    @property
    def has_body(self) -> bool:
        return self.body != "null-body"


def _parse_entries(value: str) -> list[tuple[str, int]]:
    entries: list[tuple[str, int]] = []
    for item in value.split(","):
        name, equals, offset = item.strip().partition("=")
        if not equals or name not in SECTION_ORDER or not offset.isdigit() or len(offset) > 12:
            raise IcapError(400, "malformed Encapsulated header")
        entries.append((name, int(offset)))
    return entries


def parse_encapsulated(method: Method, value: str | None) -> Encapsulated:
    """Check the Encapsulated header against the method: syntax errors are 400, wrong sections 418."""
    if value is None:
        if method is Method.OPTIONS:
            return Encapsulated((), "null-body")
        raise IcapError(400, "the Encapsulated header is missing")
    entries = _parse_entries(value)
    names = [name for name, _ in entries]
    offsets = [offset for _, offset in entries]
    if offsets[0] != 0 or any(b <= a for a, b in itertools.pairwise(offsets)):
        raise IcapError(400, "Encapsulated offsets must start at 0 and increase")
    header_names, body_names = ALLOWED_SECTIONS[method]
    body = names[-1]
    orders = [SECTION_ORDER.index(name) for name in names]
    if (
        body not in body_names
        or any(name not in header_names for name in names[:-1])
        or orders != sorted(orders)
        or len(set(names)) != len(names)
    ):
        raise IcapError(418, f"the encapsulated sections do not fit {method}")
    if method is Method.REQMOD and "req-hdr" not in names:
        raise IcapError(418, "REQMOD needs the encapsulated request headers")
    if method is Method.RESPMOD and "res-hdr" not in names:
        raise IcapError(418, "RESPMOD needs the encapsulated response headers")
    lengths = [b - a for a, b in itertools.pairwise(offsets)]
    return Encapsulated(tuple(zip(names[:-1], lengths, strict=True)), body)
