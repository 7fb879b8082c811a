"""Purview's Checksum validator as it defines it: weights over every character, modulo, check position."""

from __future__ import annotations

from service.validators import VALIDATORS

CHECKSUM = VALIDATORS.get("purview_checksum")


def check(value: str, **params: object) -> str | None:
    assert CHECKSUM is not None
    return CHECKSUM.bind(CHECKSUM.load_params(params))(value)


def test_the_weighted_sum_modulo_must_equal_the_check_digit() -> None:
    params = {"weights": [1, 2, 3, 4, 5, 6, 0], "modulus": 10, "check_digit": 7}
    assert check("1234561", **params) is None  # 1+4+9+16+25+36 = 91, 91 mod 10 = 1
    assert check("1234562", **params) == "check digit does not match"
    assert check("123456", **params) == "the number of weights does not fit the value"


def test_the_check_digit_counts_when_its_weight_is_not_zero() -> None:
    # Microsoft's documented shape: eight digits, mod 9, the last one checked and weighted 1.
    params = {"weights": [1, 1, 1, 1, 1, 1, 1, 1], "modulus": 9, "check_digit": 8}
    assert check("90000005", **params) is None  # 9 + 5 = 14, 14 mod 9 = 5: the check digit
    assert check("80000005", **params) == "check digit does not match"  # 8 + 5 = 13, 13 mod 9 = 4


def test_letters_count_only_when_allowed() -> None:
    params = {"weights": [1, 1, 0], "modulus": 10, "check_digit": 3}
    assert check("A13", **params) == "contains characters the checksum does not accept"
    assert check("A11", **params, allow_alphabets=True) is None  # A=10, 10+1 = 11, mod 10 = 1
