from __future__ import annotations

import pytest

from service.functions import DETECTORS

DATE = DETECTORS.get("date")
EXPIRY = DETECTORS.get("expiration_date")
assert DATE is not None and EXPIRY is not None


def found(detector_name: str, text: str) -> list[str]:
    detector = DETECTORS.get(detector_name)
    assert detector is not None
    return [text[start:end] for start, end in detector.find(text, detector.load_params({}))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("born 1986-04-12 in Lyon", ["1986-04-12"]),
        ("DOB: 04/12/1986", ["04/12/1986"]),
        ("DOB: 25/12/1986", ["25/12/1986"]),  # only valid day-first
        ("DOB: 12/25/1986", ["12/25/1986"]),  # only valid month-first
        ("Geburtsdatum 12.04.1986", ["12.04.1986"]),
        ("born 12 March 1985 and 3rd Apr 1990", ["12 March 1985", "3rd Apr 1990"]),
        ("born March 12, 1985", ["March 12, 1985"]),
        ("né le 5 juillet 1979", ["5 juillet 1979"]),
    ],
)
def test_dates_are_found(text: str, expected: list[str]) -> None:
    assert found("date", text) == expected


@pytest.mark.parametrize(
    "text",
    ["31/02/1990", "version 1.2.2024.5", "13/13/2020", "1986-04-12-7", "2024/1/2/3", "12 Smarch 1985", "05-12/1990"],
)
def test_impossible_or_ambiguous_strings_are_not_dates(text: str) -> None:
    assert found("date", text) == []


def test_date_years_outside_the_range_are_ignored() -> None:
    assert DATE is not None
    params = DATE.load_params({"min_year": 1950, "max_year": 2010})
    assert list(DATE.find("1949-01-01 2011-01-01 1980-01-01", params)) == [(22, 32)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("exp 08/29", ["08/29"]),
        ("valid thru 8/2029", ["8/2029"]),
        ("expires 11-27", ["11-27"]),
        ("exp: 12 / 30", ["12 / 30"]),
    ],
)
def test_expiry_dates_are_found(text: str, expected: list[str]) -> None:
    assert found("expiration_date", text) == expected


@pytest.mark.parametrize("text", ["13/29", "00/25", "08/1999", "1/2/2024", "3.5/10", "page 10/12/2024"])
def test_non_expiry_values_are_ignored(text: str) -> None:
    assert found("expiration_date", text) == []


def test_a_sentence_ending_period_does_not_hide_a_date() -> None:
    assert found("expiration_date", "Card expires 08/29.") == ["08/29"]
    assert found("date", "She was born on 1986-04-12.") == ["1986-04-12"]
