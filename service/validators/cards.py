"""Published test card numbers: never a finding and never evidence for one.

Payment processors publish card numbers for integration tests; they fill documentation,
sample code, fixtures and sandbox logs, and no bank ever issued them to a cardholder.
Every element that finds card numbers — the card number itself and the card numbers
that support an expiry date or a security code — uses this one check, so the policy is
the same everywhere. Sources: the test-card pages of Stripe, Braintree, Adyen and PayPal
and the card networks' own test ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.validators.registry import register

TEST_CARD_NUMBERS: frozenset[str] = frozenset({
    # Visa
    "4111111111111111", "4012888888881881", "4242424242424242", "4000056655665556", "4222222222222",
    "4005519200000004", "4009348888881881", "4012000033330026", "4012000077777777", "4217651111111119",
    "4500600000000061", "4000000000000002", "4000002500003155", "4000000000003220",
    # Mastercard
    "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222", "2223000048400011",
    # American Express
    "378282246310005", "371449635398431", "378734493671000",
    # Discover
    "6011111111111117", "6011000990139424", "6011981111111113", "6555900000604105",
    # Diners Club
    "30569309025904", "38520000023237", "3056930009020004", "36227206271667",
    # JCB
    "3530111333300000", "3566002020360505",
    # UnionPay
    "6200000000000005",
    # Maestro
    "6759649826438453", "6304000000000000",
    # Dankort, BankCard
    "5019717010103742", "5610591081018250",
})  # fmt: skip


def is_test_card(value: str) -> bool:
    """The value's digits (separators ignored) are a published test card number."""
    return "".join(char for char in value if char.isdigit()) in TEST_CARD_NUMBERS


@register("not_test_card")
def check_not_test_card(value: str, params: Mapping[str, Any]) -> str | None:
    """Rejects the test card numbers payment processors publish."""
    return "a published test card number" if is_test_card(value) else None
