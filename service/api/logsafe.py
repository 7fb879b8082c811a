"""Log lines that cannot carry request content: the access log of the service and error logs.

``safe_log_path`` turns the path of a request into something safe to log. For a matched
route it is the route's template (``/v1/sits/{sit_id}``), so no path parameter — a SIT
name, or a secret a client put in a URL — is ever written. For an unmatched path the
segments are kept only when they read as names: control characters and ANSI escape
sequences are removed (no forged log lines, no terminal tricks), anything else outside
printable ASCII is percent-encoded (one field, no spaces or quotes), and segments that
look like values become ``{value}``.

The access log is the ``dlp.access`` logger, one line per request, written by the app
(see ``log_access``)::

    "GET /v1/sits/{sit_id}" 200 1534 2.4ms
"""

from __future__ import annotations

import logging
import re
import sys
from urllib.parse import quote

from service.api.redact import looks_like_value

ACCESS_LOGGER = "dlp.access"
access_logger = logging.getLogger(ACCESS_LOGGER)

# ESC-introduced sequences: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})
MAX_SEGMENTS = 16
MAX_PATH_CHARS = 256
# Characters left as they are in a logged path segment; the rest is percent-encoded.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"
VALUE = "{value}"


def safe_log_path(path: str, url_rule: str | None) -> str:
    """The path of a request as it may be logged: the route template, or a sanitised unmatched path."""
    if url_rule is not None:
        return _RULE_PARAMETER.sub(r"{\1}", url_rule)
    text = _CONTROL.sub("", _ANSI.sub("", path))
    segments = text.split("/")
    if len(segments) > MAX_SEGMENTS + 1:
        segments = [*segments[:MAX_SEGMENTS], "..."]
    shown = [VALUE if looks_like_value(segment) else quote(segment, safe=_SEGMENT_SAFE) for segment in segments]
    cleaned = "/".join(shown)
    if len(cleaned) > MAX_PATH_CHARS:
        cleaned = cleaned[: MAX_PATH_CHARS - 3] + "..."
    return cleaned if cleaned.startswith("/") else "/" + cleaned


def safe_method(method: str) -> str:
    """The request method if it is a standard one; anything else is a client's string."""
    return method if method in _STANDARD_METHODS else "OTHER"


def access_line(method: str, path: str, url_rule: str | None, status: int, size: int | None, ms: float) -> str:
    """One access log line: ``"METHOD PATH" STATUS BYTES DURATIONms`` (bytes ``-`` when unknown)."""
    shown_size = str(size) if size is not None else "-"
    return f'"{safe_method(method)} {safe_log_path(path, url_rule)}" {status} {shown_size} {ms:.1f}ms'


def log_access(method: str, path: str, url_rule: str | None, status: int, size: int | None, ms: float) -> None:
    access_logger.info("%s", access_line(method, path, url_rule, status, size, ms))


def install_access_handler() -> None:
    """Write access lines to standard output (as gunicorn's own access log would), once per process.

    Nothing happens when the logger already has a handler: a deployment that configures
    logging (gunicorn's ``logconfig_dict``, for instance) keeps its own.
    """
    if access_logger.handlers:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    access_logger.addHandler(handler)
    access_logger.setLevel(logging.INFO)
    access_logger.propagate = False  # one line per request even when the root logger has a handler too
