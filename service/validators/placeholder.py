"""Mockups, redactions and placeholders: values written where a secret would be, but are not one.

Each heuristic is a small named predicate, tested on its own; ``placeholder_reason``
runs them in order and names the first that fires. A known kind prefix (``ghp_``,
``pypi-``, ``sk_live_``…) is set aside first, so ``ghp_xxxx…`` is judged by its body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ahocorasick
import regex
from marshmallow import Schema, fields, validate

from service.validators.registry import register

MASK_CHARACTERS = frozenset("*xX#•●.-_?")
SEQUENCE_RUN = 6
REPEAT_RUN = 6
PLACEHOLDER_WORDS = (
    "password", "passw0rd", "changeme", "change_me", "changeit", "example", "sample", "dummy", "placeholder",
    "redacted", "your_token_here", "your_api_key", "yourtoken", "your-token", "yourapikey", "insert_", "replace_me",
    "replaceme", "todo", "fake", "mock", "foobar", "lorem", "secret_here", "token_here", "key_here", "notreal",
    "not_a_real", "xxx",
)  # fmt: skip
_SEQUENCES = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)
_KIND_PREFIX = regex.compile(r"^[A-Za-z][A-Za-z0-9]{0,9}[_-](?:[a-z]{2,5}_)?")
_TEMPLATE = regex.compile(
    r"<[^<>]{1,64}>|\$\{[^{}]{0,64}\}|\{\{[^{}]{0,64}\}\}|%[A-Za-z_][A-Za-z0-9_]*%|^\$[A-Za-z_]\w*$|\[[^\[\]]{1,64}\]"
)
_IDENTICAL_RUN = regex.compile(rf"(.)\1{{{REPEAT_RUN - 1},}}")
_SHORT_UNIT_REPEATED = regex.compile(r"^(.{2,4}?)\1{2,}.{0,3}$")


def body_of(value: str) -> str:
    """The value without a kind prefix such as ``ghp_``, unless that would leave little."""
    match = _KIND_PREFIX.match(value)
    if match is not None and len(value) - match.end() >= 8:
        return value[match.end() :]
    return value


def is_masked(value: str) -> bool:
    """Mostly mask characters: ``********``, ``xxxxxxxx``, ``ghp_XXXX…``, ``••••``."""
    body = body_of(value)
    masked = sum(1 for char in body if char in MASK_CHARACTERS)
    return len(body) >= 3 and masked * 4 >= len(body) * 3


def is_template(value: str) -> bool:
    """A template or documentation slot: ``<token>``, ``${TOKEN}``, ``{{ token }}``, ``%TOKEN%``, ``$TOKEN``."""
    return _TEMPLATE.search(value) is not None


def _sequential_runs() -> ahocorasick.Automaton:
    runs = {
        text[start : start + SEQUENCE_RUN]
        for sequence in _SEQUENCES
        for text in (sequence, sequence[::-1])
        for start in range(len(text) - SEQUENCE_RUN + 1)
    }
    # Every six-character run in one automaton: this check runs on every candidate value.
    automaton = ahocorasick.Automaton()
    for run in runs:
        automaton.add_word(run, run)
    automaton.make_automaton()
    return automaton


_SEQUENTIAL_RUNS = _sequential_runs()


def has_sequential_run(value: str) -> bool:
    """Six or more characters in alphabet, digit or keyboard order, forwards or backwards."""
    return next(_SEQUENTIAL_RUNS.iter(value.lower()), None) is not None


def is_repeated(value: str) -> bool:
    """A run of six identical characters, very few distinct characters, or a short unit repeated."""
    body = body_of(value)
    if _IDENTICAL_RUN.search(body):
        return True
    significant = [char for char in body if char.isalnum()]
    if len(significant) >= 8 and len(set(significant)) < 3:
        return True
    return len(body) >= 8 and _SHORT_UNIT_REPEATED.match(body) is not None


def contains_placeholder_word(value: str, extra_words: Iterable[str] = ()) -> bool:
    """A word that people write instead of a secret: ``password``, ``changeme``, ``your_token_here``…"""
    lowered = value.lower()
    return any(word in lowered for word in (*PLACEHOLDER_WORDS, *(w.lower() for w in extra_words)))


HEURISTICS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("masked or redacted", is_masked),
    ("a template variable", is_template),
    ("sequential characters", has_sequential_run),
    ("repeated characters", is_repeated),
)


def placeholder_reason(value: str, extra_words: Iterable[str] = ()) -> str | None:
    for name, predicate in HEURISTICS:
        if predicate(value):
            return f"looks like a placeholder: {name}"
    if contains_placeholder_word(value, extra_words):
        return "looks like a placeholder: a placeholder word"
    return None


class PlaceholderParams(Schema):
    extra_words = fields.List(fields.String(validate=validate.Length(min=2)), load_default=list)


@register("not_placeholder", params=PlaceholderParams)
def check_not_placeholder(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects mockups, redactions and placeholders."""
    return placeholder_reason(value, params["extra_words"])
