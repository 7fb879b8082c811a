"""JSON request bodies: nesting bounded before parsing, errors that never quote the body.

Python's parser recurses once per ``[`` or ``{``: a body of a few thousand brackets would
exhaust the stack. The depth is measured first, with regular expressions only (no loop per
byte): strings are blanked out, everything but brackets is dropped, then innermost pairs
are removed one level per pass — a valid document of depth *d* is empty after *d* passes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from service.api.problems import Problem

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"[\[{][\]}]")


def json_depth_exceeds(data: bytes, max_depth: int) -> bool | None:
    """True when brackets nest deeper than ``max_depth``; None when they do not balance (not JSON)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:
            return None
    if not brackets:
        return False
    return True if _INNERMOST.search(brackets) else None


def load_json(data: bytes, max_depth: int) -> Any:
    """The parsed body, or a 400 problem that says where it is wrong (never what it contains)."""
    deep = json_depth_exceeds(data, max_depth)
    if deep:
        raise Problem(400, "json-too-deep", f"The JSON body nests arrays and objects deeper than {max_depth} levels.")
    if deep is None:
        raise Problem(
            400, "malformed-json", "The body is not valid JSON: its brackets do not balance, or a string is not closed."
        )
    try:
        return json.loads(data or b"")
    except json.JSONDecodeError as error:
        # The message is the parser's description and position; error.doc (the body) is not used.
        raise Problem(
            400,
            "malformed-json",
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
        ) from None
    except UnicodeDecodeError as error:
        raise Problem(
            400, "malformed-json", f"The body is not valid JSON: it is not valid UTF-8 (at byte {error.start})."
        ) from None
    except RecursionError:  # the depth check makes this unreachable in practice; never a 500 all the same
        raise Problem(400, "json-too-deep", "The JSON body nests arrays and objects too deeply.") from None
