from __future__ import annotations

import pytest

from service.validators.luhn import check_luhn, luhn_valid


@pytest.mark.parametrize(
    "number",
    [
        "79927398713",  # the worked example in ISO/IEC 7812-1 descriptions of the Luhn algorithm
        "4111111111111111",  # Visa test number published by payment providers
        "378282246310005",  # American Express test number (Stripe's documentation)
        "6011111111111117",  # Discover test number
        "490154203237518",  # IMEI example from the GSMA's IMEI allocation guidelines
    ],
)
def test_published_valid_numbers_pass(number: str) -> None:
    assert luhn_valid(number)
    assert check_luhn(number, {}) is None


@pytest.mark.parametrize("number", ["79927398710", "79927398711", "4111111111111112", "378282246310006"])
def test_wrong_check_digit_fails(number: str) -> None:
    assert not luhn_valid(number)
    assert check_luhn(number, {}) == "Luhn check digit does not match"


def test_separators_are_ignored() -> None:
    assert check_luhn("4111 1111-1111.1111", {}) is None


@pytest.mark.parametrize(
    ("value", "reason"), [("4111a111", "contains characters"), ("7", "too short"), ("٤١١١", "contains")]
)
def test_non_digits_and_short_values_fail_with_a_reason(value: str, reason: str) -> None:
    result = check_luhn(value, {})
    assert result is not None and reason in result


def test_a_swedish_personnummer_of_a_centenarian_keeps_its_plus_sign() -> None:
    # 121212+1212: the Swedish Tax Agency's sample number, written with '+' past age 100.
    assert check_luhn("121212+1212", {}) is None
    assert check_luhn("121212+1213", {}) == "Luhn check digit does not match"
