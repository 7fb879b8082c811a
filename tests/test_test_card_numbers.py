"""The payment processors' published test card numbers are never a finding and never evidence."""

from __future__ import annotations

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from service.validators.cards import TEST_CARD_NUMBERS
from service.validators.luhn import luhn_valid

PUBLISHED_TEST_CARDS = [
    "4111111111111111", "4012888888881881", "4242424242424242", "4000056655665556",  # Visa
    "5555555555554444", "5105105105105100", "2223003122003222",  # Mastercard
    "378282246310005", "371449635398431",  # American Express
    "6011111111111117", "6011000990139424",  # Discover
    "30569309025904", "38520000023237",  # Diners Club
    "3530111333300000", "3566002020360505",  # JCB
    "6200000000000005",  # UnionPay
    "6759649826438453",  # Maestro
]  # fmt: skip

EXPIRY = "Credit card expiry date"
CVV = "Card verification value"
CARD = "Credit card number"
EVERYTHING = ClassifyOptions(min_confidence=1)


def grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def test_the_list_holds_every_published_number_and_only_luhn_valid_ones() -> None:
    assert set(PUBLISHED_TEST_CARDS) <= TEST_CARD_NUMBERS
    assert all(luhn_valid(number) for number in TEST_CARD_NUMBERS)


@pytest.mark.parametrize("number", PUBLISHED_TEST_CARDS)
@pytest.mark.parametrize("written", [str, grouped], ids=["plain", "grouped"])
def test_a_test_number_is_neither_a_match_nor_evidence_for_any_sit(
    builtin_scanner: Scanner, number: str, written: object
) -> None:
    shown = written(number)  # type: ignore[operator]
    for text in (
        f"Card number {shown}, exp 12/30, CVV 123",
        f"{shown} exp 12/30",
        f"{shown} security code 105",
        f"Visa {shown}",
    ):
        report = builtin_scanner.classify([Part("doc", text)], EVERYTHING)
        for result in report.results:
            for match in result.matches:
                assert digits(match.value) != number, (text, result.sit_name)
                assert all(digits(e.text) != number for e in match.evidence), (text, result.sit_name, match.pattern)


@pytest.mark.parametrize("number", PUBLISHED_TEST_CARDS)
def test_a_test_number_does_not_raise_an_expiry_date_or_make_a_security_code(
    builtin_scanner: Scanner, number: str
) -> None:
    expiry = builtin_scanner.classify([Part("doc", f"{grouped(number)} exp 12/30")], EVERYTHING).result_for(EXPIRY)
    assert expiry is not None and expiry.confidence == 75  # expiry wording alone
    code = builtin_scanner.classify([Part("doc", f"{grouped(number)} security code 105")], EVERYTHING)
    assert code.result_for(CVV) is None


def test_a_real_looking_number_still_is_evidence(builtin_scanner: Scanner) -> None:
    text = "4990 6958 4830 4011 exp 09/27"
    expiry = builtin_scanner.classify([Part("doc", text)], EVERYTHING).result_for(EXPIRY)
    assert expiry is not None and expiry.confidence == 85
    card = builtin_scanner.classify([Part("doc", "Visa 4990 6958 4830 4011")], EVERYTHING).result_for(CARD)
    assert card is not None and card.confidence == 85
