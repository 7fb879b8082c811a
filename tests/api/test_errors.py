"""Every error is application/problem+json with a clear detail; bad input never gives a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.definitions import load_definitions
from service.engine import compile_scanner
from tests.conftest import DEFINITION_FIXTURES


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


def test_malformed_json_is_400(client: FlaskClient) -> None:
    body = problem(client.post("/v1/classify", data='{"text": ', content_type="application/json"), 400)
    assert body["detail"].startswith("The body is not valid JSON:")


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"text"}),
        ({"text": "x", "min_confidence": 0}, {"min_confidence"}),
        ({"text": "x", "min_confidence": "high", "context": -1}, {"min_confidence", "context"}),
        ({"text": 5, "colour": "blue"}, {"text", "colour"}),
        ({"text": "x", "sits": "not a list"}, {"sits"}),
    ],
)
def test_invalid_fields_are_422_with_their_paths(
    client: FlaskClient, payload: dict[str, Any], fields: set[str]
) -> None:
    body = problem(client.post("/v1/classify", json=payload), 422)
    assert {error["field"] for error in body["errors"]} == fields


def test_json_that_is_not_an_object_is_422(client: FlaskClient) -> None:
    problem(client.post("/v1/classify", json=["text"]), 422)


def test_invalid_query_parameter_is_422(client: FlaskClient) -> None:
    body = problem(client.post("/v1/classify?context=lots", data="x", content_type="text/plain"), 422)
    assert body["errors"] == [{"field": "context", "message": "Not a valid integer."}]


def test_unknown_sit_filter_is_422_naming_its_position_not_its_value(client: FlaskClient) -> None:
    body = problem(client.post("/v1/classify", json={"text": "x", "sits": ["All credentials", "Nope"]}), 422)
    assert body["errors"] == [{"field": "sits.1", "message": "No SIT id, name or bundle has this value."}]
    assert body["detail"].startswith("Unknown SIT selector (1 of 2 given)")
    assert "Nope" not in str(body)


def test_multipart_without_a_file_is_422(client: FlaskClient) -> None:
    body = problem(client.post("/v1/classify", data={"reveal": "false"}, content_type="multipart/form-data"), 422)
    assert body["errors"][0]["field"] == "file"


def test_unsupported_media_type_is_415(client: FlaskClient) -> None:
    problem(client.post("/v1/classify", data=b"<x/>", content_type="application/xml"), 415)


def test_body_over_the_limit_is_413(make_client: Callable[..., FlaskClient]) -> None:
    small = make_client(max_body_bytes=1024)
    body = problem(small.post("/v1/classify", data=b"x" * 2048, content_type="text/plain"), 413)
    assert "1024 bytes" in body["detail"]
    problem(
        small.post(
            "/v1/classify",
            data={"file": (__import__("io").BytesIO(b"y" * 4096), "f.txt")},
            content_type="multipart/form-data",
        ),
        413,
    )


def test_body_limit_is_checked_from_the_declared_length_before_reading(make_client: Callable[..., FlaskClient]) -> None:
    small = make_client(max_body_bytes=1024)
    # The declared length alone decides; the body is never read.
    response = small.post(
        "/v1/classify", data=b"short", content_type="text/plain", environ_overrides={"CONTENT_LENGTH": "999999"}
    )
    problem(response, 413)


def test_unknown_route_is_404(client: FlaskClient) -> None:
    problem(client.get("/v1/nothing-here"), 404)


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.get("/v1/classify")
    problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_unknown_sit_id_is_404_without_repeating_the_id(client: FlaskClient) -> None:
    body = problem(client.get("/v1/sits/00000000-0000-4000-8000-000000000000"), 404)
    assert body["detail"] == "No SIT has this id or name; GET /v1/sits lists them."
    assert "00000000" not in str(body)


def test_engine_time_out_is_reported_not_hidden(make_client: Callable[..., FlaskClient]) -> None:
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "catastrophic_prefiltered"]))
    slow = make_client(scanner=scanner, time_limit=0.3)
    response = slow.post("/v1/classify", json={"text": "a" * 50_000 + "!", "min_confidence": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert body["complete"] is False
    assert body["stats"]["engine_timeouts"] == 1
    assert body["parts"][0]["error"]["code"] == "engine_timeout"
    assert "time limit of 0.3 s exceeded" in body["parts"][0]["error"]["message"]


def test_an_unexpected_failure_is_a_problem_document_without_details(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.api.routes import classify as route

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("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 leaked into an error")

    monkeypatch.setattr(route, "classify", explode)
    response = client.post("/v1/classify", json={"text": "x"})
    body = problem(response, 500)
    assert "ghp_" not in response.get_data(as_text=True)
    assert body["detail"] == "The service failed to answer this request; it has been logged."
