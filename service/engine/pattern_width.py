"""The longest text a regex can match, when that is bounded.

The scanner sizes prefilter regions and keyword-gated windows by it, so it must never be
too small: a width below the truth would cut real matches off at a window's edge.

The `regex` package has no public parser. The standard library's parser (`re._parser`,
private, `sre_parse` before Python 3.11) computes widths, and this module is the only
place that touches it. Whatever it cannot read — syntax only `regex` knows, or a future
Python without that module — gives None, "unbounded": regions and windows then fall back
to scanning the whole part, which is correct and only slower.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Widths above this are treated as unbounded: windows that wide save nothing.
MAX_REGION_WIDTH = 4096


def _standard_parser() -> ModuleType | None:
    for name in ("re._parser", "sre_parse"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if callable(getattr(module, "parse", None)):
            return module
    return None


_PARSER = _standard_parser()


def max_width(pattern: str, parser: ModuleType | None = _PARSER) -> int | None:
    """The longest text ``pattern`` can match, if it is at most ``MAX_REGION_WIDTH``; None otherwise."""
    if parser is None:
        return None
    try:
        _, high = parser.parse(pattern).getwidth()
    except Exception:  # syntax the standard parser does not know, or a changed private API
        return None
    return high if isinstance(high, int) and high <= MAX_REGION_WIDTH else None
