"""The longest text a regex can match, when that is bounded.

The scanner sizes prefilter regions and keyword-gated windows by it, so it must never be
too small: a width below the truth would cut real matches off at a window's edge. It is
read off the standard library's parse (``service.regex_parser``); whatever that cannot
read gives None, "unbounded": regions and windows then fall back to scanning the whole
part, which is correct and only slower.
"""

from __future__ import annotations

from types import ModuleType

from service.regex_parser import PARSER, parse

# Widths above this are treated as unbounded: windows that wide save nothing.
MAX_REGION_WIDTH = 4096


def max_width(pattern: str, parser: ModuleType | None = PARSER) -> int | None:
    """The longest text ``pattern`` can match, if it is at most ``MAX_REGION_WIDTH``; None otherwise."""
    tree = parse(pattern, parser=parser)
    if tree is None:
        return None
    try:
        _, high = tree.getwidth()
    except Exception:  # a changed private API
        return None
    return high if isinstance(high, int) and high <= MAX_REGION_WIDTH else None
