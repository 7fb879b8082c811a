"""Bech32 as BIP 173 defines it, and age secret keys written in it."""

from __future__ import annotations

import random

import pytest

from service.validators.bech32 import CHARSET, bech32_checksum, bech32_problem


@pytest.mark.parametrize(
    "value",
    [
        "A12UEL5L",
        "a12uel5l",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    ],
)
def test_the_published_valid_strings_pass(value: str) -> None:
    assert bech32_problem(value, None) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("A12UEL5M", "bech32 checksum does not match"),
        ("A12uEL5L", "mixes upper and lower case"),
        ("12UEL5L", "no human-readable part before the separator 1"),
        ("a1b2uel5l", "data is not in the bech32 alphabet"),
    ],
)
def test_broken_strings_fail(value: str, reason: str) -> None:
    assert bech32_problem(value, None) == reason


def age_key(rng: random.Random) -> str:
    data = [rng.randrange(32) for _ in range(52)]
    return ("AGE-SECRET-KEY-1" + "".join(CHARSET[d] for d in data + bech32_checksum("age-secret-key-", data))).upper()


def test_every_single_changed_character_of_an_age_key_is_caught() -> None:
    rng = random.Random(20240101)
    for _ in range(20):
        key = age_key(rng)
        assert bech32_problem(key, "age-secret-key-") is None
        position = rng.randrange(16, len(key))
        wrong = rng.choice([c for c in CHARSET.upper() if c != key[position]])
        assert bech32_problem(key[:position] + wrong + key[position + 1 :], "age-secret-key-") is not None


def test_the_human_readable_part_can_be_required() -> None:
    assert bech32_problem("A12UEL5L", "age-secret-key-") == "human-readable part is not 'age-secret-key-'"
