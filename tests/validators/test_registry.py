"""Every validator the definitions can name is registered, takes checked parameters and keeps values secret."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from service.validators import VALIDATORS

EXPECTED = [
    "date",
    "github_token_crc32",
    "iso7064_mod11",
    "luhn",
    "mod97",
    "not_placeholder",
    "pypi_macaroon",
    "verhoeff",
    "weighted_checksum",
]


def test_all_validators_are_registered_by_name() -> None:
    assert set(EXPECTED) <= set(VALIDATORS.names())


@pytest.mark.parametrize("name", EXPECTED)
def test_unknown_parameters_are_rejected(name: str) -> None:
    validator = VALIDATORS.get(name)
    assert validator is not None
    with pytest.raises(ValidationError) as caught:
        validator.load_params(
            {"no_such_parameter": 1, **({"weights": [1], "modulus": 10} if name == "weighted_checksum" else {})}
        )
    assert "no_such_parameter" in caught.value.messages


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("luhn", "4895686677675909"),
        ("github_token_crc32", "ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18"),
        ("mod97", "GB82WEST12345698765433"),
        ("not_placeholder", "ghp_abcdefghijklmnopqrstuvwxyzABCD012345"),
        ("pypi_macaroon", "pypi-AgEIcHlwaS5vcmcCJDI0YjYyYWEzLWZlZWEtNDA1Ny04ZGNi"),
        ("date", "2026-02-31"),
    ],
)
def test_failure_reasons_never_repeat_the_value(name: str, value: str) -> None:
    validator = VALIDATORS.get(name)
    assert validator is not None
    reason = validator.bind(validator.load_params({}))(value)
    assert reason is not None
    assert value not in reason
    assert all(value[i : i + 6] not in reason for i in range(len(value) - 5))


def test_registering_a_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        VALIDATORS.register("luhn")(lambda value, params: None)
