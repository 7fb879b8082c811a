"""Both ways of finding keywords (Aho-Corasick, Hyperscan literals) give the same occurrences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.definitions.model import KeywordElement, KeywordStyle
from service.engine.hyperscan_build import hyperscan_available
from service.engine.keywords import KeywordIndex

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="compares with the hyperscan path")

ELEMENTS = [
    ((0, "kw_word"), KeywordElement("kw_word", ("exp", "sha", "card number", "token=", "c.v.v"), KeywordStyle.WORD)),
    ((0, "kw_string"), KeywordElement("kw_string", ("pass", "exp", "ssn"), KeywordStyle.STRING)),
    ((1, "kw_case"), KeywordElement("kw_case", ("SSN", "Exp"), KeywordStyle.WORD, case_sensitive=True)),
    ((1, "kw_other"), KeywordElement("kw_other", ("sha", "número"), KeywordStyle.WORD)),
]


def both() -> tuple[KeywordIndex, KeywordIndex]:
    return KeywordIndex(ELEMENTS, accelerate=False), KeywordIndex(ELEMENTS, accelerate=True)


def occurrences(index: KeywordIndex, text: str, wanted: set[int] | None = None) -> dict[object, list[object]]:
    return {key: sorted(items) for key, items in index.find(text, wanted).items()}


def test_whole_words_are_found_only_as_whole_words() -> None:
    plain, fast = both()
    text = "exp: 12/29, expires, sha256 sha, SHA_1 sha. Exp token=abc card number_ card number"
    found = occurrences(fast, text)
    assert found == occurrences(plain, text)
    # Not inside "expires", "sha256", "SHA_1" or "number_".
    assert [o.text for o in found[(0, "kw_word")]] == ["exp", "sha", "sha", "Exp", "token=", "card number"]
    assert [o.start for o in found[(1, "kw_case")]] == [text.index("Exp ")]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.sampled_from(["exp", "sha", "SHA", "pass", "ssn", "SSN", "token=", "card number", "c.v.v", "Exp", "_", "1",
                         " ", "-", ".", "\n", "a", "número", "NÚMERO", "é", "—", "漢", "ก", "\u212a", "İ", "ß", "😀",
                         "\x00", "\udc80"]),
        max_size=30,
    )
)  # fmt: skip
def test_random_texts_give_the_same_occurrences(chunks: list[str]) -> None:
    plain, fast = both()
    text = "".join(chunks)
    assert occurrences(fast, text) == occurrences(plain, text)
    assert occurrences(fast, text, {1}) == occurrences(plain, text, {1})


def test_terms_beside_characters_beyond_ascii_keep_their_word_boundaries() -> None:
    plain, fast = both()
    # An em dash does not lengthen a word; é does; a Thai letter touches words without spaces.
    text = "—exp— éexp expé กexpก sha漢 número: 😀ssn"
    found = occurrences(fast, text)
    assert found == occurrences(plain, text)
    assert [o.start for o in found[(0, "kw_word")]] == [1, text.index("กexp") + 1, text.index("sha")]
    assert [o.text for o in found[(1, "kw_other")]] == ["sha", "número"]
