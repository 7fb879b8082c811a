from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from service.validators import VALIDATORS
from service.validators.weighted import check_weighted

WEIGHTED = VALIDATORS.get("weighted_checksum")
assert WEIGHTED is not None


def params(**raw: Any) -> dict[str, Any]:
    assert WEIGHTED is not None
    return WEIGHTED.load_params(raw)


ISBN10 = params(weights=list(range(1, 10)), modulus=11, check_alphabet="0123456789X", length=10)
BSN = params(weights=[9, 8, 7, 6, 5, 4, 3, 2, -1], modulus=11, mode="zero_sum", length=9)
DNI = params(weights=[1], modulus=23, mode="number_mod", check_alphabet="TRWAGMYFPDXBNJZSQVHLCKE", length=9)
EAN13 = params(weights=[1, 3], repeat_weights=True, modulus=10, mode="complement", length=13)


@pytest.mark.parametrize(
    ("value", "rules"),
    [
        ("0-306-40615-2", ISBN10),  # the worked example in descriptions of the ISBN-10 check digit
        ("0-8044-2957-X", ISBN10),  # an ISBN-10 whose check value is 10, written X
        ("111222333", BSN),  # the Dutch government's example BSN for the 11-proef
        ("12345678Z", DNI),  # the Spanish DNI example: 12345678 mod 23 = 14 → Z
        ("4006381333931", EAN13),  # EAN-13 example from GS1's check digit calculator page
        ("9780306406157", EAN13),  # the ISBN-13 of 0-306-40615-2
    ],
)
def test_published_values_pass(value: str, rules: dict[str, Any]) -> None:
    assert check_weighted(value, rules) is None


@pytest.mark.parametrize(
    ("value", "rules"),
    [
        ("0-306-40615-3", ISBN10),
        ("123456789", BSN),
        ("12345678A", DNI),
        ("4006381333932", EAN13),
    ],
)
def test_wrong_check_characters_fail(value: str, rules: dict[str, Any]) -> None:
    assert check_weighted(value, rules) is not None


def test_check_value_of_ten_without_alphabet_is_invalid() -> None:
    # 0-8044-2957-? needs check value 10: with digits only, no check digit can be right.
    rules = params(weights=list(range(1, 10)), modulus=11)
    assert check_weighted("0804429570", rules) == "no valid check digit exists for this number"


def test_check_position_and_letters() -> None:
    # Check digit first, payload 'A7' as alnum36 values 10 and 7, weights 2,1: 27 mod 10 = 7.
    rules = params(weights=[2, 1], modulus=10, check_position=0, char_values="alnum36")
    assert check_weighted("7A7", rules) is None
    assert check_weighted("8A7", rules) == "check digit does not match"


def test_weights_aligned_from_the_right() -> None:
    rules = params(weights=[3, 1], repeat_weights=True, weights_from="right", modulus=10, mode="complement")
    assert check_weighted("4006381333931", rules) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [("03064061", "length is not 10"), ("0-306-4O615-2", "does not accept"), ("1", "length is not 10")],
)
def test_malformed_values_fail_with_a_reason(value: str, reason: str) -> None:
    result = check_weighted(value, ISBN10)
    assert result is not None and reason in result


def test_weights_that_do_not_fit_the_value_fail_clearly() -> None:
    rules = params(weights=[1, 2, 3], modulus=10)
    assert check_weighted("123456", rules) == "the number of weights does not fit the value"


@pytest.mark.parametrize(
    "raw",
    [
        {"modulus": 11},
        {"weights": [], "modulus": 11},
        {"weights": [1], "modulus": 1},
        {"weights": [1], "modulus": 11, "mode": "sideways"},
        {"weights": [1], "modulus": 23, "check_alphabet": "ABC"},
    ],
)
def test_bad_parameters_are_refused_when_definitions_load(raw: dict[str, Any]) -> None:
    assert WEIGHTED is not None
    with pytest.raises(ValidationError):
        WEIGHTED.load_params(raw)
