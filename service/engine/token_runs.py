r"""Elements whose every match is a whole run of token characters, found by run length.

Most credential and number shapes read "a run of these characters, of this length, not
part of a longer one": ``(?<![A-Za-z0-9_-])[0-9a-f]{32}(?![=A-Za-z0-9_-])``,
``(?<![\w.,/:-])\d{9}(?![\w-])``. When the look-behind and the look-ahead both refuse
every character the body can match, a match starts right after a character outside the
body's alphabet and ends right before one: it is a maximal run of that alphabet, and its
length lies between the body's shortest and longest widths. Masking then needs no scan
per element: one pass finds the runs of the alphabet in the text, and an element is
tried, with its own exact pattern, only at the start of a run whose length it can have.
(The alphabet taken is the widest one that works, what both assertions refuse, so most
elements share a few alphabets.)
A hundred such elements near a match cost a few scans and anchored tries instead of a
hundred scans.

The analysis reads the standard library's parse of the pattern and accepts only what it
can prove: ASCII characters, ranges and (under the ASCII flag every definition compiles
with) ``\d``, ``\w`` and ``\s``; literals, classes, bounded repeats, groups and
alternations of those between the two assertions; no case folding. Anything else is not
a run element and is scanned as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from service.engine.compiled import CompiledRegex
from service.regex_parser import MAXREPEAT, PARSER, parse


@dataclass(frozen=True)
class RunShape:
    """What the analysis proved of an element: its token alphabet and its lengths."""

    alphabet: frozenset[str]
    shortest: int
    longest: int


# What \d, \w and \s mean under the ASCII flag, the flag every definition compiles with.
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_ASCII_SPACE = frozenset(" \t\n\r\f\v")


def _class_characters(items: Iterable[tuple[Any, Any]], constants: Any, ascii_classes: bool) -> set[str] | None:
    """The characters of a class body, or None when it is not a set of ASCII characters."""
    categories = {
        constants.CATEGORY_DIGIT: _ASCII_DIGITS,
        constants.CATEGORY_WORD: _ASCII_WORD,
        constants.CATEGORY_SPACE: _ASCII_SPACE,
    }
    chars: set[str] = set()
    for op, arg in items:
        if op is constants.LITERAL and arg < 128:
            chars.add(chr(arg))
        elif op is constants.RANGE and arg[1] < 128:
            chars.update(chr(code) for code in range(arg[0], arg[1] + 1))
        elif op is constants.CATEGORY and ascii_classes and arg in categories:
            chars |= categories[arg]
        else:  # NEGATE, negated or Unicode categories, non-ASCII: not provable here
            return None
    return chars


def _node_characters(op: Any, arg: Any, constants: Any, ascii_classes: bool) -> set[str] | None:
    """The characters one node can match, or None when it is not a plain set, repeat or group."""
    if op is constants.LITERAL:
        return {chr(arg)} if arg < 128 else None
    if op is constants.IN:
        return _class_characters(arg, constants, ascii_classes)
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
        _, high, inner = arg
        return None if high is MAXREPEAT else _body_characters(inner, constants, ascii_classes)
    if op is constants.SUBPATTERN:
        return _body_characters(arg[-1], constants, ascii_classes)
    if op is constants.BRANCH:
        found: set[str] = set()
        for branch in arg[1]:
            part = _body_characters(branch, constants, ascii_classes)
            if part is None:
                return None
            found |= part
        return found
    return None  # assertions, anchors, back-references, ANY: not provable here


def _body_characters(nodes: Iterable[tuple[Any, Any]], constants: Any, ascii_classes: bool) -> set[str] | None:
    """Every character the body can match, or None when it holds anything but sets and repeats."""
    chars: set[str] = set()
    for op, arg in nodes:
        found = _node_characters(op, arg, constants, ascii_classes)
        if found is None:
            return None
        chars |= found
    return chars


def _refused(node: tuple[Any, Any], direction: int, constants: Any, ascii_classes: bool) -> set[str] | None:
    """The single characters a negative look-around refuses: ``(?<![B])`` (direction -1) or
    ``(?![B]|…)`` (direction 1); alternatives longer than one character refuse more, not less."""
    op, arg = node
    if op is not constants.ASSERT_NOT or arg[0] != direction:
        return None
    inner = list(arg[1])
    branches = [inner]
    if len(inner) == 1 and inner[0][0] is constants.BRANCH:
        branches = [list(branch) for branch in inner[0][1][1]]
    refused: set[str] = set()
    for branch in branches:
        if len(branch) == 1 and branch[0][0] in (constants.IN, constants.LITERAL):
            refused |= _node_characters(branch[0][0], branch[0][1], constants, ascii_classes) or set()
    return refused or None


def run_shape(pattern: str, flags: int = regex.ASCII) -> RunShape | None:
    """The run shape of ``pattern`` compiled with ``flags``, when every match is provably a
    whole run of the body's characters."""
    if PARSER is None or flags & regex.IGNORECASE:
        return None
    tree = parse(pattern, parser=PARSER)
    if tree is None:
        return None
    constants = getattr(PARSER, "_constants", None) or PARSER
    ascii_classes = bool(flags & regex.ASCII)
    try:
        if tree.state.flags & constants.SRE_FLAG_IGNORECASE:
            return None
        nodes = list(tree)
        if len(nodes) < 3:
            return None
        before = _refused(nodes[0], -1, constants, ascii_classes)
        after = _refused(nodes[-1], 1, constants, ascii_classes)
        body = nodes[1:-1]
        chars = _body_characters(body, constants, ascii_classes)
        # A match starts after a character the look-behind refuses and ends before one the
        # look-ahead refuses, and holds only body characters: it is a maximal run of any
        # alphabet between the body's characters and what both refuse. The widest is taken,
        # so that elements of different bodies share one alphabet and one scan for runs.
        if before is None or after is None or not chars or not chars <= before & after:
            return None
        low, high = PARSER.SubPattern(tree.state, body).getwidth()
    except Exception:  # a changed private API: no proof, no shortcut
        return None
    if not isinstance(high, int) or high >= MAXREPEAT or low < 1:
        return None
    return RunShape(frozenset(before & after), low, high)


@dataclass(frozen=True)
class RunFamily:
    """Elements sharing one alphabet: the regex of its runs, and who can have each length."""

    alphabet: frozenset[str]
    runs: regex.Pattern[str]
    by_length: dict[int, tuple[int, ...]]  # length → positions in the element list


def _alphabet_regex(alphabet: frozenset[str]) -> regex.Pattern[str]:
    escaped = "".join(regex.escape(char) for char in sorted(alphabet))
    return regex.compile(f"[{escaped}]+")


def build_families(shapes: Sequence[RunShape | None]) -> list[RunFamily]:
    """One family per alphabet among the run elements (None: not a run element)."""
    grouped: dict[frozenset[str], dict[int, list[int]]] = {}
    for position, shape in enumerate(shapes):
        if shape is None:
            continue
        lengths = grouped.setdefault(shape.alphabet, {})
        for length in range(shape.shortest, shape.longest + 1):
            lengths.setdefault(length, []).append(position)
    return [
        RunFamily(alphabet, _alphabet_regex(alphabet), {length: tuple(found) for length, found in lengths.items()})
        for alphabet, lengths in grouped.items()
    ]


def runs_in(family: RunFamily, text: str, low: int, high: int) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """(start, end, elements that can match it) for each run of the family's alphabet in
    ``text[low:high]`` that some element can have; runs cut by ``low`` or ``high`` are
    followed to their real ends, since a value is masked whole."""
    alphabet = family.alphabet
    for match in family.runs.finditer(text, low, high):
        start, end = match.span()
        if start == low:
            while start > 0 and text[start - 1] in alphabet:
                start -= 1
        if end == high:
            extended = family.runs.match(text, end)
            end = extended.end() if extended else end
        found = family.by_length.get(end - start)
        if found:
            yield start, end, found


@dataclass(frozen=True)
class RunIndex:
    """A scanner's regex elements split into run elements (by family) and the rest."""

    families: tuple[RunFamily, ...]
    members: tuple[CompiledRegex, ...]  # the run elements; families' positions index this
    others: tuple[CompiledRegex, ...]


# Below this length runs are everywhere (words, numbers of a log line): trying an element
# at each of them costs more than scanning for it.
MIN_RUN_LENGTH = 8
# An alphabet shared by fewer elements than this costs a scan for runs and saves less.
MIN_FAMILY_SIZE = 3


def build_run_index(elements: Sequence[CompiledRegex]) -> RunIndex:
    shapes = [run_shape(c.element.pattern, c.flags) for c in elements]
    shapes = [shape if shape is not None and shape.shortest >= MIN_RUN_LENGTH else None for shape in shapes]
    family_sizes: dict[frozenset[str], int] = {}
    for shape in shapes:
        if shape is not None:
            family_sizes[shape.alphabet] = family_sizes.get(shape.alphabet, 0) + 1
    shapes = [
        shape if shape is not None and family_sizes[shape.alphabet] >= MIN_FAMILY_SIZE else None for shape in shapes
    ]
    members = tuple(c for c, shape in zip(elements, shapes, strict=True) if shape is not None)
    others = tuple(c for c, shape in zip(elements, shapes, strict=True) if shape is None)
    return RunIndex(tuple(build_families([s for s in shapes if s is not None])), members, others)


def run_values(index: RunIndex, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of every run element's values that overlap ``text[start:end]``, exactly as a
    scan of each element would find them."""
    members = index.members
    # One character more on each side: a run that only touches the range is seen, and the
    # overlap test below decides, as it does for a scanned element.
    low, high = max(0, start - 1), min(len(text), end + 1)
    for family in index.families:
        for run_start, _, positions in runs_in(family, text, low, high):
            for position in positions:
                compiled = members[position]
                match = compiled.pattern.match(text, run_start)
                if match is not None:
                    group = compiled.element.value_group
                    span = match.span(group) if group else match.span()
                    if span[1] > start and span[0] < end:
                        yield span
