"""The standard library's regex parser, the one place the product touches it.

The `regex` package has no public parser. The standard library's (`re._parser`, called
`sre_parse` before Python 3.11) reads the syntax both engines share, which definitions
mostly use; it is private and may change. Callers get None when it is missing or cannot
read a pattern, and must then fall back to what they can do without a parse (scan the
whole part, skip an analysis): never fail, never guess.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


def _standard_parser() -> ModuleType | None:
    for name in ("re._parser", "sre_parse"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if callable(getattr(module, "parse", None)):
            return module
    return None


PARSER: ModuleType | None = _standard_parser()
# The parser's "no upper bound" for repeats (None when there is no parser).
MAXREPEAT: Any = getattr(PARSER, "MAXREPEAT", None)


def parse(pattern: str, flags: int = 0, parser: ModuleType | None = PARSER) -> Any | None:
    """The parser's tree of ``pattern``, or None when there is no parser or it cannot read it."""
    if parser is None:
        return None
    try:
        return parser.parse(pattern, flags)
    except Exception:  # syntax only `regex` knows, or a changed private API
        return None
