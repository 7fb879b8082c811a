from __future__ import annotations

import pytest

from service.validators.placeholder import (
    contains_placeholder_word,
    has_sequential_run,
    is_masked,
    is_repeated,
    is_template,
    placeholder_reason,
)

REAL_LOOKING = [
    "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",
    "S3cr3t-Pw",
    "Vq7pLm2x9w",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "92c1409fba12ba68f46d2c43ff6c2477a6326af8",
    "4895686677675908",
    "4556737586899855",
    "536-22-8726",
    "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",
]


@pytest.mark.parametrize("value", REAL_LOOKING)
def test_real_looking_values_pass(value: str) -> None:
    assert placeholder_reason(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ghp_abcdefghijklmnopqrstuvwxyzABCD012345", "sequential characters"),  # Purview's mockup
        ("abcdef0123456789abcdef0123456789abcdef01", "sequential characters"),  # Purview's hex example
        ("********", "masked or redacted"),
        ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "masked or redacted"),
        ("${GITHUB_TOKEN}", "a template variable"),
        ("<your-token>", "a template variable"),
        ("{{ secrets.PAT }}", "a template variable"),
        ("%API_KEY%", "a template variable"),
        ("aaaaaaaaaaaa", "repeated characters"),
        ("Zk9Zk9Zk9Zk9", "repeated characters"),
        ("qwerty123", "sequential characters"),
        ("changeme", "a placeholder word"),
        ("your_token_here", "a placeholder word"),
        ("MyPassword1", "a placeholder word"),
    ],
)
def test_placeholders_are_rejected_with_the_heuristic_named(value: str, reason: str) -> None:
    assert placeholder_reason(value) == f"looks like a placeholder: {reason}"


def test_each_heuristic_on_its_own() -> None:
    assert is_masked("••••••••") and not is_masked("S3cr3t-Pw")
    assert is_template("$TOKEN") and not is_template("pa$$word9")
    assert has_sequential_run("xx987654xx") and not has_sequential_run("x12345x")
    assert is_repeated("111111") and is_repeated("abababababab") and not is_repeated("a1b2c3d4e5")
    assert contains_placeholder_word("REDACTED") and not contains_placeholder_word("Vq7pLm2x9w")


def test_extra_words_extend_the_list() -> None:
    assert placeholder_reason("hunter2hunter", ["hunter"]) == "looks like a placeholder: a placeholder word"
    assert placeholder_reason("hunter2hunter") is None
