"""Spain's social security number is checked by its control digits; every Portuguese NIF prefix in use is accepted."""

from __future__ import annotations

import random

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from service.validators.national import check_spanish_nuss

NUSS = "Spain social security number"
NIF = "Portugal tax identification number"


def nuss_control(province: int, number: int) -> int:
    # The serial is an integer: with a leading zero it is appended to the province as seven digits.
    base = province * 10**7 + number if number < 10**7 else province * 10**8 + number
    return base % 97


def found(scanner: Scanner, sit: str, text: str) -> bool:
    report = scanner.classify([Part("doc", text)], ClassifyOptions(sits=(sit,), min_confidence=1))
    return report.result_for(sit) is not None


@pytest.mark.parametrize("value", ["28/12345678/40", "281234567840", "08/02530830/29", "46 62992312 67"])
def test_nuss_with_valid_control_digits(value: str) -> None:
    assert check_spanish_nuss(value, {}) is None


@pytest.mark.parametrize(
    "value",
    [
        "28/12345678/41",
        "08/29581734/12",
        "08/02530830/69",  # the control of the ten digits as written: wrong below 10,000,000
        "28/1234567/42",  # the older eleven-digit form is not the twelve-digit number
    ],
)
def test_nuss_with_wrong_control_digits(value: str) -> None:
    assert check_spanish_nuss(value, {}) is not None


def test_nuss_control_on_random_numbers() -> None:
    rng = random.Random(97)
    for _ in range(2000):
        province, number = rng.randint(1, 99), rng.choice([rng.randint(0, 10**7 - 1), rng.randint(10**7, 10**8 - 1)])
        control = nuss_control(province, number)
        assert check_spanish_nuss(f"{province:02d}{number:08d}{control:02d}", {}) is None
        assert check_spanish_nuss(f"{province:02d}{number:08d}{(control + 1) % 100:02d}", {}) is not None


def test_nuss_with_a_keyword_and_a_bad_control_is_not_reported(builtin_scanner: Scanner) -> None:
    assert found(builtin_scanner, NUSS, "número de afiliación 28/12345678/40")
    assert not found(builtin_scanner, NUSS, "número de afiliación 28/12345678/41")


def nif_check_digit(first_eight: str) -> str:
    remainder = sum(int(d) * w for d, w in zip(first_eight, range(9, 1, -1), strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


PREFIXES_IN_USE = ["1", "2", "3", "45", "5", "6", "70", "71", "72", "74", "75", "77", "79", "8", "90", "91", "98", "99"]
PREFIXES_NOT_IN_USE = ["0", "40", "41", "44", "46", "49", "73", "76", "78", "92", "93", "95", "96", "97"]


def nifs(prefix: str, count: int) -> list[str]:
    rng = random.Random(prefix)
    numbers = []
    for _ in range(count):
        first_eight = prefix + "".join(rng.choice("0123456789") for _ in range(8 - len(prefix)))
        numbers.append(first_eight + nif_check_digit(first_eight))
    return numbers


@pytest.mark.parametrize("prefix", PREFIXES_IN_USE)
def test_every_nif_prefix_in_use_is_found(builtin_scanner: Scanner, prefix: str) -> None:
    missed = [nif for nif in nifs(prefix, 20) if not found(builtin_scanner, NIF, f"NIF: {nif}")]
    assert missed == []


@pytest.mark.parametrize("prefix", PREFIXES_NOT_IN_USE)
def test_nif_prefixes_not_in_use_are_refused(builtin_scanner: Scanner, prefix: str) -> None:
    wrongly = [nif for nif in nifs(prefix, 20) if found(builtin_scanner, NIF, f"NIF: {nif}")]
    assert wrongly == []


def test_a_nif_with_a_wrong_check_digit_is_refused(builtin_scanner: Scanner) -> None:
    for nif in nifs("45", 20):
        wrong = nif[:-1] + str((int(nif[-1]) + 1) % 10)
        assert not found(builtin_scanner, NIF, f"NIF: {wrong}")
