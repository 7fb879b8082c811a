"""The engine's input: a document is a list of parts, each a named text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartError:
    """Why a part could not be (fully) classified. ``code`` is stable; ``message`` is for people."""

    code: str
    message: str


@dataclass(frozen=True)
class Part:
    """One text of a document: a body, an attachment, a sheet, a page.

    ``name`` is path-like (``message.eml/attachments/q3.xlsx/Sheet1``); match offsets are
    code-point offsets into ``text``. A part that could not be extracted carries an
    ``error`` and is reported, not scanned.
    """

    name: str
    text: str
    media_type: str = "text/plain"
    size: int | None = None  # bytes of the source, when known
    error: PartError | None = None


@dataclass(frozen=True)
class Excerpt:
    """A stretch of a part's text starting at code point ``offset``: what a caller keeps of
    a text too large to hold, so that the matches inside it can still be shown in context."""

    offset: int
    text: str
