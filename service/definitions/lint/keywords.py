"""Keyword terms too short or too common to be evidence of anything.

A term is only a problem where it can decide a match on its own within a wide window:
``pw`` right beside a value (a proximity of a few dozen characters) is a name, while
``pw`` anywhere in 300 characters is the inside of "pwd", "npw", "upward".
"""

from __future__ import annotations

from collections.abc import Iterator

from service.definitions.lint.findings import Code, LintFinding, element_path, finding
from service.definitions.lint.requirements import decides_alone
from service.definitions.model import KeywordElement, KeywordStyle, SitDefinition

# A window this small keeps the term beside the value, where a short name is a name.
BESIDE_THE_VALUE = 40
# Words in every text, whatever it is about; as a `string` term they are inside many more.
_STOP_WORDS_TEXT = """
a an and are as at be by can do for from has have he her his i id if in is it its me my no not of on or our
she so that the their they this to up us was we were with you your
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def keyword_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    for name, element in definition.elements.items():
        if isinstance(element, KeywordElement) and _decides_in_a_wide_window(definition, name):
            for index, term in enumerate(element.terms):
                yield from _term_findings(definition, name, element, index, term)


def _decides_in_a_wide_window(definition: SitDefinition, name: str) -> bool:
    return any(
        decides_alone(pattern, name) and definition.pattern_proximity(pattern) > BESIDE_THE_VALUE
        for pattern in definition.patterns
    )


def _term_findings(
    definition: SitDefinition, name: str, element: KeywordElement, index: int, term: str
) -> Iterator[LintFinding]:
    path = f"{element_path(name)}.keywords.terms[{index}]"
    text = term.strip()
    if text.casefold() in STOP_WORDS:
        yield finding(
            definition,
            Code.KEYWORD_TERM_STOP_WORD,
            path,
            f"{term!r} is a common word found in any text: alone it is no evidence; "
            "use a longer name, or pair it with other evidence or a proximity of at most "
            f"{BESIDE_THE_VALUE}",
        )
        return
    # Scripts without spaces pack a word into one or two characters: only Latin-script terms are measured.
    if not text.isascii():
        return
    string_style = element.style is KeywordStyle.STRING
    if len(text) == 1 or (string_style and len(text) == 2):
        where = "inside any word" if string_style else "as a word"
        yield finding(
            definition,
            Code.KEYWORD_TERM_TOO_SHORT,
            path,
            f"{term!r} has {len(text)} character{'s' if len(text) != 1 else ''} and occurs {where} in most texts; "
            f"use a longer term, style: word, or a proximity of at most {BESIDE_THE_VALUE}",
        )
    elif len(text) == 2:
        yield finding(
            definition,
            Code.KEYWORD_TERM_SHORT,
            path,
            f"{term!r} is a two-letter word: many abbreviations share it; "
            "make sure it means this SIT's data in the texts you scan",
        )
