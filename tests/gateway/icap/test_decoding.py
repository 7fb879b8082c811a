"""Content codings undone within the decoded-size limit; forms decoded; configuration read and checked."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import brotli
import pytest

from service.config import ConfigError, Settings
from service.gateway.icap import IcapConfig, config_from_mapping, config_from_settings
from service.gateway.icap.decoding import UndecodableBody, decode_body
from service.gateway.icap.forms import form_documents

TEXT = b"The same sentence, over and over again. " * 500


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("codings", "encoded"),
    [
        (["gzip"], gzip.compress(TEXT)),
        (["x-gzip"], gzip.compress(TEXT)),
        (["gzip"], gzip.compress(TEXT[:100]) + gzip.compress(TEXT[100:])),  # two members
        (["deflate"], zlib.compress(TEXT)),
        (["deflate"], raw_deflate(TEXT)),
        (["br"], brotli.compress(TEXT)),
        (["gzip", "br"], brotli.compress(gzip.compress(TEXT))),  # applied in order: gzip first
        ([], TEXT),
    ],
)
def test_content_codings_are_undone(codings: list[str], encoded: bytes) -> None:
    assert decode_body(encoded, codings, limit=len(TEXT)) == TEXT


@pytest.mark.parametrize(
    ("coding", "compress"), [("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)]
)
def test_a_body_decoding_past_the_limit_stops_there(coding: str, compress: Callable[[bytes], bytes]) -> None:
    bomb = compress(b"\0" * 5_000_000)
    with pytest.raises(UndecodableBody, match="more than 10000 bytes"):
        decode_body(bomb, [coding], limit=10_000)


@pytest.mark.parametrize(
    ("coding", "data", "message"),
    [
        ("gzip", b"not gzip at all", "corrupt"),
        ("gzip", gzip.compress(TEXT)[:50], "truncated"),
        ("br", b"\xff\xff\xff\xff", "corrupt"),
        ("br", brotli.compress(TEXT)[:10], "truncated"),
        ("compress", b"x", "unsupported"),
    ],
)
def test_a_body_that_does_not_decode_says_why(coding: str, data: bytes, message: str) -> None:
    with pytest.raises(UndecodableBody, match=message):
        decode_body(data, [coding], limit=1_000_000)


def test_urlencoded_fields_become_one_text_document() -> None:
    documents = form_documents(b"a=1&b=two+words&b=%41", "application/x-www-form-urlencoded", 100)
    assert documents is not None and len(documents) == 1
    assert documents[0].content == "a: 1\nb: two words\nb: A"


def test_a_broken_multipart_body_is_no_form() -> None:
    assert form_documents(b"--b\r\nno headers and no end", "multipart/form-data; boundary=b", 100) is None
    assert form_documents(b"{}", "application/json", 100) is None


def test_config_reads_icap_variables_over_the_service_settings() -> None:
    settings = Settings(max_body_bytes=1234, header_timeout=3.0, threads=2)
    config = config_from_settings(settings, {"DLP_ICAP_PORT": "11344", "DLP_ICAP_PREVIEW_BYTES": "0"})
    assert (config.port, config.preview_bytes, config.max_body_bytes, config.header_timeout) == (11344, 0, 1234, 3.0)
    assert config.max_inspections == 2 and config.metrics_port is None
    assert config_from_mapping({"DLP_ICAP_METRICS_PORT": "9102"}).metrics_port == 9102


@pytest.mark.parametrize(
    "values", [{"DLP_ICAP_PORT": "many"}, {"DLP_ICAP_MAX_CONNECTIONS": "0"}, {"DLP_ICAP_BODY_TIMEOUT": "-1"}]
)
def test_a_bad_icap_setting_is_refused_by_name(values: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="DLP_ICAP_"):
        config_from_mapping(values, IcapConfig())
