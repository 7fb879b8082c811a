"""All keyword terms of all SITs in one Aho-Corasick automaton, found in one pass per part.

Case-insensitive terms are matched against a lower-cased copy of the text of the same
length, so offsets in the copy are offsets in the original.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from service.definitions.model import KeywordElement, KeywordStyle
from service.engine.occurrences import ElementKey, Occurrence


def lower_same_length(text: str) -> str:
    """Lower-case ``text`` without changing its length (a few letters lower to two code points)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(low := char.lower()) != 1 else low for char in text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class _Entry:
    key: ElementKey
    length: int
    check_left: bool  # the term starts with a word character, so a word boundary is required there
    check_right: bool


class KeywordIndex:
    def __init__(self, elements: Iterable[tuple[ElementKey, KeywordElement]]) -> None:
        folded: dict[str, list[_Entry]] = defaultdict(list)
        exact: dict[str, list[_Entry]] = defaultdict(list)
        for key, element in elements:
            word = element.style is KeywordStyle.WORD
            for term in element.terms:
                target = exact if element.case_sensitive else folded
                needle = term if element.case_sensitive else lower_same_length(term)
                entry = _Entry(key, len(needle), word and _is_word_char(term[0]), word and _is_word_char(term[-1]))
                if entry not in target[needle]:
                    target[needle].append(entry)
        self._folded = _build(folded)
        self._exact = _build(exact)

    def find(self, text: str, wanted: set[int] | None = None) -> dict[ElementKey, list[Occurrence]]:
        """Occurrences per keyword element; ``wanted`` limits the result to those SIT indexes."""
        found: dict[ElementKey, list[Occurrence]] = defaultdict(list)
        if self._folded is not None:
            self._collect(self._folded, lower_same_length(text), text, wanted, found)
        if self._exact is not None:
            self._collect(self._exact, text, text, wanted, found)
        return found

    @staticmethod
    def _collect(
        automaton: ahocorasick.Automaton,
        haystack: str,
        text: str,
        wanted: set[int] | None,
        found: dict[ElementKey, list[Occurrence]],
    ) -> None:
        size = len(text)
        # Short terms ('exp', 'sha', 'tin') occur inside many words: this loop runs for every
        # such hit, so a hit that every entry of its term rejects is dropped at once.
        for last, (length, entries, left_always, right_always) in automaton.iter(haystack):
            start = last - length + 1
            end = last + 1
            word_before = start > 0 and ((char := text[start - 1]).isalnum() or char == "_")
            if word_before and left_always:
                continue
            word_after = end < size and ((char := text[end]).isalnum() or char == "_")
            if word_after and right_always:
                continue
            occurrence: Occurrence | None = None
            for entry in entries:
                if (entry.check_left and word_before) or (entry.check_right and word_after):
                    continue
                if wanted is not None and entry.key[0] not in wanted:
                    continue
                if occurrence is None:
                    occurrence = Occurrence(start, end, text[start:end])
                found[entry.key].append(occurrence)


def _build(terms: dict[str, list[_Entry]]) -> ahocorasick.Automaton | None:
    if not terms:
        return None
    automaton = ahocorasick.Automaton()
    for needle, entries in terms.items():
        # With the flags: whether every entry of the term needs a word boundary on that side.
        left_always = all(entry.check_left for entry in entries)
        right_always = all(entry.check_right for entry in entries)
        automaton.add_word(needle, (len(needle), tuple(entries), left_always, right_always))
    automaton.make_automaton()
    return automaton
