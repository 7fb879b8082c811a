from __future__ import annotations

import pytest

from service.validators.iso7064 import IBAN_LENGTHS, check_iban, mod97_10_remainder

CHECK_LENGTHS = {"check_country_length": True}


@pytest.mark.parametrize(
    "iban",
    [
        "GB82 WEST 1234 5698 7654 32",  # the example in the SWIFT IBAN registry and ISO 13616 descriptions
        "DE89 3704 0044 0532 0130 00",  # German example IBAN from the registry
        "FR14 2004 1010 0505 0001 3M02 606",  # French example, letters inside the account number
        "NL91ABNA0417164300",  # Dutch example
        "BE68539007547034",  # Belgian example
        "gb82west12345698765432",  # case does not matter
    ],
)
def test_published_ibans_pass(iban: str) -> None:
    assert check_iban(iban, CHECK_LENGTHS) is None


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("GB82 WEST 1234 5698 7654 33", "check digits do not match"),
        ("GB28 WEST 1234 5698 7654 32", "check digits do not match"),  # transposed check digits
        ("GB82 WEST 1234 5698 7654 3", "wrong length for the country (expected 22)"),
        ("ZZ82WEST12345698765432", "unknown IBAN country"),
        ("82GBWEST12345698765432", "must start with a country code"),
        ("GB82-WEST-1234!", "letters and digits only"),
    ],
)
def test_invalid_ibans_fail_with_a_reason(iban: str, reason: str) -> None:
    result = check_iban(iban, CHECK_LENGTHS)
    assert result is not None and reason in result


def test_country_length_check_can_be_turned_off() -> None:
    # 'XX' is no country, yet the MOD 97-10 arithmetic alone holds for this value.
    value = "XX" + "{:02d}".format(98 - mod97_10_remainder("12345678" + "XX00")) + "12345678"
    assert check_iban(value, {"check_country_length": False}) is None
    assert check_iban(value, CHECK_LENGTHS) == "unknown IBAN country"


def test_remainder_counts_letters_as_two_digits() -> None:
    assert mod97_10_remainder("A") == 10
    assert mod97_10_remainder("Z") == 35
    assert mod97_10_remainder("3214282912345698765432161182") == 1  # GB82WEST… rearranged, from ISO 13616


def test_registry_lengths_include_the_common_countries() -> None:
    assert (IBAN_LENGTHS["DE"], IBAN_LENGTHS["GB"], IBAN_LENGTHS["FR"], IBAN_LENGTHS["NO"], IBAN_LENGTHS["MT"]) == (
        22,
        22,
        27,
        15,
        31,
    )
