from __future__ import annotations

import pytest

from service.validators import VALIDATORS
from service.validators.structure import check_base64, check_jwt

B64 = VALIDATORS.get("base64_decodes").load_params({})  # type: ignore[union-attr]

# The example token of RFC 7519 section 3.1 (HS256), as published.
RFC7519_EXAMPLE = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)


def test_the_rfc_7519_example_token_is_a_jwt() -> None:
    assert check_jwt(RFC7519_EXAMPLE, {}) is None
    # Its issuer is "joe": a check for a given issuer tells it apart.
    assert check_jwt(RFC7519_EXAMPLE, {"issuer_contains": ["joe"]}) is None
    assert check_jwt(RFC7519_EXAMPLE, {"issuer_contains": ["sts.windows.net"]}) == "issued by another issuer"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0", "three"),
        ("eyJzdWIiOiIxIn0.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl", "no algorithm"),  # header without alg
        ("abc.def.ghi", "not base64url-encoded JSON"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x", "signature"),
    ],
)
def test_look_alikes_are_not_jwts(value: str, reason: str) -> None:
    result = check_jwt(value, {})
    assert result is not None and reason in result


def test_base64_bodies() -> None:
    assert check_base64("U2VjcmV0S2V5TWF0ZXJpYWwxMjM0NTY3OA==", B64) is None
    assert check_base64("not base64!!", B64) == "not valid base64"
    assert check_base64("YWJj", B64) == "decodes to fewer than 16 bytes"


def test_basic_auth_credentials() -> None:
    from service.validators.structure import check_basic_auth

    # "Aladdin:open sesame", the example of RFC 7617 section 2.
    assert check_basic_auth("QWxhZGRpbjpvcGVuIHNlc2FtZQ==", {}) is None
    assert check_basic_auth("QWxhZGRpbg==", {}) == "does not decode to user:password"  # "Aladdin"
    assert check_basic_auth("!!!", {}) == "not base64 of UTF-8 text"
