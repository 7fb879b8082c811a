"""The Verhoeff check digit (dihedral group D5), used by India's Aadhaar number among others."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.validators.registry import register

# Multiplication in D5, and the position-dependent permutation (Verhoeff, 1969).
_MULTIPLY = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
# The digit at position i (from the right, 0-based) is permuted by σ applied i times, where
# σ = (0 1 5 8 9 4 2 7)(3 6). σ has order 8, so there are eight rows. They are computed
# rather than typed in: a hand-copied table with one wrong row still accepts a third of
# all numbers wrongly and rejects a third of genuine ones.
_SIGMA = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)


def _powers_of(sigma: tuple[int, ...], count: int) -> tuple[tuple[int, ...], ...]:
    rows = [tuple(range(10))]
    for _ in range(count - 1):
        rows.append(tuple(sigma[digit] for digit in rows[-1]))
    return tuple(rows)


_PERMUTE = _powers_of(_SIGMA, 8)
# The inverse of each element of D5 under _MULTIPLY, to compute a check digit.
_INVERSE = tuple(next(j for j in range(10) if _MULTIPLY[i][j] == 0) for i in range(10))


def _checksum(digits: str, offset: int) -> int:
    check = 0
    for position, char in enumerate(reversed(digits)):
        check = _MULTIPLY[check][_PERMUTE[(position + offset) % 8][ord(char) - 48]]
    return check


def verhoeff_valid(digits: str) -> bool:
    return _checksum(digits, 0) == 0


def verhoeff_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload``, makes a valid Verhoeff number."""
    # The payload's digits sit one place further left once the check digit is appended.
    return str(_INVERSE[_checksum(payload, 1)])


@register("verhoeff")
def check_verhoeff(value: str, params: Mapping[str, Any]) -> str | None:
    """The value's digits (spaces and dashes ignored) end in a valid Verhoeff check digit."""
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) < 2:
        return "not a string of digits"
    return None if verhoeff_valid(digits) else "Verhoeff check digit does not match"
