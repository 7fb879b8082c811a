"""The OpenAPI document says how errors are served; the docs page works without reaching the internet."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from service.api import create_app
from service.config import Settings, load_api_keys
from service.engine import Scanner
from tests.api.conftest import API_FIXTURES

PROBLEM = "application/problem+json"


def resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        *_, kind, name = item["$ref"].split("/")
        item = spec["components"][kind][name]
    return item


def error_responses(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    found.append((path, method, status, resolve(spec, response)))
    return found


def test_every_documented_error_is_problem_json(builtin_scanner: Scanner) -> None:
    for settings in (Settings(), Settings(api_keys=load_api_keys(API_FIXTURES / "api_keys.yaml"))):
        app: Flask = create_app(settings, scanner=builtin_scanner)
        spec = app.test_client().get("/openapi.json").get_json()
        validate(spec)
        errors = error_responses(spec)
        assert len(errors) >= 20
        for path, method, status, response in errors:
            assert set(response.get("content", {})) == {PROBLEM}, (path, method, status, response)
            assert resolve(spec, response["content"][PROBLEM]["schema"])["properties"].keys() >= {"type", "detail"}
        for name, response in spec["components"].get("responses", {}).items():
            assert "application/json" not in response.get("content", {}), name
        statuses = {(path, method, status) for path, method, status, _ in errors}
        assert {("/v1/classify", "post", "422"), ("/v1/sits", "get", "422"), ("/v1/bundles", "get", "422")} <= statuses


def test_the_classify_description_says_how_query_and_body_options_combine(client: FlaskClient) -> None:
    operation = client.get("/openapi.json").get_json()["paths"]["/v1/classify"]["post"]
    assert "with any body form" in operation["description"]
    assert "must have the same value" in operation["description"]


def test_docs_page_references_only_this_service(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert not re.search(r"https?://|//[a-z]", page, re.IGNORECASE), page
    assert "<script>" not in page  # no inline script: the page's policy allows none
    references = re.findall(r'(?:src|href|data-spec-url)="([^"]+)"', page)
    assert set(references) == {
        "/docs/assets/swagger-ui.css",
        "/docs/assets/favicon-32x32.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/docs.js",
        "/openapi.json",
    }
    for reference in references:
        assert client.get(reference).status_code == 200, reference


def test_docs_assets_are_served_with_their_types(client: FlaskClient) -> None:
    expected = {
        "swagger-ui.css": "text/css",
        "swagger-ui-bundle.js": "text/javascript",
        "docs.js": "text/javascript",
        "favicon-32x32.png": "image/png",
        "favicon-16x16.png": "image/png",
    }
    for name, media_type in expected.items():
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == media_type, name
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=" in response.headers["Cache-Control"]
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").get_data()
    assert len(bundle) > 500_000 and b"SwaggerUIBundle" in bundle
    start = client.get("/docs/assets/docs.js").get_data(as_text=True)
    assert "validatorUrl: null" in start  # Swagger UI would otherwise call a public validator


def test_only_the_listed_assets_are_served(client: FlaskClient) -> None:
    for name in ("index.html", "oauth2-redirect.html", "LICENSE", "..%2F..%2Fdocs.py", "swagger-ui.js"):
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.content_type == PROBLEM
