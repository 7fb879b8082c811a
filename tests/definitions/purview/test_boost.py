"""Each Boost construct whose meaning differs here: translated (and matching as Boost would) or rejected."""

from __future__ import annotations

import pytest
import regex

from service.definitions.purview.boost import RegexTranslationError, from_boost, to_boost


def imported(pattern: str) -> regex.Pattern[str]:
    ours, case_sensitive, _ = from_boost(pattern)
    return regex.compile(ours, regex.ASCII | (0 if case_sensitive else regex.IGNORECASE))


@pytest.mark.parametrize(
    ("boost", "ours", "matches", "misses"),
    [
        (r"\d{3}\z", r"\d{3}\Z", ["id 123"], ["id 123\n"]),  # \z: the very end only
        (r"\d{3}\Z", r"\d{3}(?=\n?\Z)", ["id 123", "id 123\n"], ["id 123\n\n"]),  # \Z: before a final newline too
        (r"\<id\>", r"(?<!\w)(?=\w)id(?<=\w)(?!\w)", ["an id here"], ["grid", "idle"]),
        (r"a\hb", r"a[\t\x20\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000]b", ["a b", "a\tb"], ["a\nb"]),
        (r"[\h,]", r"[\t\x20\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000,]", [" ", ","], ["\n"]),
        (r"[[:digit:]]{2}", r"[0-9]{2}", ["42"], ["٤٢"]),
        (r"[[:upper:][:digit:]]", r"[A-Z0-9]", ["Q", "7"], ["q"]),
        (r"\d(?#the check digit)", r"\d", ["7"], ["#"]),
        (r"(?i)abc", "abc", ["ABC"], ["abd"]),
        (r"x(?i)ab", "x(?i:ab)", ["xAB"], ["XAB"]),  # Boost: the rest of the group only
        (r"(x(?i)a)b", "(x(?i:a))b", ["xAb"], ["xAB"]),
        (r"\Qa.b*\E", r"a\.b\*", ["a.b*"], ["axb"]),
        (r"\x{2000}", r"\u2000", ["\u2000"], [" "]),
        (r"(?<n>\d)\k<n>", r"(?<n>\d)(?P=n)", ["33"], ["34"]),
        (r"a.b", r"(?sm)a.b", ["a\nb"], ["ab"]),  # Boost's . takes a line break
        (r"^id$", r"(?sm)^id$", ["x\nid\ny"], ["x id"]),  # and ^ $ match at every line
        (r"(?>a+)b", r"(?>a+)b", ["aab"], ["ac"]),  # atomic groups mean the same: kept
        (r"a++b", r"a++b", ["aab"], ["ac"]),  # so do possessive quantifiers
    ],
)
def test_a_boost_construct_is_translated_to_the_same_meaning(
    boost: str, ours: str, matches: list[str], misses: list[str]
) -> None:
    assert from_boost(boost)[0] == ours
    compiled = imported(boost)
    assert all(compiled.search(text) for text in matches)
    assert not any(compiled.search(text) for text in misses)


def test_leading_case_flag_becomes_case_insensitivity() -> None:
    assert from_boost("(?i)staff")[:2] == ("staff", False)
    assert from_boost("staff")[:2] == ("staff", True)


@pytest.mark.parametrize(
    ("boost", "reason"),
    [
        (r"a\vb", "vertical tab in some Boost versions"),
        (r"[\v]", "vertical tab in some Boost versions"),
        (r"a\Vb", r"\V has no counterpart"),
        (r"a\Hb", r"\H (not horizontal space)"),
        (r"[[:nosuch:]]", "POSIX class"),
    ],
)
def test_a_boost_construct_without_a_safe_translation_is_rejected(boost: str, reason: str) -> None:
    with pytest.raises(RegexTranslationError, match=regex.escape(reason)):
        from_boost(boost)


@pytest.mark.parametrize(
    ("ours", "case_sensitive", "boost"),
    [
        (r"\d\Z", True, r"\d\z"),
        (r"(?P<key>\d)(?P=key)", True, r"(?<key>\d)\k<key>"),
        ("a.b", True, "(?-sm)a.b"),
        ("(?sm)a.b", True, "a.b"),
        ("abc", False, "(?i)abc"),
        (r"\u00e9", True, r"\x{00e9}"),
        (r"\mid\M", True, r"\<id\>"),
    ],
)
def test_our_constructs_are_written_as_boost_spells_them(ours: str, case_sensitive: bool, boost: str) -> None:
    assert to_boost(ours, case_sensitive)[0] == boost


@pytest.mark.parametrize(
    ("ours", "reason"),
    [
        ("a(?i)b", "applies to all of it here"),
        (r"(?:cat){e<=1}", "fuzzy matching"),
        (r"\N{EM DASH}", "no named characters"),
        ("(?|(a)|(b))", "particular to the regex package"),
    ],
)
def test_our_constructs_without_a_boost_form_are_rejected(ours: str, reason: str) -> None:
    with pytest.raises(RegexTranslationError, match=regex.escape(reason)):
        to_boost(ours, True)


@pytest.mark.parametrize(
    "boost",
    [r"\<\d{7}\>", r"[[:digit:]]{2}\h\z", r"(?i)FAB-\d{4}\Z", "a.b^", r"x(?i)y", r"(?<n>a)\k<n>", r"[\x{2000}]"],
)
def test_a_translated_pattern_survives_the_round_trip(boost: str) -> None:
    ours, case_sensitive, _ = from_boost(boost)
    assert from_boost(to_boost(ours, case_sensitive)[0])[:2] == (ours, case_sensitive)
