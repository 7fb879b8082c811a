"""Eight bare digits that spell a calendar date are read as a date first."""

from __future__ import annotations

import datetime

import pytest

from service.validators import VALIDATORS
from service.validators.compact_dates import check_not_compact_date, compact_date

NOT_COMPACT_DATE = VALIDATORS.get("not_compact_date")
assert NOT_COMPACT_DATE is not None
DEFAULTS = NOT_COMPACT_DATE.load_params({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240318", datetime.date(2024, 3, 18)),
        ("20171219", datetime.date(2017, 12, 19)),
        ("19930718", datetime.date(1993, 7, 18)),
        ("20240229", datetime.date(2024, 2, 29)),
    ],
)
def test_compact_dates_are_read_and_rejected(text: str, expected: datetime.date) -> None:
    assert compact_date(text) == expected
    assert check_not_compact_date(text, DEFAULTS) is not None


@pytest.mark.parametrize(
    "text",
    [
        "20230229",  # no 29 February in 2023
        "20241318",  # no month 13
        "20240332",  # no day 32
        "18991231",  # before the default range
        "79477370",  # year 7947
        "2024031",  # seven digits
        "202403180",  # nine digits
        "2024.03.18",  # written with separators: not the bare form
        "２０２４０３１８",  # full-width digits are not the ASCII form
    ],
)
def test_other_values_pass(text: str) -> None:
    assert compact_date(text) is None
    assert check_not_compact_date(text, DEFAULTS) is None


def test_the_year_range_is_a_parameter() -> None:
    narrow = NOT_COMPACT_DATE.load_params({"min_year": 2000, "max_year": 2030})
    assert check_not_compact_date("19930718", narrow) is None
    assert check_not_compact_date("20240318", narrow) is not None
