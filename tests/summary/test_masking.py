"""Masking keeps a value's kind and length, never its secret part."""

from __future__ import annotations

import pytest

from service.masking import mask_value


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("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", "ghp_****…(40)"),
        ("github_pat_" + "a1" * 41, "github_pat_****…(93)"),
        ("pypi-AgEIcHlwaS5vcmcCJDI0YjYyYWEz", "pypi-****…(33)"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_****…(32)"),
        ("4778 1004 3495 9557", "****…(19)"),
        ("536-22-8726", "****…(11)"),
        ("S3cr3t-Pw", "****…(9)"),
    ],
)
def test_mask_keeps_kind_prefix_and_length(value: str, masked: str) -> None:
    assert mask_value(value) == masked


def test_prefix_is_dropped_when_it_would_reveal_much_of_a_short_value() -> None:
    assert mask_value("abc-12") == "****…(6)"


def test_masked_value_contains_no_character_run_of_the_secret() -> None:
    secret = "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq17"
    masked = mask_value("ghp_" + secret)
    assert all(secret[i : i + 3] not in masked for i in range(len(secret) - 2))
