"""Security headers on every answer, errors included.

Answers carry classification results and definitions: no cache may keep them, browsers must
not guess their type, no page may frame them, and no Referer is sent from them. The docs page
and the workbench page (``/ui/``) get a policy allowing their own scripts, styles and images
only, never inline script nor another origin; every other answer is data and gets a policy that
allows nothing.
"""

from __future__ import annotations

from werkzeug.datastructures import Headers

DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI's stylesheet embeds its SVG icons as data: URLs; it needs no inline script or style.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

# The workbench calls the API of its own origin and downloads drafts it built as blob: URLs.
UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def content_policy(*, docs_page: bool = False, ui_page: bool = False) -> str:
    if ui_page:
        return UI_POLICY
    return DOCS_POLICY if docs_page else DATA_POLICY


def add_security_headers(headers: Headers, *, docs_page: bool, ui_page: bool = False) -> None:
    headers.setdefault("Cache-Control", "no-store")  # the docs assets set their own, cacheable, policy
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Content-Security-Policy"] = content_policy(docs_page=docs_page, ui_page=ui_page)
