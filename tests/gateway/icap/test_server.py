"""The ICAP server over raw sockets: OPTIONS, REQMOD and RESPMOD, previews, 204 and echoes, blocking."""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Callable, Sequence

import brotli
import pytest

from service.classify import Document
from service.gateway.icap import BackgroundServer
from service.gateway.icap.responses import istag
from service.policy.model import Action, Channel, ChannelKind, Direction, Verdict
from tests.gateway.icap.conftest import CARD_NUMBER, CARD_TEXT, GITHUB_TOKEN
from tests.gateway.icap.wire import IcapClient, chunked, exchange, http_request, http_response, icap_request
from tests.gateway.recording import RecordingInspector

MULTIPART_BOUNDARY = "----formboundary7MA4YWxkTrZu0gW"


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        head = (
            f'--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{MULTIPART_BOUNDARY}--\r\n".encode()


def reqmod(body: bytes, content_type: str = "text/plain", allow_204: bool = True, **http: str) -> bytes:
    head = http_request(headers={"Content-Type": content_type, "Content-Length": str(len(body)), **http})
    headers = {"Allow": "204"} if allow_204 else {}
    return icap_request("REQMOD", "reqmod", [("req-hdr", head)], chunked(body), headers)


def respmod(body: bytes, url: str = "http://files.example.test/report.txt", **http: str) -> bytes:
    request_head = http_request("GET", url)
    response_head = http_response({"Content-Type": "text/plain", "Content-Length": str(len(body)), **http})
    sections = [("req-hdr", request_head), ("res-hdr", response_head)]
    return icap_request("RESPMOD", "respmod", sections, chunked(body), {"Allow": "204"})


def test_options_announces_methods_preview_and_limits(server: BackgroundServer, inspector: RecordingInspector) -> None:
    for service, method in (("reqmod", "REQMOD"), ("respmod", "RESPMOD")):
        answer = exchange(server.port, icap_request("OPTIONS", service, []))
        assert answer.status == 200
        assert answer.headers["methods"] == method
        assert answer.headers["allow"] == "204"
        assert answer.headers["preview"] == "4096"
        assert answer.headers["transfer-preview"] == "*"
        assert answer.headers["max-connections"] == "100"
        assert answer.headers["options-ttl"] == "3600"
        assert answer.headers["istag"] == istag(inspector.version)


class ReloadingInspector:
    """Allows everything; its version changes as definitions or policies would on a reload."""

    def __init__(self) -> None:
        self.version = "definitions-1"

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        return Verdict(Action.ALLOW, "default", definitions_version=self.version)


def test_the_istag_changes_when_the_inspector_is_reloaded(start_server: Callable[..., BackgroundServer]) -> None:
    inspector = ReloadingInspector()
    server = start_server(inspector)
    before = exchange(server.port, icap_request("OPTIONS", "reqmod", [])).headers["istag"]
    assert exchange(server.port, reqmod(b"clean")).headers["istag"] == before
    inspector.version = "definitions-2"
    after = exchange(server.port, icap_request("OPTIONS", "reqmod", [])).headers["istag"]
    assert after != before
    assert exchange(server.port, reqmod(b"clean")).headers["istag"] == after


def test_the_istag_follows_the_inspector_version() -> None:
    assert istag("definitions-1") != istag("definitions-2")
    assert istag("definitions-1") == istag("definitions-1")
    assert len(istag("x" * 500)) <= 32 and istag("v").startswith('"') and istag("v").endswith('"')


def test_a_clean_upload_is_allowed_with_204(server: BackgroundServer) -> None:
    answer = exchange(server.port, reqmod(b"Quarterly figures are attached, nothing secret here."))
    assert answer.status == 204


def test_without_allow_204_the_request_is_echoed_unchanged(server: BackgroundServer) -> None:
    body = b"Plain words in a form post, twice as long as they need to be." * 10
    request = reqmod(body, allow_204=False)
    answer = exchange(server.port, request)
    assert answer.status == 200
    assert answer.sections["req-hdr"] == http_request(
        headers={"Content-Type": "text/plain", "Content-Length": str(len(body))}
    )
    assert answer.body == body


def test_an_upload_with_a_github_token_gets_a_403_page_naming_the_policy(
    server: BackgroundServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = exchange(server.port, reqmod(f"deploy key {GITHUB_TOKEN}".encode()))
    assert answer.status == 200
    assert answer.http_status == 403
    assert b"default" in answer.body and b"GitHub personal access token" in answer.body
    assert answer.headers["x-dlp-action"] == "block"
    assert GITHUB_TOKEN.encode() not in answer.raw and TOKEN_TAIL not in answer.raw
    assert "blocked by policy default" in caplog.text
    assert GITHUB_TOKEN not in caplog.text


TOKEN_TAIL = GITHUB_TOKEN[-12:].encode()


def test_a_multipart_upload_is_decoded_into_fields_and_files(
    server: BackgroundServer, inspector: RecordingInspector
) -> None:
    body = multipart({"comment": "see attachment"}, {"upload": ("notes.txt", f"token {GITHUB_TOKEN}".encode())})
    answer = exchange(server.port, reqmod(body, f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
    assert answer.http_status == 403
    documents = inspector.documents[-1]
    assert [d.name for d in documents] == ["form fields", "notes.txt"]
    assert documents[0].content == "comment: see attachment"
    assert documents[1].content == f"token {GITHUB_TOKEN}".encode()


def test_an_urlencoded_form_is_decoded_before_classification(
    server: BackgroundServer, inspector: RecordingInspector
) -> None:
    # Percent-encoding hides the token from a scanner reading the raw body.
    encoded = "".join(f"%{ord(c):02X}" for c in GITHUB_TOKEN)
    answer = exchange(server.port, reqmod(f"user=ann&secret={encoded}".encode(), "application/x-www-form-urlencoded"))
    assert answer.http_status == 403
    assert inspector.documents[-1][0].content == f"user: ann\nsecret: {GITHUB_TOKEN}"


def test_a_token_in_the_url_query_is_blocked(server: BackgroundServer) -> None:
    head = http_request("GET", f"http://api.example.test/hook?access_token={GITHUB_TOKEN}")
    answer = exchange(server.port, icap_request("REQMOD", "reqmod", [("req-hdr", head)], None, {"Allow": "204"}))
    assert answer.http_status == 403
    assert TOKEN_TAIL not in answer.raw


def test_reqmod_and_respmod_report_their_channel(server: BackgroundServer, inspector: RecordingInspector) -> None:
    exchange(server.port, reqmod(b"hello there", "text/plain; charset=utf-8"))
    exchange(server.port, respmod(b"a page of text", url="http://Files.Example.TEST:8080/a/report.txt"))
    assert inspector.channels == [
        Channel(
            ChannelKind.HTTP,
            Direction.OUTBOUND,
            "POST",
            "upload.example.test",
            "text/plain",
            client_address="127.0.0.1",
        ),
        Channel(
            ChannelKind.HTTP, Direction.INBOUND, "GET", "files.example.test", "text/plain", client_address="127.0.0.1"
        ),
    ]
    assert inspector.documents[-1][0].name == "report.txt"


@pytest.mark.parametrize(
    ("coding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress), (None, lambda data: data)],
)
def test_a_download_with_a_card_number_is_blocked_whatever_its_encoding(
    card_server: BackgroundServer, coding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    body = encode(CARD_TEXT.encode())
    headers = {"Content-Encoding": coding} if coding else {}
    answer = exchange(card_server.port, respmod(body, **headers))
    assert answer.http_status == 403
    assert b"cards" in answer.body and b"Credit card number" in answer.body
    assert CARD_NUMBER.encode() not in answer.raw and b"5908" not in answer.body


def test_a_download_that_decodes_past_the_limit_is_held_back(
    start_server: Callable[..., BackgroundServer], card_inspector: RecordingInspector
) -> None:
    server = start_server(card_inspector, max_decoded_bytes=100_000)
    bomb = gzip.compress(b"0" * 1_000_000)
    answer = exchange(server.port, respmod(bomb, **{"Content-Encoding": "gzip"}))
    assert answer.http_status == 403
    assert b"more than 100000 bytes" in answer.body
    assert card_inspector.channels == []  # nothing was classified


def test_a_clean_download_passes(card_server: BackgroundServer) -> None:
    answer = exchange(card_server.port, respmod(gzip.compress(b"Nothing to see here."), **{"Content-Encoding": "gzip"}))
    assert answer.status == 204


def test_a_preview_holding_the_whole_body_is_answered_with_204_without_allow(server: BackgroundServer) -> None:
    body = b"short and clean"
    head = http_request(headers={"Content-Length": str(len(body))})
    request = icap_request("REQMOD", "reqmod", [("req-hdr", head)], chunked(body, ieof=True), {"Preview": "1024"})
    assert exchange(server.port, request).status == 204


def test_a_preview_shorter_than_the_body_gets_100_continue_and_the_rest_is_inspected(server: BackgroundServer) -> None:
    body = b"x" * 2000 + f" then the secret {GITHUB_TOKEN}".encode()
    head = http_request(headers={"Content-Length": str(len(body))})
    preview = chunked(body[:1024])
    with IcapClient(server.port) as client:
        client.send(icap_request("REQMOD", "reqmod", [("req-hdr", head)], preview, {"Preview": "1024", "Allow": "204"}))
        assert client.response().status == 100
        client.send(chunked(body[1024:]))
        answer = client.response()
    assert answer.http_status == 403


def test_keep_alive_serves_several_requests_on_one_connection(server: BackgroundServer) -> None:
    with IcapClient(server.port) as client:
        for text in (b"first clean", f"second {GITHUB_TOKEN}".encode(), b"third clean"):
            client.send(reqmod(text))
            answer = client.response()
            assert (answer.status, answer.http_status) == ((200, 403) if GITHUB_TOKEN.encode() in text else (204, None))
        client.send(icap_request("OPTIONS", "reqmod", [], headers={"Connection": "close"}))
        assert client.response().headers["connection"] == "close"
        assert client.closed_by_server()
