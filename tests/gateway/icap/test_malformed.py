"""Malformed, oversized and slow ICAP input: the right 4xx, the connection closed, the next client served."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from service.classify import Document
from service.gateway.icap import BackgroundServer
from service.policy.model import Channel, Verdict
from tests.gateway.icap.wire import IcapClient, chunked, exchange, http_request, http_response, icap_request
from tests.gateway.recording import RecordingInspector

HEAD = http_request(headers={"Content-Length": "5"})


def req(body: bytes | None, **headers: str) -> bytes:
    return icap_request("REQMOD", "reqmod", [("req-hdr", HEAD)], body, headers)


def with_encapsulated(value: str, payload: bytes = HEAD + chunked(b"hello")) -> bytes:
    return f"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\nEncapsulated: {value}\r\n\r\n".encode() + payload


MALFORMED = {
    "chunk size not hexadecimal": (req(b"zz\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk size absurdly long": (req(b"1" * 40 + b"\r\nhello\r\n0\r\n\r\n"), 400),
    "chunk longer than its size": (req(b"3\r\nhello\r\n0\r\n\r\n"), 400),
    "ieof on a middle chunk": (req(b"5; ieof\r\nhello\r\n0\r\n\r\n"), 400),
    "Encapsulated missing": (b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n" + HEAD, 400),
    "Encapsulated garbled": (with_encapsulated("req-hdr=zero, req-body=12"), 400),
    "Encapsulated offsets decreasing": (with_encapsulated(f"req-hdr={len(HEAD)}, req-body=0"), 400),
    "Encapsulated offset short of the headers": (with_encapsulated("req-hdr=0, req-body=20"), 400),
    "Encapsulated offset past the headers": (with_encapsulated(f"req-hdr=0, req-body={len(HEAD) + 7}"), 400),
    "REQMOD without request headers": (with_encapsulated("req-body=0", chunked(b"hello")), 418),
    "REQMOD carrying a response body": (with_encapsulated(f"req-hdr=0, res-body={len(HEAD)}"), 418),
    "RESPMOD without response headers": (
        icap_request("RESPMOD", "respmod", [("req-hdr", HEAD)], chunked(b"hello")),
        418,
    ),
    "encapsulated headers not HTTP": (
        icap_request("REQMOD", "reqmod", [("req-hdr", b"\x00\x01garbage\r\n\r\n")], None),
        400,
    ),
    "unknown service": (icap_request("OPTIONS", "nosuchservice", []), 404),
    "method the service does not serve": (
        icap_request("RESPMOD", "reqmod", [("res-hdr", http_response())], None),
        405,
    ),
    "unknown method": (b"DELETE icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n", 501),
    "other ICAP version": (b"OPTIONS icap://127.0.0.1/reqmod ICAP/2.0\r\n\r\n", 505),
    "not an icap URI": (b"OPTIONS http://127.0.0.1/reqmod ICAP/1.0\r\n\r\n", 400),
    "binary garbage": (bytes(range(256)) + b"\r\n\r\n", 400),
    "header line without a colon": (b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nnocolon\r\n\r\n", 400),
    "Preview not a number": (req(chunked(b"hello"), Preview="many"), 400),
}


def assert_still_serving(port: int) -> None:
    assert exchange(port, icap_request("OPTIONS", "reqmod", [])).status == 200


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_gets_its_status_and_the_connection_closed(server: BackgroundServer, case: str) -> None:
    request, status = MALFORMED[case]
    with IcapClient(server.port, timeout=10) as client:
        client.send(request)
        answer = client.response()
        assert answer.status == status
        assert answer.headers["connection"] == "close"
        assert client.closed_by_server()
    assert_still_serving(server.port)


def test_a_header_section_over_the_limit_is_refused(
    start_server: Callable[..., BackgroundServer], inspector: RecordingInspector
) -> None:
    server = start_server(inspector, max_header_bytes=4096)
    huge = b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nX-Filler: " + b"a" * 10_000 + b"\r\n\r\n"
    huge_http = http_request(headers={"Cookie": "c" * 10_000})
    for request in (huge, icap_request("REQMOD", "reqmod", [("req-hdr", huge_http)], None)):
        with IcapClient(server.port) as client:
            client.send(request)
            assert client.response().status == 400
            assert client.closed_by_server()
    assert_still_serving(server.port)


def test_a_body_over_the_limit_is_refused_with_413(
    start_server: Callable[..., BackgroundServer], inspector: RecordingInspector
) -> None:
    server = start_server(inspector, max_body_bytes=10_000)
    with IcapClient(server.port) as client:
        client.send(req(chunked(b"a" * 20_000)))
        assert client.response().status == 413
        assert client.closed_by_server()
    assert inspector.channels == []
    assert_still_serving(server.port)


def test_a_slow_client_is_dropped_with_408(
    start_server: Callable[..., BackgroundServer], inspector: RecordingInspector
) -> None:
    server = start_server(inspector, header_timeout=0.5, body_timeout=0.5)
    stalled_head = b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n"
    stalled_body = req(b"5\r\nhel")
    for request in (stalled_head, stalled_body):
        with IcapClient(server.port) as client:
            client.send(request)
            answer = client.response()
            assert answer.status == 408
            assert client.closed_by_server()
    assert_still_serving(server.port)


def test_an_idle_keep_alive_connection_is_closed_without_an_answer(
    start_server: Callable[..., BackgroundServer], inspector: RecordingInspector
) -> None:
    server = start_server(inspector, header_timeout=0.3)
    with IcapClient(server.port) as client:
        client.send(icap_request("OPTIONS", "reqmod", []))
        assert client.response().status == 200
        assert client.closed_by_server()
        assert client.buffer == b""


def test_connections_over_max_connections_get_503(
    start_server: Callable[..., BackgroundServer], inspector: RecordingInspector
) -> None:
    server = start_server(inspector, max_connections=1)
    with IcapClient(server.port) as holder:
        holder.send(icap_request("OPTIONS", "reqmod", []))
        assert holder.response().headers["max-connections"] == "1"
        with IcapClient(server.port) as second:
            assert second.response().status == 503
            assert second.closed_by_server()
    assert_still_serving(server.port)


class FailingInspector:
    version = "failing"

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        raise RuntimeError(f"the inspector broke on {documents[0].content!r}")


def test_an_inspector_failure_is_a_500_and_the_server_carries_on(
    start_server: Callable[..., BackgroundServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server(FailingInspector())
    with IcapClient(server.port) as client:
        client.send(req(chunked(b"secret-content-42"), Allow="204"))
        answer = client.response()
        assert answer.status == 500
        assert client.closed_by_server()
    assert_still_serving(server.port)
    assert "icap request failed: RuntimeError" in caplog.text
    assert "secret-content-42" not in caplog.text and b"secret-content-42" not in answer.raw


def test_a_client_vanishing_mid_body_leaves_the_server_serving(server: BackgroundServer) -> None:
    with IcapClient(server.port) as client:
        client.send(req(b"ffff\r\nonly a little"))
    assert_still_serving(server.port)
