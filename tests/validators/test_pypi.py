from __future__ import annotations

import base64

import pytest

from service.validators import VALIDATORS
from service.validators.pypi import Caveat, Macaroon, check_pypi_token, encode_token, parse_macaroon_v2

# A revoked real-world token published in a public repository.
PUBLISHED = (
    "pypi-AgEIcHlwaS5vcmcCJDI0YjYyYWEzLWZlZWEtNDA1Ny04ZGNiLWQ2NDBkOTI3M2NmOQACEFsxLFsiY2MtZXhwdHMiXV0AAixbMixbIjEx"
    "NGU1NzMwLTllOWQtNDM1Yi1hY2JkLTM1NDI2N2IwMDJlZCJdXQAABiD2dwrhdAyftapd4whYrkELAlaEAREg9c974gq1nEXOqQ"
)
# A test value from detect-secrets' suite: "testtest" spliced into a token corrupts the macaroon.
SPLICED = (
    "pypi-AgEIcHlwaS5vcmcCJDU3OTM1MjliLWIyYTYtNDEwOC05NzRkLTM0MjNiNmEwNWIzYgACF1sxLFsitesttestbWluaW1hbC1wcm9qZWN0Il1d"
    "AAIsWzIsWyJjYWY4OTAwZi0xNDMwLTRiYQstYmFmMi1mMDE3OGIyNWZhNTkiXV0AAAYgh2UINPjWBDwT0r3tQ1o5oZyswcjN0-IluP6z34SX3KM"
)
DEFAULTS = VALIDATORS.get("pypi_macaroon").load_params({})  # type: ignore[union-attr]


def macaroon(location: bytes | None = b"pypi.org", signature: bytes = bytes(range(32))) -> Macaroon:
    return Macaroon(location, b"0d6c0d35-1f44-4b8e-a4d2-9d0bf5d0a1c2", (Caveat(b'[1,["sampleproject"]]'),), signature)


def test_published_token_is_a_well_formed_pypi_macaroon() -> None:
    assert check_pypi_token(PUBLISHED, DEFAULTS) is None
    body = PUBLISHED[5:]
    parsed = parse_macaroon_v2(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert parsed.location == b"pypi.org"
    assert parsed.identifier == b"24b62aa3-feea-4057-8dcb-d640d9273cf9"
    assert [c.identifier for c in parsed.caveats] == [
        b'[1,["cc-expts"]]',
        b'[2,["114e5730-9e9d-435b-acbd-354267b002ed"]]',
    ]
    assert len(parsed.signature) == 32


def test_spliced_published_look_alike_fails() -> None:
    reason = check_pypi_token(SPLICED, DEFAULTS)
    assert reason is not None and reason.startswith("not a well-formed macaroon")


def test_serialized_tokens_round_trip() -> None:
    original = macaroon()
    token = encode_token(original)
    assert token.startswith("pypi-AgEIcHlwaS5vcmc")
    body = token[5:]
    assert parse_macaroon_v2(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) == original
    assert check_pypi_token(token, DEFAULTS) is None


def test_test_pypi_is_an_allowed_location() -> None:
    assert check_pypi_token(encode_token(macaroon(b"test.pypi.org")), DEFAULTS) is None


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (encode_token(macaroon(b"evil.example")), "not for an allowed location"),
        (encode_token(macaroon(None)), "not for an allowed location"),
        (encode_token(macaroon(signature=bytes(31))), "no 32-byte signature"),
        (PUBLISHED[:-10], "not a well-formed macaroon"),
        (PUBLISHED + "AA", "not a well-formed macaroon"),
        ("pypi-" + base64.urlsafe_b64encode(b"\x01rest").decode(), "not a version-2 macaroon"),
        ("npm_" + PUBLISHED[5:], "missing the token prefix"),
        ("pypi-" + "A" * 9000, "longer than any real token"),
    ],
)
def test_malformed_or_foreign_tokens_fail(token: str, reason: str) -> None:
    result = check_pypi_token(token, DEFAULTS)
    assert result is not None and reason in result


def test_allowed_locations_are_configurable() -> None:
    validator = VALIDATORS.get("pypi_macaroon")
    assert validator is not None
    only_test = validator.load_params({"locations": ["test.pypi.org"]})
    assert check_pypi_token(PUBLISHED, only_test) == "the macaroon is not for an allowed location"
