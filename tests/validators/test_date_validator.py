from __future__ import annotations

import datetime

import pytest

from service.validators import VALIDATORS
from service.validators.dates import check_date, parse_date

DATE = VALIDATORS.get("date")
assert DATE is not None
DEFAULTS = DATE.load_params({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1986-04-12", datetime.date(1986, 4, 12)),
        ("12.04.1986", datetime.date(1986, 4, 12)),
        ("29/02/2024", datetime.date(2024, 2, 29)),
        ("April 12, 1986", datetime.date(1986, 4, 12)),
        ("12 Apr 1986", datetime.date(1986, 4, 12)),
    ],
)
def test_dates_in_common_formats_parse(text: str, expected: datetime.date) -> None:
    assert parse_date(text) == expected
    assert check_date(text, DEFAULTS) is None


@pytest.mark.parametrize("text", ["31/02/1990", "29/02/2023", "13/13/2020", "1986-04-32", "not a date", "2026"])
def test_impossible_dates_fail(text: str) -> None:
    assert check_date(text, DEFAULTS) == "not a calendar date in the accepted formats"


def test_year_range_and_formats_are_parameters() -> None:
    assert DATE is not None
    narrow = DATE.load_params({"formats": ["%Y-%m-%d"], "min_year": 1900, "max_year": 2030})
    assert check_date("1850-01-01", narrow) == "year is before the accepted range"
    assert check_date("2031-01-01", narrow) == "year is after the accepted range"
    assert check_date("01.01.2000", narrow) == "not a calendar date in the accepted formats"
    assert check_date("2000-01-01", narrow) is None
