"""Whole-word keywords in scripts written without spaces (Chinese, Japanese, Thai, …).

A whole-word term must not be inside a longer word of its own script. Where a script
puts no spaces between words, a term touching its neighbours is the normal case, so a
term edge in such a script needs no boundary, and a letter of such a script does not
make a Latin term part of a longer word. Hangul is written with spaces and keeps the
boundary.
"""

from __future__ import annotations

import pytest

from service.definitions.model import KeywordElement, KeywordStyle
from service.engine import ClassifyOptions, Part, Scanner
from service.engine.keywords import KeywordIndex

KEY = (0, "kw")
TERMS = ("身份证号", "บัตรประชาชน", "マイナンバー", "id card", "주민등록번호", "exp")
ELEMENTS = [(KEY, KeywordElement("kw", TERMS, KeywordStyle.WORD))]


@pytest.fixture(params=[False, True], ids=["automaton", "accelerated"])
def index(request: pytest.FixtureRequest) -> KeywordIndex:
    return KeywordIndex(ELEMENTS, accelerate=request.param)


def found(index: KeywordIndex, text: str) -> list[str]:
    return [occurrence.text for occurrence in index.find(text).get(KEY, [])]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("公民身份证号码110105196811252907", "身份证号"),
        ("บัตรประชาชนเลขที่ 2-1232-79456-86-5", "บัตรประชาชน"),
        ("ผู้ถือบัตรประชาชนหมายเลข", "บัตรประชาชน"),
        ("個人番号（マイナンバー）は", "マイナンバー"),
        ("あなたのマイナンバーを", "マイナンバー"),
        ("请提供id card号码", "id card"),
        ("有效期exp 12/30", "exp"),
    ],
)
def test_terms_touching_words_of_unspaced_scripts_are_found(index: KeywordIndex, text: str, term: str) -> None:
    assert found(index, text) == [term]


@pytest.mark.parametrize(
    "text",
    [
        "expires 12/30",  # inside a longer Latin word
        "id cards",
        "주민등록번호의",  # Hangul is written with spaces: a longer word
        "가주민등록번호",
        "expédition",  # a longer word with a Latin letter beyond ASCII
    ],
)
def test_terms_inside_longer_words_of_spaced_scripts_are_not(index: KeywordIndex, text: str) -> None:
    assert found(index, text) == []


def test_hangul_terms_standing_alone_are_found(index: KeywordIndex) -> None:
    assert found(index, "주민등록번호: 900101-1234567") == ["주민등록번호"]


@pytest.mark.parametrize(
    ("sit", "text"),
    [
        ("China resident identity card (PRC) number", "公民身份证号码110105196811252907"),
        ("China resident identity card (PRC) number", "居民身份证号码为110105196811252907。"),
        ("Thailand population identification code", "บัตรประชาชนเลขที่ 2-1232-79456-86-5"),
        ("Thailand population identification code", "ผู้ถือบัตรประชาชนหมายเลข1-1017-00234-63-1"),
    ],
)
def test_identity_numbers_after_keywords_written_without_spaces(builtin_scanner: Scanner, sit: str, text: str) -> None:
    result = builtin_scanner.classify([Part("doc", text)], ClassifyOptions(min_confidence=1)).result_for(sit)
    assert result is not None and result.confidence == 85
