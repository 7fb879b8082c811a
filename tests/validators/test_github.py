from __future__ import annotations

import pytest

from service.validators.github import base62_encode, check_github_token, github_checksum

# Revoked real-world tokens published in the test suite of the base62-token.js project.
PUBLISHED = [
    "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",
    "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",
    "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",
    "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",
    "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",
]


@pytest.mark.parametrize("token", PUBLISHED)
def test_published_tokens_have_valid_checksums(token: str) -> None:
    assert check_github_token(token, {}) is None


@pytest.mark.parametrize("token", PUBLISHED)
def test_any_single_changed_character_breaks_the_checksum(token: str) -> None:
    for position in range(4, len(token)):
        replacement = "A" if token[position] != "A" else "B"
        changed = token[:position] + replacement + token[position + 1 :]
        assert check_github_token(changed, {}) is not None, position


@pytest.mark.parametrize(
    "token",
    [
        "ghp_abcdefghijklmnopqrstuvwxyzABCD012345",  # Purview's documented mockup
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",  # a look-alike published in a regex catalogue
    ],
)
def test_published_look_alikes_fail(token: str) -> None:
    assert check_github_token(token, {}) == "CRC32 checksum does not match"


def test_the_prefix_is_not_part_of_the_checksum() -> None:
    body = PUBLISHED[0][4:]
    for prefix in ("gho_", "ghu_", "ghs_", "ghr_"):
        assert check_github_token(prefix + body, {}) is None


def test_checksum_is_base62_of_crc32_padded_to_six() -> None:
    assert base62_encode(0, 6) == "000000"
    assert base62_encode(61, 6) == "00000z"
    assert base62_encode(62, 6) == "000010"
    assert github_checksum(PUBLISHED[0][4:34]) == PUBLISHED[0][34:]


@pytest.mark.parametrize(
    ("token", "reason"), [("ghp" + "a" * 36, "no prefix"), ("ghp_short", "not 36"), ("ghp_" + "é" * 36, "base62")]
)
def test_malformed_tokens_fail_with_a_reason(token: str, reason: str) -> None:
    result = check_github_token(token, {})
    assert result is not None and reason in result
