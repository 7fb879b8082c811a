"""The app's access log and error log: one line per request, route templates, nothing a client could inject."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from service.api.logsafe import ACCESS_LOGGER, access_line, safe_log_path

TOKEN = "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"
CARD = "4539148803436467"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def access_log() -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def error_log() -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger("dlp.api")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def test_matched_routes_are_logged_as_their_template() -> None:
    assert safe_log_path(f"/v1/sits/{TOKEN}", "/v1/sits/<path:sit_id>") == "/v1/sits/{sit_id}"
    assert safe_log_path("/v1/classify", "/v1/classify") == "/v1/classify"
    assert safe_log_path("/docs/assets/x.js", "/docs/assets/<name>") == "/docs/assets/{name}"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/v1/nothing-here", "/v1/nothing-here"),
        (f"/v1/{TOKEN}/x", "/v1/{value}/x"),
        (f"/{CARD}", "/{value}"),
        ("/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "/{value}/{value}/{value}"),
        ("/a-very-long-segment-that-could-be-anything", "/{value}"),
        ("/line\nforged 200 0 0.1ms", "/{value}"),
        ("/one\r\ntwo", "/onetwo"),
        ("/red\x1b[31malert\x1b[0m", "/redalert"),
        ("/title\x1b]0;owned\x07here", "/titlehere"),
        ("/back\rspace\x08\x00\x7f", "/backspace"),
        ('/quote"and space', "/quote%22and%20space"),
        ("/café", "/caf%C3%A9"),
    ],
)
def test_unmatched_paths_keep_only_names(path: str, logged: str) -> None:
    assert safe_log_path(path, None) == logged


def test_unmatched_paths_are_bounded() -> None:
    logged = safe_log_path("/a" * 1000, None)
    assert len(logged) <= 256
    assert logged.count("/") <= 17


def test_each_request_is_one_access_line(client: FlaskClient, access_log: list[str]) -> None:
    response = client.get("/v1/sits/Credit%20card%20number")
    assert response.status_code == 200
    (line,) = access_log
    prefix = f'"GET /v1/sits/{{sit_id}}" 200 {len(response.data)} '
    assert line.startswith(prefix) and line.endswith("ms")
    assert float(line[len(prefix) : -2]) >= 0


def test_an_injection_attempt_is_one_clean_line(client: FlaskClient, access_log: list[str]) -> None:
    # What an attacker would send: a forged second line, terminal escapes and a secret in the path.
    path = f"/v1/x%0A127.0.0.1%20-%20%22GET%20/admin%22%20200/%1b[31m{TOKEN}%1b[0m/{CARD}"
    response = client.get(path)
    assert response.status_code == 404
    (line,) = access_log
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert TOKEN not in line and "zQWB" not in line and CARD not in line
    assert line.startswith('"GET /v1/') and '" 404 ' in line
    assert line.count('"') == 2


def test_errors_are_logged_too_and_methods_are_not_the_clients(client: FlaskClient, access_log: list[str]) -> None:
    client.post("/v1/classify", data="{", content_type="application/json")
    client.open("/v1/classify", method=TOKEN)
    assert access_log[0].startswith('"POST /v1/classify" 400 ')
    assert access_log[1].startswith('"OTHER /v1/classify" 405 ')


def test_the_access_line_format() -> None:
    assert access_line("GET", "/v1/sits/x", "/v1/sits/<path:sit_id>", 200, 1534, 2.44) == (
        '"GET /v1/sits/{sit_id}" 200 1534 2.4ms'
    )
    assert access_line("POST", "/v1/classify", "/v1/classify", 200, None, 10) == '"POST /v1/classify" 200 - 10.0ms'


def test_an_unexpected_error_is_logged_with_the_route_not_the_path(
    client: FlaskClient, error_log: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.api.routes import sits as route

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(TOKEN)

    monkeypatch.setattr(route, "describe_sit", explode)
    response = client.get(f"/v1/sits/{'Credit card number'}")
    assert response.status_code == 500
    assert error_log == ["unexpected RuntimeError in GET /v1/sits/{sit_id}"]
