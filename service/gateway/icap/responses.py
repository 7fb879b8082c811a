"""ICAP responses as bytes: OPTIONS, 100 Continue, 204, the unchanged message, the block page, errors.

The block page names the policy, the rules and the SITs that fired, never a value and
never the URL (a URL can itself carry the secret in its query string).
"""

from __future__ import annotations

import hashlib
import html
from email.utils import formatdate

from service.gateway.icap.exchange import Exchange
from service.gateway.icap.protocol import ICAP_VERSION, REASONS, Method
from service.policy.model import RuleHit, Verdict

SERVER = "dlp-classifier-icap/1.0"
CONTINUE = f"{ICAP_VERSION} 100 Continue\r\n\r\n".encode("ascii")


def istag(version: str) -> str:
    """An ISTag (a quoted string of at most 32 characters) that changes with the inspector's version."""
    return '"dlp-' + hashlib.sha256(version.encode("utf-8")).hexdigest()[:24] + '"'


def _head(status: int, tag: str, fields: list[tuple[str, str]], close: bool) -> bytes:
    lines = [f"{ICAP_VERSION} {status} {REASONS.get(status, 'Unknown')}", f"Date: {formatdate(usegmt=True)}"]
    lines += [f"Server: {SERVER}", f"ISTag: {tag}"]
    lines += [f"{name}: {value}" for name, value in fields]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _encapsulated(sections: list[tuple[str, bytes]], body_name: str, body: bytes | None) -> tuple[str, bytes]:
    """The Encapsulated value and the bytes after the ICAP head: header sections, then the chunked body."""
    entries, offset, payload = [], 0, bytearray()
    for name, raw in sections:
        entries.append(f"{name}={offset}")
        offset += len(raw)
        payload += raw
    if body is None:
        entries.append(f"null-body={offset}")
    else:
        entries.append(f"{body_name}={offset}")
        if body:
            payload += f"{len(body):x}\r\n".encode("ascii") + body + b"\r\n"
        payload += b"0\r\n\r\n"
    return ", ".join(entries), bytes(payload)


def error_response(status: int, tag: str) -> bytes:
    return _head(status, tag, [("Encapsulated", "null-body=0")], close=True)


def no_content(tag: str, close: bool) -> bytes:
    return _head(204, tag, [("Encapsulated", "null-body=0")], close)


def options_response(method: Method, tag: str, *, preview: int, max_connections: int, ttl: int, close: bool) -> bytes:
    fields = [
        ("Methods", str(method)),
        ("Service", "DLP classifier"),
        ("Max-Connections", str(max_connections)),
        ("Options-TTL", str(ttl)),
        ("Allow", "204"),
    ]
    if preview > 0:
        # Every body is inspected whole; the preview lets a short one be answered at once.
        fields += [("Preview", str(preview)), ("Transfer-Preview", "*")]
    fields.append(("Encapsulated", "null-body=0"))
    return _head(200, tag, fields, close)


def echo_response(exchange: Exchange, tag: str, close: bool) -> bytes:
    """The encapsulated message unchanged, for a client that does not accept 204."""
    if exchange.method is Method.REQMOD:
        assert exchange.request is not None
        sections, body_name = [("req-hdr", exchange.request.raw)], "req-body"
    else:
        assert exchange.response is not None
        sections, body_name = [("res-hdr", exchange.response.raw)], "res-body"
    encapsulated, payload = _encapsulated(sections, body_name, exchange.body or None)
    return _head(200, tag, [("Encapsulated", encapsulated)], close) + payload


def block_page(verdict: Verdict) -> bytes:
    rules = "".join(
        f"<li>{html.escape(hit.rule)}: {html.escape(_what_fired(hit))}</li>"
        for hit in verdict.rules
        if hit.action.strictness >= verdict.action.strictness
    )
    reasons = "".join(f"<li>{html.escape(reason)}</li>" for reason in verdict.incomplete)
    text = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Blocked by data-loss prevention</title></head>'
        f"<body><h1>Blocked by data-loss prevention</h1><p>The policy <b>{html.escape(verdict.policy)}</b> "
        "does not allow this transfer.</p>"
        + (f"<p>Rules:</p><ul>{rules}</ul>" if rules else "")
        + (f"<p>Not fully inspected:</p><ul>{reasons}</ul>" if reasons else "")
        + "</body></html>\n"
    )
    return text.encode("utf-8")


def _what_fired(hit: RuleHit) -> str:
    return ", ".join(sorted({finding.sit_name for finding in hit.findings})) or hit.reason


def block_response(verdict: Verdict, tag: str, close: bool) -> bytes:
    """An HTTP 403 page in place of the request (REQMOD) or of the response (RESPMOD)."""
    page = block_page(verdict)
    http_head = (
        "HTTP/1.1 403 Forbidden\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(page)}\r\n"
        "Cache-Control: no-store\r\n"
        f"X-DLP-Policy: {_header_safe(verdict.policy)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin-1")
    encapsulated, payload = _encapsulated([("res-hdr", http_head)], "res-body", page)
    fields = [("X-DLP-Action", str(verdict.action)), ("Encapsulated", encapsulated)]
    return _head(200, tag, fields, close) + payload


def _header_safe(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
