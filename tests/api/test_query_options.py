"""Query strings: unknown parameters are refused on every route; options apply to every body form."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.config import load_api_keys
from tests.api.conftest import API_FIXTURES, bearer

TOKEN = "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"
GITHUB = "GitHub personal access token"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sits",
        "/v1/sits/Credit%20card%20number",
        "/v1/bundles",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/docs/assets/docs.js",
    ],
)
def test_every_get_route_refuses_unknown_query_parameters(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200
    body = problem(client.get(f"{path}?verbose=1"), 422)
    assert body["errors"] == [{"field": "verbose", "message": "Unknown field."}]
    assert body["detail"] == "The request has invalid parameters (1 unknown)."


def test_known_query_parameters_still_work_and_unknown_ones_are_counted(client: FlaskClient) -> None:
    assert client.get("/v1/sits?category=credentials&bundle=All%20credentials").status_code == 200
    body = problem(client.get(f"/v1/sits?category=credentials&catgory=x&{TOKEN}=1"), 422)
    assert body["detail"] == "The request has invalid parameters (2 unknown)."
    assert sorted(e["field"] for e in body["errors"]) == ["(name not shown, 40 characters)", "catgory"]


def test_classify_refuses_unknown_query_parameters_with_every_body_form(client: FlaskClient) -> None:
    forms: list[dict[str, Any]] = [
        {"json": {"text": "x"}},
        {"data": "x", "content_type": "text/plain"},
        {"data": {"file": (io.BytesIO(b"x"), "a.txt")}, "content_type": "multipart/form-data"},
    ]
    for form in forms:
        body = problem(client.post("/v1/classify?min_confidense=80", **form), 422)
        assert body["errors"] == [{"field": "min_confidense", "message": "Unknown field."}]


def test_query_options_apply_to_a_json_body(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(allow_reveal=True)
    revealed = client.post("/v1/classify?reveal=true", json={"text": f"pat={TOKEN}"}).get_json()
    assert revealed["results"][0]["matches"][0]["value"] == TOKEN
    only_ssn = client.post(
        "/v1/classify?sits=U.S.%20social%20security%20number%20(SSN)", json={"text": f"pat={TOKEN}"}
    ).get_json()
    assert only_ssn["results"] == [] and only_ssn["stats"]["sits_scanned"] == 1
    explained = client.post("/v1/classify?explain=true&min_confidence=100", json={"text": f"pat={TOKEN}"}).get_json()
    assert explained["results"] == [] and "trace" in explained


def test_query_options_apply_to_a_multipart_body(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(allow_reveal=True)
    data = {"file": (io.BytesIO(f"pat={TOKEN}".encode()), "a.env")}
    body = client.post("/v1/classify?reveal=true", data=data, content_type="multipart/form-data").get_json()
    assert body["results"][0]["matches"][0]["value"] == TOKEN


def test_reveal_in_the_query_still_needs_the_server_and_the_key(make_client: Callable[..., FlaskClient]) -> None:
    masked_server = make_client()
    problem(masked_server.post("/v1/classify?reveal=true", json={"text": TOKEN}), 403)
    keyed = make_client(api_keys=load_api_keys(API_FIXTURES / "api_keys.yaml"), allow_reveal=True)
    upload = {"file": (io.BytesIO(TOKEN.encode()), "a.env")}
    denied = keyed.post(
        "/v1/classify?reveal=true", data=upload, content_type="multipart/form-data", headers=bearer("gateway")
    )
    assert problem(denied, 403)["detail"] == "This API key may not reveal values."
    allowed = keyed.post("/v1/classify?reveal=true", json={"text": TOKEN}, headers=bearer("reviewer"))
    assert allowed.get_json()["results"][0]["matches"][0]["value"] == TOKEN


def test_the_same_option_in_both_places_must_agree(client: FlaskClient) -> None:
    assert client.post("/v1/classify?reveal=false", json={"text": "x", "reveal": False}).status_code == 200
    assert (
        client.post(
            "/v1/classify?sits=Credit%20card%20number", json={"text": "x", "sits": ["Credit card number"]}
        ).status_code
        == 200
    )
    conflict = problem(
        client.post("/v1/classify?min_confidence=60&explain=true", json={"text": "x", "min_confidence": 85}), 422
    )
    assert conflict["type"].endswith("/conflicting-options")
    assert conflict["errors"] == [
        {"field": "min_confidence", "message": "Differs between the query string and the JSON body."}
    ]
    upload = {"file": (io.BytesIO(b"x"), "a.txt"), "reveal": "true"}
    conflict = problem(client.post("/v1/classify?reveal=false", data=upload, content_type="multipart/form-data"), 422)
    assert conflict["errors"] == [
        {"field": "reveal", "message": "Differs between the query string and the form fields."}
    ]


def test_options_given_once_anywhere_are_honoured(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(allow_reveal=True)
    # reveal in the body, explain in the query: both apply.
    body = client.post("/v1/classify?explain=true", json={"text": f"pat={TOKEN}", "reveal": True}).get_json()
    assert body["results"][0]["matches"][0]["value"] == TOKEN
    assert "trace" in body
