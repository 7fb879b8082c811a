"""A regex's structure as a small tree of our own, read with the standard library's parser.

The ``regex`` package has no public parser, so the tree comes from the standard library's
(through ``service.regex_parser``, the one module that touches it); when it is missing,
or cannot read a pattern (``regex``-only syntax such as ``\\p{L}``), :func:`parse` returns
``None`` and callers fall back to what they can do without a tree. The syntax both engines
share is what definitions mostly use.

Character sets are sets of *probe* characters: every ASCII character and a few others
standing for the rest. That is exact for the ASCII classes definitions compile with
(``semantics.regex_flags``) and enough to tell whether two parts can match the same text.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

from service import regex_parser

# A few non-ASCII characters stand for all others: a no-break space, a Latin letter,
# a Han character, an Arabic-Indic digit.
PROBE_CHARACTERS: frozenset[str] = frozenset(chr(code) for code in range(128)) | frozenset("\u00a0é中٠")
# Deeper trees are not analysed (each level costs a few frames of recursion).
MAX_DEPTH = 60
# A sample of a repeat is its body this many times at most.
MAX_SAMPLE_REPEAT = 64

_PREFERRED = string.ascii_lowercase + string.digits + string.ascii_uppercase + "_-.:/ "


@dataclass(frozen=True)
class Chars:
    """One character out of ``members``."""

    members: frozenset[str]


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Repeat:
    body: Node
    min: int
    max: int | None  # None: unbounded
    backtracks: bool = True  # False for a possessive repeat


@dataclass(frozen=True)
class Atomic:
    """An atomic group: once matched, never re-entered by backtracking."""

    body: Node


@dataclass(frozen=True)
class Opaque:
    """What the analysis does not look into: anchors and look-arounds (zero width), back-references."""

    zero_width: bool = True


Node = Chars | Seq | Alt | Repeat | Atomic | Opaque
EMPTY: Node = Seq(())


def parse(pattern: str, flags: int = 0) -> Node | None:
    """The pattern's tree, or None when the standard parser is missing or cannot read it."""
    if regex_parser.PARSER is None:
        return None
    return _parse(pattern, flags)


@lru_cache(maxsize=4096)  # trees are immutable; several rules read the same regex
def _parse(pattern: str, flags: int) -> Node | None:
    parsed = regex_parser.parse(pattern, flags & regex.IGNORECASE)
    if parsed is None:
        return None
    try:
        found = parsed.state.flags  # the pattern's own (?i) and (?s) included
        root = _convert(parsed.data, bool(found & regex.IGNORECASE), bool(found & regex.DOTALL))
    except Exception:  # any failure of a private parser means "no tree", never a crash
        return None
    # The analyses recurse over the tree; a pathologically deep one is not analysed.
    return root if _depth(root) <= MAX_DEPTH else None


def _depth(node: Node) -> int:
    if isinstance(node, Seq | Alt):
        children = node.items if isinstance(node, Seq) else node.branches
        return 1 + max((_depth(child) for child in children), default=0)
    if isinstance(node, Repeat | Atomic):
        return 1 + _depth(node.body)
    return 1


def _convert(items: Iterable[tuple[Any, Any]], ignore_case: bool, dotall: bool) -> Node:
    nodes = [_convert_item(str(op), value, ignore_case, dotall) for op, value in items]
    return nodes[0] if len(nodes) == 1 else Seq(tuple(nodes))


def _convert_item(op: str, value: Any, ignore_case: bool, dotall: bool) -> Node:
    if op in ("LITERAL", "NOT_LITERAL", "IN", "ANY"):
        return Chars(_members(op, value, ignore_case, dotall))
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = value
        maximum = None if high == regex_parser.MAXREPEAT else int(high)
        return Repeat(_convert(body, ignore_case, dotall), int(low), maximum, op != "POSSESSIVE_REPEAT")
    if op == "SUBPATTERN":
        _group, add_flags, del_flags, body = value
        case = (ignore_case or bool(add_flags & regex.IGNORECASE)) and not del_flags & regex.IGNORECASE
        dots = (dotall or bool(add_flags & regex.DOTALL)) and not del_flags & regex.DOTALL
        return _convert(body, case, dots)
    if op == "BRANCH":
        return Alt(tuple(_convert(branch, ignore_case, dotall) for branch in value[1]))
    if op == "ATOMIC_GROUP":
        return Atomic(_convert(value, ignore_case, dotall))
    if op == "GROUPREF_EXISTS":
        _group, yes, no = value
        return Alt((_convert(yes, ignore_case, dotall), _convert(no, ignore_case, dotall) if no else EMPTY))
    if op == "GROUPREF":
        return Opaque(zero_width=False)
    return Opaque()  # AT (anchors), ASSERT, ASSERT_NOT


def _members(op: str, value: Any, ignore_case: bool, dotall: bool) -> frozenset[str]:
    if op == "ANY":
        return PROBE_CHARACTERS if dotall else PROBE_CHARACTERS - {"\n"}
    if op in ("LITERAL", "NOT_LITERAL"):
        chosen = _with_case(frozenset(chr(value)), ignore_case)
        return PROBE_CHARACTERS - chosen if op == "NOT_LITERAL" else chosen
    negate = False
    chosen = frozenset[str]()
    for item_op, item in value:
        name = str(item_op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chosen |= {chr(item)}
        elif name == "RANGE":
            chosen |= {c for c in PROBE_CHARACTERS if item[0] <= ord(c) <= item[1]}
        elif name == "CATEGORY":
            chosen |= _category(str(item))
    chosen = _with_case(chosen, ignore_case)
    return PROBE_CHARACTERS - chosen if negate else chosen


def _category(name: str) -> frozenset[str]:
    # ASCII meanings: definitions compile with regex.ASCII.
    base = {
        "DIGIT": frozenset(string.digits),
        "SPACE": frozenset(" \t\n\r\f\v"),
        "WORD": frozenset(string.ascii_letters + string.digits + "_"),
    }
    for key, members in base.items():
        if name == f"CATEGORY_{key}":
            return members
        if name == f"CATEGORY_NOT_{key}":
            return PROBE_CHARACTERS - members
    return PROBE_CHARACTERS  # an unknown category: assume it may match anything


def _with_case(members: frozenset[str], ignore_case: bool) -> frozenset[str]:
    if not ignore_case:
        return members
    return members | {c.swapcase() for c in members if c.swapcase() in PROBE_CHARACTERS}


# -- facts about a tree ------------------------------------------------------------------


def min_length(node: Node) -> int:
    if isinstance(node, Chars):
        return 1
    if isinstance(node, Seq):
        return sum(min_length(item) for item in node.items)
    if isinstance(node, Alt):
        return min((min_length(branch) for branch in node.branches), default=0)
    if isinstance(node, Repeat):
        return node.min * min_length(node.body)
    if isinstance(node, Atomic):
        return min_length(node.body)
    return 0


def max_length(node: Node) -> int | None:
    """The longest match, or None when there is no bound."""
    if isinstance(node, Chars):
        return 1
    if isinstance(node, Seq | Alt):
        parts = [max_length(item) for item in (node.items if isinstance(node, Seq) else node.branches)]
        if any(part is None for part in parts):
            return None
        known = [part for part in parts if part is not None]
        return sum(known) if isinstance(node, Seq) else max(known, default=0)
    if isinstance(node, Repeat):
        body = max_length(node.body)
        if body == 0 or node.max == 0:
            return 0
        return None if body is None or node.max is None else body * node.max
    if isinstance(node, Atomic):
        return max_length(node.body)
    return 0 if node.zero_width else None


def nullable(node: Node) -> bool:
    return min_length(node) == 0


def consumed(node: Node) -> frozenset[str]:
    """Every character some match of the node may contain."""
    if isinstance(node, Chars):
        return node.members
    if isinstance(node, Seq | Alt):
        parts = node.items if isinstance(node, Seq) else node.branches
        return frozenset().union(*(consumed(part) for part in parts))
    if isinstance(node, Repeat):
        return consumed(node.body) if node.max != 0 else frozenset()
    if isinstance(node, Atomic):
        return consumed(node.body)
    return frozenset() if node.zero_width else PROBE_CHARACTERS


def pump_characters(node: Node) -> frozenset[str]:
    """Characters ``c`` such that the node matches some run ``c…c`` (the empty run included).

    A repeat whose body pumps on ``c`` can split a long run of ``c`` between its
    iterations: the raw material of catastrophic backtracking.
    """
    if isinstance(node, Chars):
        return node.members
    if isinstance(node, Seq):
        result = PROBE_CHARACTERS
        for item in node.items:
            result &= pump_characters(item)
        return result
    if isinstance(node, Alt):
        return frozenset().union(*(pump_characters(branch) for branch in node.branches))
    if isinstance(node, Repeat):
        return PROBE_CHARACTERS if node.min == 0 else pump_characters(node.body)
    if isinstance(node, Atomic):
        return pump_characters(node.body)
    return PROBE_CHARACTERS if node.zero_width else frozenset()


def sample(node: Node) -> str:
    """A short text the node matches (look-arounds and back-references ignored)."""
    if isinstance(node, Chars):
        return representative(node.members)
    if isinstance(node, Seq):
        return "".join(sample(item) for item in node.items)
    if isinstance(node, Alt):
        return min((sample(branch) for branch in node.branches), key=len, default="")
    if isinstance(node, Repeat):
        return sample(node.body) * min(node.min, MAX_SAMPLE_REPEAT)
    if isinstance(node, Atomic):
        return sample(node.body)
    return ""


def samples(nodes: Sequence[Node]) -> str:
    return "".join(sample(node) for node in nodes)


def representative(members: frozenset[str]) -> str:
    """A readable member of the set: a letter or digit when there is one."""
    for candidate in _PREFERRED:
        if candidate in members:
            return candidate
    return min(members) if members else ""


def run_lengths(node: Node, character: str) -> tuple[int, int | None] | None:
    """The shortest and longest run of ``character`` the node matches (None: no run at all).

    The range is a hull: an alternation of runs of 1 and 3 gives (1, 3). An atomic group or
    a possessive repeat counts as one length: whatever it takes, it keeps, so it offers
    backtracking no second way to split a run.
    """
    if isinstance(node, Chars):
        return (1, 1) if character in node.members else None
    if isinstance(node, Seq):
        low: int = 0
        high: int | None = 0
        for item in node.items:
            part = run_lengths(item, character)
            if part is None:
                return None
            low += part[0]
            high = None if high is None or part[1] is None else high + part[1]
        return low, high
    if isinstance(node, Alt):
        parts = [part for branch in node.branches if (part := run_lengths(branch, character)) is not None]
        if not parts:
            return None
        highs = [part[1] for part in parts]
        return min(part[0] for part in parts), None if None in highs else max(h for h in highs if h is not None)
    if isinstance(node, Repeat):
        return _repeat_run_lengths(node, character)
    if isinstance(node, Atomic):
        return _one_length(run_lengths(node.body, character))
    return (0, 0) if node.zero_width else None


def _one_length(lengths: tuple[int, int | None] | None) -> tuple[int, int | None] | None:
    return None if lengths is None else (lengths[0], lengths[0])


def _repeat_run_lengths(node: Repeat, character: str) -> tuple[int, int | None] | None:
    body = run_lengths(node.body, character)
    if body is None or node.max == 0:
        return (0, 0) if node.min == 0 else None
    low = body[0] * node.min
    high = None if body[1] is None or node.max is None else body[1] * node.max
    if node.max is None and body[1] == 0:
        high = 0
    return (low, high) if node.backtracks else _one_length((low, high))
