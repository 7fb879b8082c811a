"""embedded_base64: a piece of the token decodes to the record the vendor puts there."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from service.validators import VALIDATORS
from service.validators.crc32_suffix import check_crc32_suffix
from service.validators.embedded_data import check_embedded_base64, decode_base64_piece

EMBEDDED = VALIDATORS.get("embedded_base64")
assert EMBEDDED is not None


def params(**given_params: Any) -> dict[str, Any]:
    assert EMBEDDED is not None
    return EMBEDDED.load_params(given_params)


def b64(record: object, urlsafe: bool = False, padded: bool = True) -> str:
    if isinstance(record, bytes):
        data = record
    elif isinstance(record, str):
        data = record.encode()
    else:
        data = json.dumps(record).encode()
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    return text if padded else text.rstrip("=")


SENTRY = params(strip_prefix="sntrys_", separator="_", index=0, json_keys=["iat", "url", "org"])


def sentry_token(record: object) -> str:
    return "sntrys_" + b64(record) + "_" + "A" * 20 + "b/c+" * 5 + "xyz"


def test_a_sentry_record_passes_and_a_record_without_its_keys_fails() -> None:
    good = {"iat": 1767225600.5, "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": "contoso"}
    assert check_embedded_base64(sentry_token(good), SENTRY) is None
    assert check_embedded_base64(sentry_token({"iat": 1, "url": "x"}), SENTRY) == "the embedded record lacks org"
    assert check_embedded_base64(sentry_token([1, 2, 3]), SENTRY) == "the embedded part is not a JSON object"
    assert check_embedded_base64(sentry_token("plain words, not JSON"), SENTRY) == "the embedded part is not JSON"
    assert check_embedded_base64("sntrys_" + "%%%%" + "_secret", SENTRY) == "the embedded part is not base64"
    assert check_embedded_base64("other_" + b64(good), SENTRY) is not None


@pytest.mark.parametrize("urlsafe", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_both_alphabets_with_or_without_padding_decode(urlsafe: bool, padded: bool) -> None:
    # Bytes chosen so the standard and URL-safe encodings differ (they contain + and /).
    data = bytes([0xFB, 0xEF, 0xFF, 0x3E, 0x3F, 0x00, 0x10])
    assert decode_base64_piece(b64(data, urlsafe=urlsafe, padded=padded)) == data


def test_text_that_is_not_base64_does_not_decode() -> None:
    assert decode_base64_piece("abcde") is None  # 5 characters: no base64 has that length mod 4
    assert decode_base64_piece("ab$d") is None
    assert decode_base64_piece("") is None
    assert decode_base64_piece("QUJD" * 2000) is None  # longer than a token's record can be


def test_the_piece_is_chosen_by_separator_and_index() -> None:
    mapbox = params(strip_prefix="sk.", separator=".", index=0, json_keys=["u", "a"])
    token = "sk." + b64({"u": "contoso", "a": "ck0abc"}, urlsafe=True, padded=False) + ".sig_nature-22chars"
    assert check_embedded_base64(token, mapbox) is None
    assert check_embedded_base64("pk." + token[3:], mapbox) is not None
    second = params(separator=".", index=1, json_keys=["u"])
    assert check_embedded_base64("xx." + b64({"u": 1}, urlsafe=True) + ".yy", second) is None
    assert check_embedded_base64("only-one-piece", second) == "the value does not have the expected prefix and parts"


def test_a_decoded_regex_must_match_the_whole_text() -> None:
    jfrog = params(decoded_regex="reftkn:01:[0-9]{10}:[A-Za-z0-9]{16,40}")
    assert check_embedded_base64(b64("reftkn:01:1798761600:" + "Ab3" * 9), jfrog) is None
    assert check_embedded_base64(b64("reftkn:01:1798761600:" + "Ab3" * 9 + "!"), jfrog) is not None
    assert check_embedded_base64(b64("reftkn:02:1798761600:" + "Ab3" * 9), jfrog) is not None
    discord = params(separator=".", decoded_regex="[1-9][0-9]{16,19}")
    assert check_embedded_base64(b64("1187654321098765432", urlsafe=True, padded=False) + ".abcdef.x", discord) is None
    assert check_embedded_base64(b64("12345abcdefghijklm", urlsafe=True, padded=False) + ".abcdef.x", discord)
    assert check_embedded_base64(b64(b"\xff\xfe\x00\x01") + ".a.b", discord) == (
        "the embedded part does not decode to text"
    )


def test_a_regex_that_does_not_compile_is_refused_when_the_definition_loads() -> None:
    assert EMBEDDED is not None
    with pytest.raises(ValidationError, match="decoded_regex"):
        EMBEDDED.load_params({"decoded_regex": "reftkn:(["})


@settings(max_examples=200)
@given(st.binary(min_size=8, max_size=120))
def test_random_bytes_are_never_taken_for_a_grafana_record(data: bytes) -> None:
    # The shape check is what makes a look-alike fail: random data is not a JSON object with these keys.
    grafana = params(strip_prefix="glc_", json_keys=["o", "n", "k"])
    assert check_embedded_base64("glc_" + b64(data), grafana) is not None


def test_crc32_suffix_parameters_are_checked() -> None:
    crc32 = VALIDATORS.get("crc32_suffix")
    assert crc32 is not None
    with pytest.raises(ValidationError):
        crc32.load_params({"encoding": "hex", "length": 6})
    with pytest.raises(ValidationError):
        crc32.load_params({"encoding": "rot13"})
    loaded = crc32.load_params({"encoding": "hex_le", "separator": "_"})
    assert check_crc32_suffix("glsa_short", loaded) == "no checksum suffix after the expected separator"
    assert check_crc32_suffix("glsa_" + "a" * 32 + "-" + "0" * 8, loaded) is not None
