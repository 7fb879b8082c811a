"""Definitions listing, health, metrics, and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from service.api import create_app
from service.config import Settings
from service.definitions import DefinitionSet
from service.engine import Scanner

GITHUB_ID = "a4b56616-42e8-48be-981a-e7aa44904221"


def test_list_sits_filters_by_category_and_bundle(client: FlaskClient, builtin_definitions: DefinitionSet) -> None:
    every = client.get("/v1/sits").get_json()["sits"]
    credentials = client.get("/v1/sits?category=credentials").get_json()["sits"]
    bundle = client.get("/v1/sits?bundle=All%20credentials").get_json()["sits"]
    assert len(every) == len(builtin_definitions)
    assert {s["name"] for s in credentials} == {d.name for d in builtin_definitions if d.category == "credentials"}
    assert "GitHub personal access token" in {s["name"] for s in bundle}
    assert len(bundle) == 41  # Purview's "All credentials" bundle, in full
    assert all("All credentials" in s["bundles"] for s in bundle)


def test_get_sit_by_id_or_name(client: FlaskClient) -> None:
    by_id = client.get(f"/v1/sits/{GITHUB_ID}").get_json()
    by_name = client.get("/v1/sits/GitHub%20personal%20access%20token").get_json()
    assert by_id == by_name
    assert by_id["checksum"] is True and by_id["proximity"] == 300
    assert by_id["elements"]["kw_token"] == "keywords"
    assert by_id["patterns"][0] == {
        "name": "classic token with valid checksum",
        "confidence": 85,
        "primary": "classic_token",
    }


def test_bundles_list_their_sits(client: FlaskClient) -> None:
    bundles = {b["name"]: b for b in client.get("/v1/bundles").get_json()}
    members = {s["name"] for s in bundles["All credentials"]["sits"]}
    assert {"GitHub personal access token", "Azure Storage account access key", "General password"} <= members
    assert "Credit card number" not in members
    assert "PyPI API token" in {s["name"] for s in bundles["Developer credentials"]["sits"]}


def test_health_and_readiness(client: FlaskClient, builtin_definitions: DefinitionSet) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "sits": len(builtin_definitions),
        "definitions_version": builtin_definitions.version,
    }


def test_listing_and_classify_answers_name_the_version_of_the_loaded_set(
    client: FlaskClient, make_client: Callable[..., FlaskClient], engine_scanner: Scanner
) -> None:
    listing = client.get("/v1/sits").get_json()
    answer = client.post("/v1/classify", json={"text": "SSN: 536-22-8726"}).get_json()
    assert len(listing["definitions_version"]) == 16
    assert answer["definitions_version"] == listing["definitions_version"]
    other = make_client(scanner=engine_scanner)
    assert other.get("/v1/sits").get_json()["definitions_version"] == engine_scanner.version
    assert engine_scanner.version != listing["definitions_version"]
    assert other.post("/v1/classify", json={"text": "x"}).get_json()["definitions_version"] == engine_scanner.version


def test_metrics_count_requests_and_matches_without_values(
    client: FlaskClient, builtin_definitions: DefinitionSet
) -> None:
    client.post("/v1/classify", json={"text": "pat=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"})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'dlp_http_requests_total{method="POST",route="/v1/classify",status="200"}' in text
    assert 'dlp_matches_total{confidence_level="high",sit="GitHub personal access token"}' in text
    assert f"dlp_definitions_loaded {float(len(builtin_definitions))}" in text
    assert "zQWB" not in text and "ghp_" not in text


def test_openapi_document_is_valid_and_documents_every_route(builtin_scanner: Scanner) -> None:
    app: Flask = create_app(Settings(), scanner=builtin_scanner)
    spec = app.test_client().get("/openapi.json").get_json()
    validate(spec)
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    routes = {
        (rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
        and rule.endpoint != "static"
        and not rule.endpoint.startswith(("api-docs.", "ui."))  # pages, not API
    }
    assert routes and routes <= documented, routes - documented
    classify_body = spec["paths"]["/v1/classify"]["post"]["requestBody"]["content"]
    assert set(classify_body) == {"application/json", "multipart/form-data", "text/plain", "application/octet-stream"}


def test_docs_page_is_served(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()
