"""Security headers on every answer: successes, errors, probes, metrics and the docs page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.config import load_api_keys
from tests.api.conftest import API_FIXTURES

ANSWERS: dict[str, Callable[[FlaskClient], TestResponse]] = {
    "classify": lambda c: c.post("/v1/classify", json={"text": "SSN 536-22-8726"}),
    "classify raw": lambda c: c.post("/v1/classify", data="x", content_type="text/plain"),
    "classify error": lambda c: c.post("/v1/classify", data="{", content_type="application/json"),
    "sits": lambda c: c.get("/v1/sits"),
    "one sit": lambda c: c.get("/v1/sits/Credit%20card%20number"),
    "unknown sit": lambda c: c.get("/v1/sits/nothing"),
    "bundles": lambda c: c.get("/v1/bundles"),
    "unknown route": lambda c: c.get("/nothing"),
    "wrong method": lambda c: c.put("/v1/sits"),
    "healthz": lambda c: c.get("/healthz"),
    "readyz": lambda c: c.get("/readyz"),
    "metrics": lambda c: c.get("/metrics"),
    "openapi": lambda c: c.get("/openapi.json"),
    "head": lambda c: c.head("/v1/bundles"),
}


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_every_answer_has_the_security_headers(client: FlaskClient, answer: str) -> None:
    response = ANSWERS[answer](client)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" not in response.headers["Content-Security-Policy"]  # data, never a page


def test_a_refused_key_gets_the_headers_too(make_client: Callable[..., FlaskClient]) -> None:
    keyed = make_client(api_keys=load_api_keys(API_FIXTURES / "api_keys.yaml"))
    response = keyed.post("/v1/classify", json={"text": "x"})
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_body_over_the_limit_gets_the_headers_too(make_client: Callable[..., FlaskClient]) -> None:
    response = make_client(max_body_bytes=10).post("/v1/classify", data="x" * 100, content_type="text/plain")
    assert response.status_code == 413
    assert response.headers["Cache-Control"] == "no-store"


def test_the_docs_page_may_load_only_its_own_assets(client: FlaskClient) -> None:
    response = client.get("/docs")
    directives = [d.partition(" ") for d in response.headers["Content-Security-Policy"].split("; ")]
    policy = {name: value for name, _, value in directives}
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'"
    assert all("http" not in value and "*" not in value for value in policy.values())
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
