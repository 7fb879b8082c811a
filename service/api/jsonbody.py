"""JSON request bodies: nesting bounded before parsing, errors that never quote the body.

Python's parser recurses once per ``[`` or ``{``: a body of a few thousand brackets would
exhaust the stack. The depth is measured first with byte operations that run in C (no
Python loop per byte of the body): escaped backslashes and quotes are dropped, everything
but quotes and brackets is deleted, strings are cut out, and the deepest level is the
largest running sum of +1 per opening and -1 per closing bracket. Bodies with fewer
brackets than the limit (nearly all of them) stop after the first count.

The body must be UTF-8 (RFC 8259): in UTF-8 no byte of a multi-byte character is a quote or
a bracket, so the byte scan sees the structure the parser will see.
"""

from __future__ import annotations

import codecs
import json
import re
from itertools import accumulate
from typing import Any

from service.api.problems import Problem

_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_STRING = re.compile(rb'"[^"]*"')
_LEVELS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


def _openers(data: bytes) -> int:
    return data.count(b"[") + data.count(b"{")


def json_depth_exceeds(data: bytes, max_depth: int) -> bool:
    """Whether arrays and objects outside strings nest deeper than ``max_depth``."""
    if _openers(data) <= max_depth:
        return False
    skeleton = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    outside = _STRING.sub(b"", skeleton)
    if _openers(outside) <= max_depth:
        return False
    # A quote left unpaired opens a string that never ends: the parser stops there anyway.
    levels = memoryview(outside.translate(_LEVELS, b'"')).cast("b")
    return max(accumulate(levels)) > max_depth


def load_json(data: bytes, max_depth: int) -> Any:
    """The parsed body, or a 400 problem that says where it is wrong (never what it contains)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(
            400, "malformed-json", f"The body is not valid JSON: it is not valid UTF-8 (at byte {error.start})."
        ) from None
    if json_depth_exceeds(data, max_depth):
        raise Problem(400, "json-too-deep", f"The JSON body nests arrays and objects deeper than {max_depth} levels.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # The message is the parser's description and position; error.doc (the body) is not used.
        raise Problem(
            400,
            "malformed-json",
            f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
        ) from None
    except RecursionError:  # the depth check makes this unreachable in practice; never a 500 all the same
        raise Problem(400, "json-too-deep", "The JSON body nests arrays and objects too deeply.") from None
