from __future__ import annotations

import pytest

from service.validators.national import (
    check_estonian_isikukood,
    check_finnish_hetu,
    check_irish_pps,
    check_italian_fiscal_code,
    check_mexican_curp,
    check_spanish_nie,
)


@pytest.mark.parametrize(
    ("check", "valid", "invalid"),
    [
        # X1234567L: the worked example of the Spanish interior ministry's control-letter page.
        (check_spanish_nie, "X1234567L", "X1234567M"),
        # 131052-308T: the example of the Finnish Digital and Population Data Services Agency.
        (check_finnish_hetu, "131052-308T", "131052-308U"),
        # RSSMRA85T10A562S: the fiscal code commonly used to illustrate the Italian algorithm.
        (check_italian_fiscal_code, "RSSMRA85T10A562S", "RSSMRA85T10A562T"),
        # 1234567T: the PPS check-letter worked example (weights 8..2, modulo 23).
        (check_irish_pps, "1234567T", "1234567A"),
        # 37605030299: the sample isikukood used in Estonian documentation.
        (check_estonian_isikukood, "37605030299", "37605030298"),
    ],
)
def test_published_examples(check: object, valid: str, invalid: str) -> None:
    assert check(valid, {}) is None  # type: ignore[operator]
    assert check(invalid, {}) is not None  # type: ignore[operator]


def test_curp_check_digit_and_shape() -> None:
    from service.validators.national import _CURP_ALPHABET

    body = "GODE561231HDFABC0"
    digit = (10 - sum(_CURP_ALPHABET.index(c) * w for c, w in zip(body, range(18, 1, -1), strict=True)) % 10) % 10
    assert check_mexican_curp(body + str(digit), {}) is None
    assert check_mexican_curp(body + str((digit + 1) % 10), {}) == "check digit does not match"
    assert check_mexican_curp("GODE561231", {}) == "not a CURP"


@pytest.mark.parametrize("suffix", ["W", "T", "X"])
def test_irish_pps_old_suffixes_are_outside_the_check(suffix: str) -> None:
    assert check_irish_pps(f"1234567T{suffix}", {}) is None
    assert check_irish_pps(f"1234567F{suffix}", {}) == "check letter does not match"


def test_irish_pps_with_a_second_letter() -> None:
    # 1234567FA: the second letter A (value 1) weighted 9 changes the check letter from T to F.
    assert check_irish_pps("1234567FA", {}) is None
    assert check_irish_pps("1234567TA", {}) == "check letter does not match"
