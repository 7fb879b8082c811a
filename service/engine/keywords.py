"""All keyword terms of all SITs, found in one pass per part.

Case-insensitive terms are matched against a lower-cased copy of the text of the same
length, so offsets in the copy are offsets in the original.

Two ways to the same answer: an Aho-Corasick automaton (pyahocorasick) for any text, and,
for ASCII text when Hyperscan is available, Hyperscan's literal matcher, an order of
magnitude faster. Whole-word terms ('exp', 'sha', 'pan') would be found inside countless
longer words and rejected one by one; Hyperscan looks for them as " term " in a copy of
the text whose other non-word characters are spaces, so that only whole words come back.
(Text beyond ASCII takes the automaton, with Python's Unicode notion of a word character,
except in scripts written without spaces, where a term may touch the words around it.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from service.definitions.model import KeywordElement, KeywordStyle
from service.engine.hyperscan_build import DatabaseSet, build_database_set, hyperscan_available
from service.engine.occurrences import ElementKey, Occurrence


def lower_same_length(text: str) -> str:
    """Lower-case ``text`` without changing its length (a few letters lower to two code points)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(low := char.lower()) != 1 else low for char in text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Han, kana): a
# whole word cannot be told from its neighbours there, so a term edge in one of them
# needs no boundary, and a letter of one of them next to a term does not lengthen it.
# Hangul is written with spaces and is not listed.
_UNSPACED_SCRIPTS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x3005, 0x3007),  # ideographic iteration and closing marks, ideographic zero
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def _is_unspaced(char: str) -> bool:
    code = ord(char)
    return code >= 0x0E00 and any(low <= code <= high for low, high in _UNSPACED_SCRIPTS)


def _lengthens_word(char: str) -> bool:
    """A character that, next to a whole-word term, makes it part of a longer word."""
    if not (char.isalnum() or char == "_"):
        return False
    return char < "\u0e00" or not _is_unspaced(char)


# Bytes that are not ASCII word characters, as spaces.
_SPACED = bytes(code if code < 128 and _is_word_char(chr(code)) else ord(" ") for code in range(256))

Found = dict[ElementKey, list[Occurrence]]


@dataclass(frozen=True)
class _Entry:
    key: ElementKey
    length: int
    check_left: bool  # the term starts with a word character, so a word boundary is required there
    check_right: bool


@dataclass(frozen=True)
class _Term:
    """What a hit of one needle means: its entries, and whether all need a boundary on a side."""

    length: int
    entries: tuple[_Entry, ...]
    left_always: bool
    right_always: bool

    @classmethod
    def of(cls, needle: str, entries: list[_Entry]) -> _Term:
        return cls(
            len(needle),
            tuple(entries),
            all(entry.check_left for entry in entries),
            all(entry.check_right for entry in entries),
        )


class KeywordIndex:
    def __init__(self, elements: Iterable[tuple[ElementKey, KeywordElement]], accelerate: bool = False) -> None:
        """``accelerate``: also build the Hyperscan path (when the package is installed)."""
        folded: dict[str, list[_Entry]] = defaultdict(list)
        exact: dict[str, list[_Entry]] = defaultdict(list)
        for key, element in elements:
            word = element.style is KeywordStyle.WORD
            for term in element.terms:
                target = exact if element.case_sensitive else folded
                needle = term if element.case_sensitive else lower_same_length(term)
                entry = _Entry(key, len(needle), word and _lengthens_word(term[0]), word and _lengthens_word(term[-1]))
                if entry not in target[needle]:
                    target[needle].append(entry)
        self._folded = _automaton(folded)
        self._exact = _automaton(exact)
        self._literal = _LiteralSearch.build(folded) if accelerate and hyperscan_available() and folded else None

    def find(self, text: str, wanted: set[int] | None = None) -> Found:
        """Occurrences per keyword element; ``wanted`` limits the result to those SIT indexes."""
        found: Found = defaultdict(list)
        if self._folded is not None:
            lowered = lower_same_length(text)
            if self._literal is not None:
                self._literal.collect(lowered, text, wanted, found)
            else:
                for last, term in self._folded.iter(lowered):
                    _emit(last - term.length + 1, last + 1, term, text, wanted, found)
        if self._exact is not None:
            for last, term in self._exact.iter(text):
                _emit(last - term.length + 1, last + 1, term, text, wanted, found)
        return found


def _emit(start: int, end: int, term: _Term, text: str, wanted: set[int] | None, found: Found) -> None:
    """Record a hit for each entry whose word boundaries hold."""
    # Runs for every hit of a short term inside a longer word: reject those at once.
    word_before = start > 0 and _lengthens_word(text[start - 1])
    if word_before and term.left_always:
        return
    word_after = end < len(text) and _lengthens_word(text[end])
    if word_after and term.right_always:
        return
    occurrence: Occurrence | None = None
    for entry in term.entries:
        if (entry.check_left and word_before) or (entry.check_right and word_after):
            continue
        if wanted is not None and entry.key[0] not in wanted:
            continue
        if occurrence is None:
            occurrence = Occurrence(start, end, text[start:end])
        found[entry.key].append(occurrence)


def _automaton(terms: dict[str, list[_Entry]]) -> ahocorasick.Automaton | None:
    if not terms:
        return None
    automaton = ahocorasick.Automaton()
    for needle, entries in terms.items():
        automaton.add_word(needle, _Term.of(needle, entries))
    automaton.make_automaton()
    return automaton


class _LiteralSearch:
    """Case-folded terms with Hyperscan's literal matcher, for ASCII text."""

    def __init__(
        self,
        databases: DatabaseSet,
        terms: list[_Term],
        whole_word_from: int,
        beyond_ascii: tuple[DatabaseSet, list[_Term]] | None = None,
    ) -> None:
        self._databases = databases
        self._terms = terms  # by expression id: other terms first, then whole-word terms
        self._whole_word_from = whole_word_from
        # Terms with characters beyond ASCII, as UTF-8 literals, looked for only in such text.
        self._beyond_ascii = beyond_ascii

    @classmethod
    def build(cls, folded: dict[str, list[_Entry]]) -> _LiteralSearch | None:
        groups: tuple[dict[str, list[_Entry]], dict[str, list[_Entry]]] = (defaultdict(list), defaultdict(list))
        others, whole_words = groups
        beyond = {needle: entries for needle, entries in folded.items() if not needle.isascii()}
        for needle, entries in folded.items():
            if needle in beyond:
                continue
            for entry in entries:
                if entry.check_left and entry.check_right and all(_is_word_char(char) for char in needle):
                    whole_words[f" {needle} "].append(entry)
                else:
                    others[needle].append(entry)
        chunks = [[(needle.encode("ascii"), 0) for needle in group] for group in groups if group]
        databases = build_database_set(chunks, literal=True)
        if databases is None:
            return None
        terms = [_Term.of(needle, entries) for group in groups for needle, entries in group.items()]
        beyond_ascii: tuple[DatabaseSet, list[_Term]] | None = None
        if beyond:
            utf8 = build_database_set([[(_utf8(needle), 0) for needle in beyond]], literal=True)
            if utf8 is None:
                return None
            beyond_ascii = (utf8, [_Term.of(needle, entries) for needle, entries in beyond.items()])
        return cls(databases, terms, len(others), beyond_ascii)

    def collect(self, lowered: str, text: str, wanted: set[int] | None, found: Found) -> None:
        hits: list[tuple[int, int]] = []

        def on_match(expression_id: int, start: int, end: int, flags: int, context: object) -> None:
            hits.append((expression_id, end))

        # Every character beyond ASCII becomes one "?": offsets stay those of the text, and an
        # ASCII term can only match where the text is ASCII. (Lower-casing comes first: the
        # Kelvin sign lowers to an ASCII "k".) In the whole-word copy "?" is a space like any
        # other non-word character, so a term beside a letter beyond ASCII is checked again below.
        data = lowered.encode("ascii", "replace")
        spaced = b" " + data.translate(_SPACED) + b" "
        beyond_ascii = not text.isascii()
        for part in self._databases.parts:
            self._databases.scan(spaced if part[1] >= self._whole_word_from else data, on_match, [part])
        for expression_id, end in hits:
            term = self._terms[expression_id]
            if expression_id < self._whole_word_from:
                _emit(end - term.length, end, term, text, wanted, found)
                continue
            # " term " ends (exclusive) at ``end`` in the copy, which has one more character in
            # front: the term is at [end - length, end - 2) in the text, bounded by non-words.
            start, stop = end - term.length, end - 2
            if beyond_ascii and (
                (start > 0 and _lengthens_word(text[start - 1])) or (stop < len(text) and _lengthens_word(text[stop]))
            ):
                continue
            occurrence = Occurrence(start, stop, text[start:stop])
            for entry in term.entries:
                if wanted is None or entry.key[0] in wanted:
                    found[entry.key].append(occurrence)
        if beyond_ascii and self._beyond_ascii is not None:
            self._collect_beyond_ascii(lowered, text, wanted, found)

    def _collect_beyond_ascii(self, lowered: str, text: str, wanted: set[int] | None, found: Found) -> None:
        databases, terms = self._beyond_ascii or (None, [])
        assert databases is not None
        hits: list[tuple[int, int]] = []

        def on_match(expression_id: int, start: int, end: int, flags: int, context: object) -> None:
            hits.append((end, expression_id))

        data = _utf8(lowered)
        databases.scan(data, on_match)
        # Byte offsets to character offsets, decoding only up to each hit in turn: a whole UTF-8
        # term matched in UTF-8 text starts and ends on character boundaries.
        position = characters = 0
        for end, expression_id in sorted(hits):
            characters += len(data[position:end].decode("utf-8", "surrogatepass"))
            position = end
            term = terms[expression_id]
            _emit(characters - term.length, characters, term, text, wanted, found)


def _utf8(text: str) -> bytes:
    # Text decoded with surrogate escapes may hold lone surrogates: they pass as three bytes each.
    return text.encode("utf-8", "surrogatepass")
