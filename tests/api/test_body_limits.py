"""Bodies without a declared length are held to the body limit; JSON nesting is bounded before parsing."""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from service.api import create_app
from service.api.jsonbody import json_depth_exceeds
from service.config import ConfigError, Settings, load_settings
from service.engine import Scanner

LIMIT = 1024
TOKEN = "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"


@pytest.fixture
def small_app(builtin_scanner: Scanner) -> Flask:
    return create_app(replace(Settings(fingerprint_key=b"k" * 32), max_body_bytes=LIMIT), scanner=builtin_scanner)


def multipart_body(payload: bytes) -> tuple[bytes, str]:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def bodies(size: int) -> dict[str, tuple[bytes, str]]:
    """A body of each accepted content type, ``size`` bytes long or a little more (JSON, multipart)."""
    text = b"x" * size
    return {
        "text/plain": (text, "text/plain"),
        "application/octet-stream": (text, "application/octet-stream"),
        "application/json": (b'{"text": "' + b"x" * max(0, size - 12) + b'"}', "application/json"),
        "multipart/form-data": multipart_body(b"x" * max(0, size - 150)),
    }


def send_chunked(app: Flask, body: bytes, content_type: str, *, declared: str | None = None) -> tuple[int, Any]:
    """Run the app on a WSGI environ as a server decoding chunked input presents it: no Content-Length."""
    environ = EnvironBuilder(
        path="/v1/classify", method="POST", input_stream=io.BytesIO(body), content_type=content_type
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    if declared is not None:
        environ["CONTENT_LENGTH"] = declared
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input_terminated"] = True
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    data = b"".join(app_iter)
    return int(status.split()[0]), (headers, data)


@pytest.mark.parametrize(
    "declared", [None, "", "10"], ids=["no-content-length", "empty-content-length", "content-length-and-chunked"]
)
@pytest.mark.parametrize("content_type", list(bodies(0)))
def test_a_chunked_body_over_the_limit_is_413(small_app: Flask, content_type: str, declared: str | None) -> None:
    body, media_type = bodies(LIMIT + 200)[content_type]
    assert len(body) > LIMIT
    status, (headers, data) = send_chunked(small_app, body, media_type, declared=declared)
    assert status == 413, data
    assert headers["Content-Type"] == "application/problem+json"
    assert f"{LIMIT} bytes" in data.decode()
    assert headers["Connection"] == "close"


def test_one_byte_over_the_limit_is_413_and_the_limit_itself_is_read_whole(small_app: Flask) -> None:
    status, (_, data) = send_chunked(small_app, b"x" * (LIMIT + 1), "text/plain")
    assert status == 413
    status, (_, data) = send_chunked(small_app, b"x" * (LIMIT - len(TOKEN) - 1) + b" " + TOKEN.encode(), "text/plain")
    assert status == 200
    assert b'"bytes":1024' in data and b'"complete":true' in data and b"GitHub personal access token" in data


@pytest.mark.parametrize("content_type", list(bodies(0)))
def test_a_chunked_body_within_the_limit_is_classified(small_app: Flask, content_type: str) -> None:
    body, media_type = bodies(600)[content_type]
    status, (_, data) = send_chunked(small_app, body, media_type)
    assert status == 200, data
    assert b'"complete":true' in data


def test_a_chunked_body_the_server_did_not_decode_is_411(client: FlaskClient) -> None:
    response = client.post(
        "/v1/classify",
        data="x",
        content_type="text/plain",
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 411
    assert response.content_type == "application/problem+json"


@pytest.fixture
def server(small_app: Flask) -> Iterator[BaseWSGIServer]:
    served = make_server("127.0.0.1", 0, small_app)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.shutdown()
        thread.join(timeout=10)


def post_in_chunks(server: BaseWSGIServer, body: bytes, content_type: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    try:
        chunks = (body[i : i + 100] for i in range(0, len(body), 100))
        connection.request(
            "POST", "/v1/classify", body=chunks, headers={"Content-Type": content_type}, encode_chunked=True
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("content_type", list(bodies(0)))
def test_a_real_chunked_upload_over_the_limit_is_413(server: BaseWSGIServer, content_type: str) -> None:
    body, media_type = bodies(LIMIT * 2)[content_type]
    status, data = post_in_chunks(server, body, media_type)
    assert status == 413, data
    assert b"body-too-large" in data


def test_a_real_chunked_upload_within_the_limit_is_classified(server: BaseWSGIServer) -> None:
    body = f"pat={TOKEN}\n".encode() * 10
    status, data = post_in_chunks(server, body, "text/plain")
    assert status == 200, data
    assert f'"bytes":{len(body)}'.encode() in data and b'"count":10' in data


@pytest.mark.parametrize(
    "body",
    [
        '{"text":"x","name":' + "[" * 5000 + "]" * 5000 + "}",
        '{"text":"x","name":' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
        '{"text":"x","name":' + "[" * 5000 + "}",
        "[" * 100_000,
    ],
    ids=["arrays", "objects", "unbalanced", "unclosed"],
)
def test_deeply_nested_json_is_400_not_500(client: FlaskClient, body: str) -> None:
    response = client.post("/v1/classify", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.get_json()["detail"].startswith("The ")


def test_json_must_be_utf8_so_that_the_byte_scan_sees_what_the_parser_sees(client: FlaskClient) -> None:
    utf16 = ('{"text": "x", "name": ' + "[" * 5000 + "]" * 5000 + "}").encode("utf-16")
    response = client.post("/v1/classify", data=utf16, content_type="application/json")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_json()["detail"]
    with_bom = client.post("/v1/classify", data=b'\xef\xbb\xbf{"text": "x"}', content_type="application/json")
    assert with_bom.status_code == 200


def test_nesting_up_to_the_limit_is_parsed_and_the_limit_is_a_setting(make_client: Callable[..., FlaskClient]) -> None:
    def post(client: FlaskClient, depth: int) -> Any:
        body = '{"text":"x","sits":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"
        return client.post("/v1/classify", data=body, content_type="application/json")

    default = make_client()
    assert post(default, 32).status_code == 422  # parsed: a list of lists is not a list of SIT names
    too_deep = post(default, 33)
    assert too_deep.status_code == 400
    assert too_deep.get_json()["detail"] == "The JSON body nests arrays and objects deeper than 32 levels."
    assert post(make_client(max_json_depth=4), 5).status_code == 400
    assert load_settings({"DLP_MAX_JSON_DEPTH": "64"}).max_json_depth == 64
    with pytest.raises(ConfigError, match="max_json_depth"):
        load_settings({"DLP_MAX_JSON_DEPTH": "100000"})


@pytest.mark.parametrize(
    ("document", "depth"),
    [
        (b'{"a": "[[[[[[", "b": "\\"[[[["}', 1),
        (b"[[], [[]], {}]", 3),
        (b'{"a": [{"b": [1, 2]}]}', 4),
        (b'"just a string with { and ["', 0),
        (b"42", 0),
        (b'{"a": "ends with a backslash\\\\", "b": [[1]]}', 3),
        (b'["\\\\\\"[[[[", [{}]]', 3),
    ],
)
def test_depth_ignores_brackets_inside_strings(document: bytes, depth: int) -> None:
    assert json_depth_exceeds(document, depth) is False
    if depth:
        assert json_depth_exceeds(document, depth - 1) is True
