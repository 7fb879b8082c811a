"""Regexes that may backtrack catastrophically: found on the tree, confirmed by running them.

Three shapes let a backtracking engine try exponentially (or highly polynomially) many
ways to split one run of characters, and each is found on the pattern's tree:

- nested quantifiers: a repeat inside a repeat, both able to take the same character
  (``(a+)+``, ``(.*a){12}``, ``(\\w+\\s?)+``);
- overlapping alternation under a quantifier: two branches that match the same runs
  (``(\\d|\\d\\d)+``, ``(a|a)*``);
- adjacent overlapping quantifiers: two unbounded repeats in a row sharing a character
  (``\\d+\\d+``, ``\\w+\\s*\\w+``).

The ``regex`` package defuses some of these by itself, so a shape alone is a risk, not a
proof. Each suspect comes with an input built to exploit it — what leads to the repeat,
a long run of the shared character, then a character that makes the match fail — and
the pattern runs on it, searched and matched whole, under a time limit. Running out of
time confirms the risk. The crafted input is long enough that a well-behaved pattern
takes a small fraction of the limit even on a busy machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import regex

from service.definitions.lint import regex_tree as tree
from service.definitions.lint.regex_tree import Alt, Atomic, Node, Repeat, Seq

CONFIRM_TIMEOUT_SECONDS = 0.2
PUMP_LENGTH = 2000
# A repeat counts as "many" from here: (a|aa){1,3} cannot blow up, (a|aa){1,40} can.
MANY = 10
# What may follow the crafted run to make the match fail, in order of preference.
_BREAKERS = "!\n\x00 #~é"
# Runs tried when the pattern has no tree to craft an input from.
_GENERIC_PUMPS = "a1 -"


class Shape(StrEnum):
    NESTED_QUANTIFIERS = "nested quantifiers"
    OVERLAPPING_ALTERNATION = "overlapping alternation under a quantifier"
    ADJACENT_QUANTIFIERS = "adjacent overlapping quantifiers"


@dataclass(frozen=True)
class Suspect:
    """A risky shape and the input crafted to exploit it: ``prefix + pump * n + breaker + suffix``."""

    shape: Shape
    pump: str
    prefix: str = ""
    suffix: str = ""
    breaker: str = "!"

    def inputs(self) -> list[str]:
        run = self.prefix + self.pump * PUMP_LENGTH
        texts = [run + self.breaker + self.suffix]
        if self.suffix:
            texts.append(run + self.breaker)
        return texts


@dataclass(frozen=True)
class Verdict:
    suspects: tuple[Suspect, ...]
    analysed: bool  # False: no tree, only generic inputs were tried
    timed_out: bool  # the confirmation run reached its time limit
    timeout: float = CONFIRM_TIMEOUT_SECONDS


def examine(pattern: str, flags: int) -> Verdict:
    """Find risky shapes in ``pattern`` and try to confirm them; never raises for a bad pattern."""
    try:
        compiled = regex.compile(pattern, flags)
    except (regex.error, OverflowError, RecursionError):
        return Verdict((), analysed=False, timed_out=False)  # the loader reports patterns that do not compile
    root = tree.parse(pattern, flags)
    if root is None:
        generic = tuple(Suspect(Shape.NESTED_QUANTIFIERS, pump) for pump in _GENERIC_PUMPS)
        return Verdict((), analysed=False, timed_out=_runs_out_of_time(compiled, generic))
    suspects = tuple(_unique(find_suspects(root)))
    return Verdict(suspects, analysed=True, timed_out=bool(suspects) and _runs_out_of_time(compiled, suspects))


def find_suspects(root: Node) -> Iterator[Suspect]:
    yield from _walk(root, "", "")


def _walk(node: Node, before: str, after: str) -> Iterator[Suspect]:
    if isinstance(node, Atomic) or (isinstance(node, Repeat) and not node.backtracks):
        return  # nothing is tried again inside: no blow-up from here
    if isinstance(node, Seq):
        yield from _adjacent(node.items, before, after)
        for index, item in enumerate(node.items):
            leading = before + tree.samples(node.items[:index])
            yield from _walk(item, leading, tree.samples(node.items[index + 1 :]) + after)
    elif isinstance(node, Alt):
        for branch in node.branches:
            yield from _walk(branch, before, after)
    elif isinstance(node, Repeat):
        yield from _repeat_shapes(node, before, after)
        yield from _walk(node.body, before, after)


def _repeat_shapes(node: Repeat, before: str, after: str) -> Iterator[Suspect]:
    if node.max is not None and node.max < 2:
        return
    for character in sorted(tree.pump_characters(node.body)):
        low, high = tree.run_lengths(node.body, character) or (0, 0)
        # A body that takes runs of one character in two lengths can split a long run
        # between the iterations in exponentially many ways; under a bounded repeat
        # ({12}) it takes an unbounded inner repeat to do harm.
        if high is None or (node.max is None and high > low):
            shape = Shape.NESTED_QUANTIFIERS if _has_inner_repeat(node.body) else Shape.OVERLAPPING_ALTERNATION
            yield _suspect(shape, frozenset(character), before, after, node.body)
            break
    if node.max is None or node.max >= MANY:
        for alternation in _alternations(node.body):
            shared = _overlap(alternation)
            if shared:
                yield _suspect(Shape.OVERLAPPING_ALTERNATION, shared, before, after, node.body)


def _adjacent(items: tuple[Node, ...], before: str, after: str) -> Iterator[Suspect]:
    """Two unbounded repeats with only optional items between them, sharing a character."""
    for index, first in enumerate(items):
        if not _unbounded(first):
            continue
        for offset in range(index + 1, len(items)):
            second = items[offset]
            if _unbounded(second):
                between = items[index + 1 : offset]
                shared = tree.consumed(first) & tree.consumed(second)
                for middle in between:
                    shared &= tree.pump_characters(middle)
                if shared:
                    prefix = before + tree.samples(items[:index])
                    suffix = tree.samples(items[offset + 1 :]) + after
                    yield _suspect(Shape.ADJACENT_QUANTIFIERS, shared, prefix, suffix, Seq(items[index : offset + 1]))
                break
            if not tree.nullable(second):
                break


def _unbounded(node: Node) -> bool:
    return isinstance(node, Repeat) and node.backtracks and node.max is None and not tree.nullable(node.body)


def _has_inner_repeat(node: Node) -> bool:
    if isinstance(node, Repeat):
        return node.max is None or node.max > 1
    if isinstance(node, Seq | Alt):
        return any(_has_inner_repeat(child) for child in (node.items if isinstance(node, Seq) else node.branches))
    return isinstance(node, Atomic) and _has_inner_repeat(node.body)


def _alternations(node: Node) -> Iterator[Alt]:
    if isinstance(node, Alt):
        yield node
        for branch in node.branches:
            yield from _alternations(branch)
    elif isinstance(node, Seq):
        for item in node.items:
            yield from _alternations(item)
    elif isinstance(node, Repeat) and node.backtracks:
        yield from _alternations(node.body)


def _overlap(alternation: Alt) -> frozenset[str]:
    """Characters two non-empty branches can both match runs of."""
    branches = [branch for branch in alternation.branches if not tree.nullable(branch)]
    shared: frozenset[str] = frozenset()
    for index, first in enumerate(branches):
        for second in branches[index + 1 :]:
            shared |= tree.pump_characters(first) & tree.pump_characters(second)
    return shared


def _suspect(shape: Shape, shared: frozenset[str], before: str, after: str, body: Node) -> Suspect:
    loop_characters = tree.consumed(body)
    breaker = next((c for c in _BREAKERS if c not in loop_characters), "!")
    return Suspect(shape, tree.representative(shared), before, after, breaker)


def _unique(suspects: Iterator[Suspect]) -> Iterator[Suspect]:
    seen: set[Suspect] = set()
    for suspect in suspects:
        if suspect not in seen:
            seen.add(suspect)
            yield suspect


def _runs_out_of_time(compiled: regex.Pattern[str], suspects: tuple[Suspect, ...]) -> bool:
    for suspect in suspects:
        for text in suspect.inputs():
            for run in (compiled.search, compiled.fullmatch):
                try:
                    run(text, timeout=CONFIRM_TIMEOUT_SECONDS)
                except TimeoutError:
                    return True
    return False
