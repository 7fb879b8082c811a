"""``POST /v1/evaluate`` and ``GET /v1/policies``: verdicts over HTTP, in every body form, and
bad input as problem documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from service.api import create_app
from service.api.state import reload_state
from service.config import Settings
from service.engine import Scanner
from service.policy.errors import PolicyError

TOKEN = "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"
SSN_TEXT = "Employee SSN: 536-22-8726, badge 4417."
PARTNER_POLICY = """\
name: partners
rules:
  - name: no-ssn-out
    action: reject
    sits: [U.S. social security number (SSN)]
    where: {kinds: [mail]}
    unless: {recipient_domains: [partner.example]}
"""


@pytest.fixture
def partner_client(make_client: Callable[..., FlaskClient], tmp_path: Path) -> FlaskClient:
    (tmp_path / "partners.yaml").write_text(PARTNER_POLICY, encoding="utf-8")
    return make_client(policy_dirs=(tmp_path,))


def test_a_token_is_blocked_with_the_rule_and_finding_behind_it(client: FlaskClient) -> None:
    response = client.post("/v1/evaluate", json={"text": f"token={TOKEN}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["action"] == "block" and body["policy"] == "default" and body["complete"] is True
    hit = next(rule for rule in body["rules"] if rule["rule"] == "block-credentials")
    (finding,) = hit["findings"]
    assert finding["sit"]["name"] == "GitHub personal access token"
    assert finding["count"] == 1 and finding["fingerprints"][0].startswith("hmac-sha256:")
    assert TOKEN not in response.get_data(as_text=True)
    assert TOKEN[4:] not in response.get_data(as_text=True)
    assert body["version"] and body["definitions_version"]


def test_a_raw_body_with_the_policy_and_channel_in_the_query(partner_client: FlaskClient) -> None:
    query = "policy=partners&kind=mail&recipients=bob@partner.example,eve@evil.example"
    response = partner_client.post(f"/v1/evaluate?{query}", data=SSN_TEXT, content_type="text/plain")
    assert response.status_code == 200
    assert response.get_json()["action"] == "reject"
    query = "policy=partners&kind=mail&recipients=bob@partner.example"
    excused = partner_client.post(f"/v1/evaluate?{query}", data=SSN_TEXT, content_type="text/plain")
    assert excused.get_json()["action"] == "allow"


def test_channel_fields_in_the_json_body(partner_client: FlaskClient) -> None:
    body = {"text": SSN_TEXT, "policy": "partners", "kind": "mail", "recipients": ["eve@evil.example"]}
    assert partner_client.post("/v1/evaluate", json=body).get_json()["action"] == "reject"
    body["kind"] = "http"  # the rule is for mail only
    assert partner_client.post("/v1/evaluate", json=body).get_json()["action"] == "allow"


def test_a_multipart_upload(client: FlaskClient) -> None:
    data = {"file": (BytesIO(SSN_TEXT.encode()), "staff.txt"), "direction": "outbound"}
    response = client.post("/v1/evaluate", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.get_json()["action"] == "audit"


def test_policies_are_listed(partner_client: FlaskClient) -> None:
    listed = partner_client.get("/v1/policies").get_json()
    assert {(p["name"], p["default"]) for p in listed} == {("default", True), ("partners", False)}


def problem(response: object) -> dict[str, object]:
    assert response.mimetype == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.get_json()  # type: ignore[attr-defined]
    return body


def test_an_unknown_policy_is_a_404_problem_without_the_name(client: FlaskClient) -> None:
    response = client.post("/v1/evaluate", json={"text": "hello", "policy": TOKEN[:40]})
    assert response.status_code == 404
    body = problem(response)
    assert body["type"] == "https://dlp.invalid/problems/unknown-policy"
    assert TOKEN[:20] not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"text": "hi", "kind": "fax"}}, 422),
        ({"json": {"text": "hi", "direction": "sideways"}}, 422),
        ({"json": {"text": "hi", "recipients": "not-a-list"}}, 422),
        ({"json": {"text": "hi", "sits": ["SSN"]}}, 422),  # a classify option, not an evaluate one
        ({"json": {"policy": "default"}}, 422),  # no text
        ({"json": ["text"]}, 422),
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"data": "<x/>", "content_type": "application/xml"}, 415),
    ],
)
def test_bad_input_is_a_problem_document(client: FlaskClient, kwargs: dict[str, object], status: int) -> None:
    response = client.post("/v1/evaluate", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    problem(response)


def test_an_unknown_query_parameter_and_conflicting_fields_are_refused(client: FlaskClient) -> None:
    assert client.post("/v1/evaluate?colour=red", json={"text": "hi"}).status_code == 422
    conflict = client.post("/v1/evaluate?kind=mail", json={"text": "hi", "kind": "http"})
    assert conflict.status_code == 422
    assert problem(conflict)["type"] == "https://dlp.invalid/problems/conflicting-options"


def test_an_oversized_body_is_refused_before_reading(make_client: Callable[..., FlaskClient]) -> None:
    small = make_client(max_body_bytes=100)
    response = small.post("/v1/evaluate", data="x" * 200, content_type="text/plain")
    assert response.status_code == 413
    problem(response)


def test_evaluate_is_in_the_openapi_document(builtin_scanner: Scanner) -> None:
    app: Flask = create_app(Settings(), scanner=builtin_scanner)
    spec = app.test_client().get("/openapi.json").get_json()
    validate(spec)
    operation = spec["paths"]["/v1/evaluate"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
        "text/plain",
        "application/octet-stream",
    }
    assert "404" in operation["responses"] and "/v1/policies" in spec["paths"]
    assert "EvaluateRequest" in spec["components"]["schemas"]


def test_the_rest_service_audits_only_when_configured(make_client: Callable[..., FlaskClient], tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    audited = make_client(audit_log=str(target))
    audited.post("/v1/evaluate", json={"text": SSN_TEXT})
    assert '"verdict": "audit"' in target.read_text(encoding="utf-8")
    assert "536-22-8726" not in target.read_text(encoding="utf-8")


def test_a_reload_brings_new_policies_and_a_failed_one_keeps_them(builtin_scanner: Scanner, tmp_path: Path) -> None:
    settings = Settings(fingerprint_key=b"k" * 32)
    app: Flask = create_app(settings, scanner=builtin_scanner)
    client = app.test_client()
    assert client.post("/v1/evaluate", json={"text": "hi", "policy": "partners"}).status_code == 404
    (tmp_path / "partners.yaml").write_text(PARTNER_POLICY, encoding="utf-8")
    reload_state(app, replace(settings, policy_dirs=(tmp_path,)))
    assert client.post("/v1/evaluate", json={"text": "hi", "policy": "partners"}).status_code == 200
    version = client.post("/v1/evaluate", json={"text": "hi"}).get_json()["version"]
    (tmp_path / "partners.yaml").write_text(PARTNER_POLICY.replace("reject", "explode"), encoding="utf-8")
    with pytest.raises(PolicyError):
        reload_state(app, replace(settings, policy_dirs=(tmp_path,)))
    kept = client.post("/v1/evaluate", json={"text": "hi", "policy": "partners"})
    assert kept.status_code == 200 and kept.get_json()["version"] == version
