"""The defining error-detection properties of every checksum validator, on many random numbers.

A check digit exists to catch the mistakes people make when copying a number: one wrong
digit, two neighbours swapped. Which of those a scheme catches is a property of its
arithmetic, and is computed here from the scheme (weights and modulus), then asserted of
the validator: a validator with a wrong table or weight fails these on some inputs.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from service.definitions import load_builtin_definitions
from service.definitions.model import RegexElement
from service.validators import VALIDATORS
from service.validators.github import check_github_token
from service.validators.iso7064 import IBAN_LENGTHS, check_iban
from service.validators.iso7064_mod11 import check_iso7064_mod11
from service.validators.luhn import check_luhn
from service.validators.national import (
    check_estonian_isikukood,
    check_finnish_hetu,
    check_irish_pps,
    check_italian_fiscal_code,
    check_mexican_curp,
    check_spanish_nie,
)
from service.validators.verhoeff import _PERMUTE, check_verhoeff, verhoeff_check_digit

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BASE62 = DIGITS + UPPER + UPPER.lower()
Check = Callable[[str], str | None]


def digit_strings(size: int, first: str = DIGITS) -> st.SearchStrategy[str]:
    rest = st.text(DIGITS, min_size=size - 1, max_size=size - 1)
    return st.builds(lambda a, b: a + b, st.sampled_from(first), rest)


def substitutions(value: str, position: int, alphabet: str) -> list[str]:
    return [value[:position] + char + value[position + 1 :] for char in alphabet if char != value[position]]


def swapped(value: str, position: int) -> str:
    return value[:position] + value[position + 1] + value[position] + value[position + 2 :]


def assert_all_single_substitutions_rejected(check: Check, value: str, positions: range, alphabet: str) -> None:
    for position in positions:
        for changed in substitutions(value, position, alphabet):
            assert check(changed) is not None, (value, changed)


def assert_all_adjacent_transpositions_rejected(
    check: Check, value: str, positions: range, allowed: Callable[[str, str], bool] = lambda a, b: False
) -> None:
    for position in positions:
        a, b = value[position], value[position + 1]
        if a != b and not allowed(a, b):
            assert check(swapped(value, position)) is not None, (value, position)


# --- Verhoeff --------------------------------------------------------------------------


def test_verhoeff_permutations_are_the_powers_of_one_permutation() -> None:
    # Verhoeff's position permutation: digit d at position i becomes σ^i(d), σ = (0 1 5 8 9 4 2 7)(3 6).
    sigma = {0: 1, 1: 5, 5: 8, 8: 9, 9: 4, 4: 2, 2: 7, 7: 0, 3: 6, 6: 3}
    for power, row in enumerate(_PERMUTE):
        for digit in range(10):
            image = digit
            for _ in range(power):
                image = sigma[image]
            assert row[digit] == image, (power, digit)


@pytest.mark.parametrize(
    ("number", "valid"),
    [("2363", True), ("123451", True), ("996761674363", True), ("647558176456", False)],
)
def test_verhoeff_numbers_that_need_every_row_of_the_table(number: str, valid: bool) -> None:
    # The last two were told apart wrongly by a table whose fifth row was mistyped.
    assert (check_verhoeff(number, {}) is None) is valid


@settings(max_examples=300)
@given(digit_strings(11, first="23456789"))
def test_verhoeff_catches_every_single_error_and_adjacent_transposition(payload: str) -> None:
    number = payload + verhoeff_check_digit(payload)
    check: Check = lambda value: check_verhoeff(value, {})  # noqa: E731
    assert check(number) is None
    assert_all_single_substitutions_rejected(check, number, range(len(number)), DIGITS)
    assert_all_adjacent_transpositions_rejected(check, number, range(len(number) - 1))


# --- Luhn --------------------------------------------------------------------------------


def luhn_digit(payload: str) -> str:
    total = 0
    for position, char in enumerate(reversed(payload)):
        doubled = int(char) * (2 if position % 2 == 0 else 1)
        total += doubled // 10 + doubled % 10
    return str(-total % 10)


@settings(max_examples=300)
@given(st.integers(min_value=7, max_value=18).flatmap(digit_strings))
def test_luhn_catches_every_single_error_and_transpositions_but_09(payload: str) -> None:
    number = payload + luhn_digit(payload)
    check: Check = lambda value: check_luhn(value, {})  # noqa: E731
    assert check(number) is None
    assert_all_single_substitutions_rejected(check, number, range(len(number)), DIGITS)
    # 0 and 9 keep their contribution when doubled (0 → 0, 9 → 18 → 9): Luhn's one blind spot.
    assert_all_adjacent_transpositions_rejected(
        check, number, range(len(number) - 1), allowed=lambda a, b: {a, b} == {"0", "9"}
    )


def test_luhn_misses_exactly_the_09_swap() -> None:
    payload = "400000000000090"
    number = payload + luhn_digit(payload)
    assert check_luhn(number, {}) is None
    assert check_luhn(swapped(number, 13), {}) is None


# --- ISO 7064 MOD 97-10 (IBAN) ------------------------------------------------------------


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(IBAN_LENGTHS)))
    size = IBAN_LENGTHS[country] - 4
    bban = draw(st.text(DIGITS + UPPER, min_size=size, max_size=size))
    as_number = int("".join(str(int(char, 36)) for char in bban + country) + "00")
    return f"{country}{98 - as_number % 97:02d}{bban}"


@settings(max_examples=200)
@given(ibans())
def test_iban_catches_every_single_error_and_adjacent_transposition(iban: str) -> None:
    check: Check = lambda value: check_iban(value, {"check_country_length": True})  # noqa: E731
    assert check(iban) is None
    for position in range(2, len(iban)):
        alphabet = DIGITS if iban[position].isdigit() else UPPER
        assert_all_single_substitutions_rejected(check, iban, range(position, position + 1), alphabet)
    # Two digits or two letters swapped; the country code is checked by its table of lengths.
    assert_all_adjacent_transpositions_rejected(
        check, iban, range(2, len(iban) - 1), allowed=lambda a, b: a.isdigit() != b.isdigit()
    )


# --- ISO 7064 MOD 11-2 and MOD 11-10 ------------------------------------------------------

MOD11_2 = {"variant": "11-2"}
MOD11_10 = {"variant": "11-10"}


def mod11_2_digit(payload: str) -> str:
    # Pure system: Σ d_i · 2^i (i counted from the right, the check character at i = 0) ≡ 1 (mod 11).
    total = sum(int(char) * pow(2, i + 1, 11) for i, char in enumerate(reversed(payload)))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


@settings(max_examples=300)
@given(digit_strings(17))
def test_mod11_2_catches_every_single_error_and_adjacent_transposition(payload: str) -> None:
    number = payload + mod11_2_digit(payload)
    check: Check = lambda value: check_iso7064_mod11(value, MOD11_2)  # noqa: E731
    assert check(number) is None
    assert_all_single_substitutions_rejected(check, number, range(len(payload)), DIGITS)
    assert_all_single_substitutions_rejected(check, number, range(len(payload), len(number)), DIGITS + "X")
    assert_all_adjacent_transpositions_rejected(check, number, range(len(number) - 1))


def mod11_10_digit(payload: str) -> str:
    product = 10
    for char in payload:
        product = (((product + int(char)) % 10 or 10) * 2) % 11
    # The check digit c makes (product + c) mod 10 equal 1.
    return str((11 - product) % 10)


@settings(max_examples=300)
@given(st.sampled_from([10, 11]).flatmap(digit_strings))
def test_mod11_10_catches_every_single_error(payload: str) -> None:
    # The hybrid system catches every single substitution; a few adjacent transpositions
    # slip through by design, so that property is not claimed.
    number = payload + mod11_10_digit(payload)
    check: Check = lambda value: check_iso7064_mod11(value, MOD11_10)  # noqa: E731
    assert check(number) is None
    assert_all_single_substitutions_rejected(check, number, range(len(number)), DIGITS)


# --- GitHub-format CRC32 (GitHub and npm tokens) ----------------------------------------


def base62(number: int) -> str:
    text = ""
    while number:
        number, digit = divmod(number, 62)
        text = BASE62[digit] + text
    return text.rjust(6, "0")


@settings(max_examples=60)
@given(st.sampled_from(["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"]), st.text(BASE62, min_size=30, max_size=30))
def test_crc32_tokens_reject_every_single_character_substitution(prefix: str, entropy: str) -> None:
    token = prefix + entropy + base62(zlib.crc32(entropy.encode()))
    check: Check = lambda value: check_github_token(value, {})  # noqa: E731
    assert check(token) is None
    # CRC32 detects every error confined to 32 consecutive bits, so every changed character of
    # the 30-character body; a changed character of the checksum is a different checksum.
    assert_all_single_substitutions_rejected(check, token, range(len(prefix), len(token)), BASE62)


# --- weighted_checksum, as configured by the built-in SITs --------------------------------


def weighted_configs() -> list[tuple[str, Mapping[str, Any]]]:
    configs = []
    for definition in load_builtin_definitions():
        for element in definition.elements.values():
            if isinstance(element, RegexElement):
                configs += [
                    (f"{definition.name}/{element.name}", ref.params)
                    for ref in element.validators
                    if ref.name == "weighted_checksum"
                ]
    return configs


WEIGHTED_CONFIGS = weighted_configs()
WEIGHTED = VALIDATORS.get("weighted_checksum")


def cleaned_lengths(params: Mapping[str, Any]) -> list[int]:
    if params["length"] is not None:
        return [params["length"]]
    if params["mode"] == "number_mod":
        return [9]  # Spain's DNI: eight digits and the letter
    if params["repeat_weights"]:
        return [8, 9]  # Chile's RUT: seven or eight digits and the check character
    return [len(params["weights"]) + (0 if params["mode"] == "zero_sum" else 1)]


def position_weights(params: Mapping[str, Any], size: int) -> tuple[list[int], int | None]:
    """The weight of each character of a cleaned value, and where the check character is (None: zero_sum)."""
    mode, modulus = params["mode"], params["modulus"]
    check_at = None if mode == "zero_sum" else params["check_position"] % size
    count = size if check_at is None else size - 1
    if mode == "number_mod":
        payload_weights = [pow(10, count - 1 - i, modulus) for i in range(count)]
    elif params["repeat_weights"]:
        cycle = params["weights"]
        payload_weights = [cycle[i % len(cycle)] for i in range(count)]
        if params["weights_from"] == "right":
            payload_weights.reverse()
    else:
        payload_weights = list(params["weights"])
    if check_at is not None:
        payload_weights.insert(check_at, 0)
    return payload_weights, check_at


def test_every_weighted_configuration_is_covered() -> None:
    assert len(WEIGHTED_CONFIGS) >= 30
    for label, params in WEIGHTED_CONFIGS:
        for size in cleaned_lengths(params):
            weights, _ = position_weights(params, size)
            assert len(weights) == size, label


@pytest.mark.parametrize(("label", "params"), WEIGHTED_CONFIGS, ids=[label for label, _ in WEIGHTED_CONFIGS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_weighted_checksum_catches_the_errors_its_weights_can(
    label: str, params: Mapping[str, Any], data: st.DataObject
) -> None:
    assert WEIGHTED is not None
    modulus: int = params["modulus"]
    alphabet: str = params["check_alphabet"] or DIGITS
    size = data.draw(st.sampled_from(cleaned_lengths(params)))
    weights, check_at = position_weights(params, size)
    check: Check = lambda value: WEIGHTED.check(value, params)  # noqa: E731
    # A random value made valid by choosing its check character (or, for zero_sum, the last
    # digits with invertible weights: two of them when the modulus is above ten).
    draft = data.draw(st.text(DIGITS, min_size=size, max_size=size))
    if check_at is not None:
        candidates = [draft[:check_at] + char + draft[check_at + 1 :] for char in alphabet]
    else:
        invertible = [i for i, w in enumerate(weights) if math.gcd(w, modulus) == 1]
        free = invertible[-2:] if modulus > 10 else invertible[-1:]
        candidates = [draft]
        for position in free:
            candidates = [v[:position] + char + v[position + 1 :] for v in candidates for char in DIGITS]
    valid = [v for v in candidates if check(v) is None]
    assume(valid)
    number = valid[0]
    # With check values that share a character (a remainder of 10 written 0), a changed sum
    # can land on the same character: the claims hold when the check character has one value.
    unambiguous = check_at is None or alphabet.upper().count(number[check_at].upper()) == 1
    for position, weight in enumerate(weights):
        if position == check_at:
            # A different check character never matches the number's one check value.
            assert_all_single_substitutions_rejected(check, number, range(position, position + 1), DIGITS)
            continue
        for changed in substitutions(number, position, DIGITS):
            delta = int(changed[position]) - int(number[position])
            if unambiguous and (weight * delta) % modulus:
                assert check(changed) is not None, (label, number, changed)
    for position in range(size - 1):
        if check_at in (position, position + 1):
            continue
        a, b = int(number[position]), int(number[position + 1])
        if unambiguous and ((weights[position] - weights[position + 1]) * (a - b)) % modulus:
            assert check(swapped(number, position)) is not None, (label, number, position)


# --- national check characters -------------------------------------------------------------


def completions(check: Check, payload: str, alphabet: str, at: int | None = None) -> list[str]:
    at = len(payload) if at is None else at
    return [v for v in (payload[:at] + char + payload[at:] for char in alphabet) if check(v) is None]


@settings(max_examples=150)
@given(st.sampled_from("XYZ"), st.text(DIGITS, min_size=7, max_size=7))
def test_spanish_nie_catches_every_single_error(first: str, digits: str) -> None:
    check: Check = lambda value: check_spanish_nie(value, {})  # noqa: E731
    (number,) = completions(check, first + digits, UPPER)
    # The number (X/Y/Z read as 0/1/2) mod 23: a change of δ·10^k is never 0 mod the prime 23.
    assert_all_single_substitutions_rejected(check, number, range(1), "XYZ")
    assert_all_single_substitutions_rejected(check, number, range(1, 8), DIGITS)
    assert_all_single_substitutions_rejected(check, number, range(8, 9), UPPER)


@settings(max_examples=150)
@given(st.text(DIGITS, min_size=6, max_size=6), st.sampled_from("-+A"), st.text(DIGITS, min_size=3, max_size=3))
def test_finnish_hetu_catches_every_single_error(date: str, century: str, serial: str) -> None:
    check: Check = lambda value: check_finnish_hetu(value, {})  # noqa: E731
    (number,) = completions(check, date + century + serial, "0123456789ABCDEFHJKLMNPRSTUVWXY")
    positions = [*range(6), *range(7, 10)]
    for position in positions:  # δ·10^k is never 0 mod the prime 31
        assert_all_single_substitutions_rejected(check, number, range(position, position + 1), DIGITS)
    assert_all_single_substitutions_rejected(check, number, range(10, 11), "0123456789ABCDEFHJKLMNPRSTUVWXY")


@settings(max_examples=150)
@given(st.text(DIGITS + UPPER, min_size=15, max_size=15))
def test_italian_fiscal_code_catches_digit_errors(payload: str) -> None:
    check: Check = lambda value: check_italian_fiscal_code(value, {})  # noqa: E731
    (code,) = completions(check, payload, UPPER)
    # Digits have ten distinct values mod 26 in odd positions (1, 0, 5, 7, 9, 13, …, 21) and in
    # even ones (0-9), so one digit changed for another always changes the letter. Letters
    # and digits share values (0 and A), which the code cannot tell apart.
    for position, char in enumerate(code[:15]):
        if char.isdigit():
            assert_all_single_substitutions_rejected(check, code, range(position, position + 1), DIGITS)
    assert_all_single_substitutions_rejected(check, code, range(15, 16), UPPER)


@settings(max_examples=150)
@given(st.text(DIGITS, min_size=7, max_size=7), st.sampled_from(["", "A", "B", "H", "W"]))
def test_irish_pps_catches_every_digit_error(digits: str, second: str) -> None:
    check: Check = lambda value: check_irish_pps(value, {})  # noqa: E731
    (number,) = completions(check, digits + second, UPPER, at=7)
    # Weights 8 … 2 are invertible mod the prime 23 and digit changes are smaller than 23.
    assert_all_single_substitutions_rejected(check, number, range(7), DIGITS)
    assert_all_single_substitutions_rejected(check, number, range(7, 8), UPPER)


def estonian_first_stage(code: str) -> int:
    return sum(int(d) * w for d, w in zip(code[:10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 1], strict=True)) % 11


@settings(max_examples=150)
@given(st.text(DIGITS, min_size=10, max_size=10))
def test_estonian_isikukood_catches_single_errors_the_first_weights_decide(payload: str) -> None:
    check: Check = lambda value: check_estonian_isikukood(value, {})  # noqa: E731
    (code,) = completions(check, payload, DIGITS)
    # While the first weights (1-9, 1, invertible mod 11) decide the digit, any change is caught;
    # the fallback to the second weights for a remainder of 10 has no such guarantee.
    for changed in (v for p in range(10) for v in substitutions(code, p, DIGITS)):
        if estonian_first_stage(code) != 10 and estonian_first_stage(changed) != 10:
            assert check(changed) is not None, (code, changed)
    assert_all_single_substitutions_rejected(check, code, range(10, 11), DIGITS)


CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"


@settings(max_examples=150)
@given(st.text(CURP_ALPHABET, min_size=17, max_size=17))
def test_mexican_curp_catches_errors_where_the_weight_is_invertible_mod_10(payload: str) -> None:
    check: Check = lambda value: check_mexican_curp(value, {})  # noqa: E731
    (curp,) = completions(check, payload, DIGITS)
    for position, weight in enumerate(range(18, 1, -1)):
        for changed in substitutions(curp, position, CURP_ALPHABET):
            delta = CURP_ALPHABET.index(changed[position]) - CURP_ALPHABET.index(curp[position])
            if (weight * delta) % 10:
                assert check(changed) is not None, (curp, changed)
    assert_all_single_substitutions_rejected(check, curp, range(17, 18), DIGITS)


# --- crc32_suffix, as configured by the built-in SITs --------------------------------------

CRC32_SUFFIX = VALIDATORS.get("crc32_suffix")
TOKEN_BODY = BASE62 + "-_"


def crc32_suffix_configs() -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (f"{definition.name}/{element.name}", ref.params)
        for definition in load_builtin_definitions()
        for element in definition.elements.values()
        if isinstance(element, RegexElement)
        for ref in element.validators
        if ref.name == "crc32_suffix"
    ]


CRC32_SUFFIX_CONFIGS = crc32_suffix_configs()


def written_crc32(data: str, params: Mapping[str, Any]) -> str:
    # Written out here from the vendors' descriptions, not with the validator's helpers.
    covered = data + params["separator"] if params["separator_covered"] else data
    crc = zlib.crc32(covered.encode())
    if params["encoding"] == "hex_le":
        return "".join(f"{(crc >> shift) & 0xFF:02x}" for shift in (0, 8, 16, 24))
    if params["encoding"] == "hex":
        return f"{crc:08X}"
    if params["encoding"] == "base36":
        text = ""
        while crc:
            crc, digit = divmod(crc, 36)
            text = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + text
        return text.rjust(7, "0")
    return base62(crc)


def test_the_built_in_sits_use_crc32_suffix_for_grafana_and_atlassian() -> None:
    names = {label.split("/")[0] for label, _ in CRC32_SUFFIX_CONFIGS}
    assert {"Grafana service account token", "Atlassian API token", "GitLab personal access token"} <= names


@pytest.mark.parametrize(("label", "params"), CRC32_SUFFIX_CONFIGS, ids=[label for label, _ in CRC32_SUFFIX_CONFIGS])
@settings(max_examples=25, deadline=None)
@given(body=st.text(TOKEN_BODY, min_size=30, max_size=60))
def test_crc32_suffix_rejects_every_single_error_and_adjacent_swap(
    label: str, params: Mapping[str, Any], body: str
) -> None:
    assert CRC32_SUFFIX is not None
    check = CRC32_SUFFIX.bind(params)
    data = "tok_" + body
    token = data + params["separator"] + written_crc32(data, params)
    assert check(token) is None, label
    # Every changed character of the data is an error within 32 bits, which CRC32 always
    # detects; a changed checksum character is a different checksum.
    hex_digits = "0123456789abcdef" if params["encoding"] == "hex_le" else "0123456789ABCDEF"
    checksum_alphabet = {"base62": BASE62, "base36": DIGITS + UPPER.lower()}.get(params["encoding"], hex_digits)
    assert_all_single_substitutions_rejected(check, token, range(len(data)), TOKEN_BODY)
    tail = range(len(token) - params["length"], len(token))
    assert_all_single_substitutions_rejected(check, token, tail, checksum_alphabet)
    assert_all_adjacent_transpositions_rejected(check, token, range(len(data) - 1))
