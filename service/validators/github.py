"""GitHub's token format: a prefix, 30 base62 characters, and their CRC32 in 6 base62 characters.

Source: "Behind GitHub's new authentication token formats" (github.blog, 2021-04-05): the
checksum lets a scanner tell a real token from a random look-alike without asking
GitHub. The CRC32 (IEEE, as in zlib) is taken over the 30 characters of entropy only,
then written in base62 with the alphabet 0-9, A-Z, a-z, left-padded with '0' to six.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from service.validators.registry import register

BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ENTROPY_LENGTH = 30
CHECKSUM_LENGTH = 6


def base62_encode(number: int, width: int) -> str:
    if number < 0:
        raise ValueError("base62_encode takes a non-negative number")
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def github_checksum(entropy: str) -> str:
    """The six-character checksum GitHub appends to ``entropy``."""
    return base62_encode(zlib.crc32(entropy.encode("ascii")), CHECKSUM_LENGTH)


@register("github_token_crc32")
def check_github_token(value: str, params: Mapping[str, Any]) -> str | None:
    """A GitHub-format token (``ghp_`` and kin) whose last six characters are the CRC32 of the 30 before."""
    _, separator, body = value.rpartition("_")
    if not separator:
        return "no prefix ending in '_'"
    if len(body) != ENTROPY_LENGTH + CHECKSUM_LENGTH:
        return f"the part after the prefix is not {ENTROPY_LENGTH + CHECKSUM_LENGTH} characters"
    if not body.isascii() or not body.isalnum():
        return "the part after the prefix is not base62"
    entropy, checksum = body[:ENTROPY_LENGTH], body[ENTROPY_LENGTH:]
    return None if github_checksum(entropy) == checksum else "CRC32 checksum does not match"
