"""Check characters of national identifiers that a weighted sum cannot express.

Each follows the algorithm its issuer publishes: letter tables, odd and even position
tables, or two-stage weights. Most identifiers are checked with ``weighted_checksum``
instead; these are the exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.validators.registry import register

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_HETU_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
# Codice fiscale: values of characters in odd positions (1st, 3rd, …); even positions use 0-9 / A-Z as 0-25.
_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12,
                    14, 16, 10, 22, 25, 24, 23], strict=True))  # fmt: skip


def _clean(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch not in " -/.+")


@register("spanish_nie")
def check_spanish_nie(value: str, params: Mapping[str, Any]) -> str | None:
    """Spanish NIE: X/Y/Z (read as 0/1/2) and seven digits, modulo 23, give the control letter."""
    nie = _clean(value)
    if len(nie) != 9 or nie[0] not in "XYZ" or not nie[1:8].isdigit():
        return "not a NIE"
    number = int(str("XYZ".index(nie[0])) + nie[1:8])
    return None if _DNI_LETTERS[number % 23] == nie[8] else "control letter does not match"


@register("spanish_nuss")
def check_spanish_nuss(value: str, params: Mapping[str, Any]) -> str | None:
    """Spanish social security number: province (2), number (8), control (2) = the first two modulo 97.

    The number is read as an integer: below 10,000,000 (a leading zero) the control is of
    province × 10⁷ + number, otherwise of the ten digits as written (province × 10⁸ + number).
    """
    digits = _clean(value)
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return "not a twelve-digit social security number"
    province, number, control = int(digits[:2]), int(digits[2:10]), int(digits[10:])
    base = province * 10_000_000 + number if number < 10_000_000 else province * 100_000_000 + number
    return None if base % 97 == control else "control digits do not match"


@register("finnish_hetu")
def check_finnish_hetu(value: str, params: Mapping[str, Any]) -> str | None:
    """Finnish henkilötunnus: DDMMYY and the three-digit serial, as one number modulo 31, give the check character."""
    raw = value.strip().upper()
    if len(raw) != 11 or not (raw[:6].isdigit() and raw[7:10].isdigit()):
        return "not a henkilötunnus"
    return None if _HETU_CHARS[int(raw[:6] + raw[7:10]) % 31] == raw[10] else "check character does not match"


@register("italian_fiscal_code")
def check_italian_fiscal_code(value: str, params: Mapping[str, Any]) -> str | None:
    """Codice fiscale: odd and even position tables summed modulo 26 give the check letter."""
    code = _clean(value)
    if len(code) != 16 or not code.isalnum():
        return "not a fiscal code"
    total = 0
    for position, char in enumerate(code[:15]):
        if position % 2 == 0:
            total += _CF_ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - 65
    return None if chr(65 + total % 26) == code[15] else "check letter does not match"


_PPS_OLD_SUFFIXES = frozenset("WTX")


@register("irish_pps")
def check_irish_pps(value: str, params: Mapping[str, Any]) -> str | None:
    """Irish PPS number: digits weighted 8 to 2 (and a second letter weighted 9) modulo 23 give the check letter.

    Second letters from 2013 on (A, B, …) take part in the check; the older suffixes W,
    T and X (issued before the check covered them) do not.
    """
    pps = _clean(value)
    if len(pps) not in (8, 9) or not pps[:7].isdigit() or not pps[7:].isalpha():
        return "not a PPS number"
    total = sum(int(digit) * weight for digit, weight in zip(pps[:7], range(8, 1, -1), strict=True))
    if len(pps) == 9 and pps[8] not in _PPS_OLD_SUFFIXES:
        total += (ord(pps[8]) - 64) * 9
    expected = "W" if total % 23 == 0 else chr(64 + total % 23)
    return None if pps[7] == expected else "check letter does not match"


@register("estonian_isikukood")
def check_estonian_isikukood(value: str, params: Mapping[str, Any]) -> str | None:
    """Estonian isikukood: weights 1-9,1 then, if the remainder is 10, 3-9,1-3; a remainder of 10 again gives 0."""
    code = _clean(value)
    if len(code) != 11 or not code.isdigit():
        return "not an isikukood"
    digits = [int(d) for d in code]
    for weights in ([1, 2, 3, 4, 5, 6, 7, 8, 9, 1], [3, 4, 5, 6, 7, 8, 9, 1, 2, 3]):
        remainder = sum(d * w for d, w in zip(digits[:10], weights, strict=True)) % 11
        if remainder != 10:
            break
    expected = 0 if remainder == 10 else remainder
    return None if digits[10] == expected else "check digit does not match"


@register("mexican_curp")
def check_mexican_curp(value: str, params: Mapping[str, Any]) -> str | None:
    """CURP: the first 17 characters weighted 18 to 2 over 0-9, A-N, Ñ, O-Z give the check digit."""
    curp = value.strip().upper()
    if len(curp) != 18 or any(char not in _CURP_ALPHABET for char in curp):
        return "not a CURP"
    total = sum(_CURP_ALPHABET.index(char) * weight for char, weight in zip(curp[:17], range(18, 1, -1), strict=True))
    return None if str((10 - total % 10) % 10) == curp[17] else "check digit does not match"
