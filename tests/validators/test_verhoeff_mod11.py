from __future__ import annotations

import pytest

from service.validators import VALIDATORS
from service.validators.iso7064_mod11 import check_iso7064_mod11, mod11_2_check
from service.validators.verhoeff import check_verhoeff, verhoeff_valid

MOD11_2 = VALIDATORS.get("iso7064_mod11").load_params({})  # type: ignore[union-attr]
MOD11_10 = VALIDATORS.get("iso7064_mod11").load_params({"variant": "11-10"})  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("2363", True),  # 236 → check digit 3: the worked example in descriptions of Verhoeff's algorithm
        ("12340", True),  # 1234 → check digit 0, another common worked example
        ("2364", False),
        ("12345", False),
    ],
)
def test_verhoeff_published_examples(number: str, valid: bool) -> None:
    assert verhoeff_valid(number) is valid


def test_verhoeff_detects_single_errors_and_transpositions() -> None:
    assert check_verhoeff("2363", {}) is None
    assert check_verhoeff("2364", {}) == "Verhoeff check digit does not match"
    assert check_verhoeff("3263", {}) == "Verhoeff check digit does not match"
    assert check_verhoeff("23a3", {}) == "not a string of digits"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("11010519491231002X", True),  # the sample resident ID in GB 11643-1999 descriptions
        ("11010519491231002Y", False),
        ("110105194912310021", False),
    ],
)
def test_iso7064_mod11_2(value: str, valid: bool) -> None:
    assert (check_iso7064_mod11(value, MOD11_2) is None) is valid


def test_mod11_2_check_character_ten_is_x() -> None:
    assert mod11_2_check("11010519491231002") == "X"


@pytest.mark.parametrize(("value", "valid"), [("69435151530", True), ("69435151531", False)])
def test_iso7064_mod11_10_croatian_oib(value: str, valid: bool) -> None:
    # 69435151530 is the example OIB published by the Croatian tax administration.
    assert (check_iso7064_mod11(value, MOD11_10) is None) is valid
