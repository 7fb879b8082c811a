"""The encapsulated HTTP message: request and response heads as the proxy forwarded them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from service.gateway.icap.protocol import Headers, IcapError, parse_header_lines


@dataclass(frozen=True)
class HttpHead:
    """An HTTP request or response head; ``raw`` is kept to echo it unchanged."""

    start_line: str
    headers: Headers
    raw: bytes

    @property
    def media_type(self) -> str | None:
        value = self.headers.get("Content-Type")
        if not value:
            return None
        return value.split(";", 1)[0].strip().lower() or None

    @property
    def content_encodings(self) -> list[str]:
        """Codings applied to the body, in the order they were applied (``identity`` left out)."""
        codings = [
            token.strip().lower() for value in self.headers.get_all("Content-Encoding") for token in value.split(",")
        ]
        return [coding for coding in codings if coding and coding != "identity"]


@dataclass(frozen=True)
class HttpRequestHead(HttpHead):
    @property
    def method(self) -> str:
        return self.start_line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        parts = self.start_line.split(" ")
        return parts[1] if len(parts) > 1 else ""

    @property
    def host(self) -> str | None:
        """The requested host, lower case, without a port: from the absolute URL, else the Host header."""
        address = urlsplit(self.target)
        host = address.hostname if address.netloc else None
        if host is None:
            header = self.headers.get("Host")
            host = urlsplit(f"//{header}").hostname if header else None
        return host.lower() if host else None

    @property
    def path_name(self) -> str | None:
        """The last segment of the URL's path (a downloaded file's name), if any."""
        segment = urlsplit(self.target).path.rsplit("/", 1)[-1]
        return segment or None


@dataclass(frozen=True)
class HttpResponseHead(HttpHead):
    @property
    def status(self) -> int:
        parts = self.start_line.split(" ")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _split_head(raw: bytes, what: str) -> tuple[str, Headers]:
    if not raw.endswith(b"\r\n\r\n"):
        raise IcapError(400, f"the encapsulated {what} headers do not end where Encapsulated says")
    # Header bytes outside ASCII are passed on as they came; latin-1 maps every byte.
    lines = raw[:-4].decode("latin-1").split("\r\n")
    if not lines[0] or "\r" in raw[:-4].replace(b"\r\n", b"").decode("latin-1"):
        raise IcapError(400, f"malformed encapsulated {what} head")
    return lines[0], parse_header_lines(lines[1:], f"encapsulated {what}")


def parse_request_head(raw: bytes) -> HttpRequestHead:
    start, headers = _split_head(raw, "request")
    if len(start.split(" ")) != 3 or not start.split(" ", 1)[1].rstrip().endswith(("HTTP/1.0", "HTTP/1.1")):
        raise IcapError(400, "malformed encapsulated request line")
    return HttpRequestHead(start, headers, raw)


def parse_response_head(raw: bytes) -> HttpResponseHead:
    start, headers = _split_head(raw, "response")
    if not start.startswith("HTTP/") or len(start.split(" ")) < 2:
        raise IcapError(400, "malformed encapsulated status line")
    return HttpResponseHead(start, headers, raw)
