"""Security headers on every answer, errors included.

Answers carry classification results and definitions: no cache may keep them, browsers must
not guess their type, no page may frame them, and no Referer is sent from them. The docs page
gets a policy allowing its own scripts, styles and images only; every other answer is data and
gets a policy that allows nothing.
"""

from __future__ import annotations

from werkzeug.datastructures import Headers

DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI's stylesheet embeds its SVG icons as data: URLs; it needs no inline script or style.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def add_security_headers(headers: Headers, *, docs_page: bool) -> None:
    headers.setdefault("Cache-Control", "no-store")  # the docs assets set their own, cacheable, policy
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Content-Security-Policy"] = DOCS_POLICY if docs_page else DATA_POLICY
