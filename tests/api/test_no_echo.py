"""No error answer quotes what the client sent: a secret pasted into the wrong place stays unseen.

Every error path reachable from outside is driven with real secrets — a GitHub token with a
valid checksum and a Luhn-valid card number — in the place the path takes its input from (a
SIT selector, a field name, a query parameter's name or value, a path segment, the method,
malformed JSON, multipart field and file names, the content type, the API key), and the
answer's body and headers are searched for the raw value.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.config import load_api_keys
from tests.api.conftest import API_FIXTURES
from tests.conftest import FIXTURES

SECRETS = ["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", "4539148803436467"]
TRUNCATED_DOCX = (FIXTURES / "documents" / "hostile" / "truncated.docx").read_bytes()


@dataclass(frozen=True)
class Clients:
    plain: FlaskClient
    small: FlaskClient  # 1 KiB body limit
    keyed: FlaskClient  # API keys required


def multipart(fields: dict[str, Any]) -> dict[str, Any]:
    return {"data": fields, "content_type": "multipart/form-data"}


Send = Callable[[Clients, str], TestResponse]
ERROR_PATHS: dict[str, Send] = {
    "unknown SIT in JSON": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", "sits": ["SSN", s]}),
    "unknown SIT in the query": lambda c, s: c.plain.post(
        f"/v1/classify?sits={s},Nope", data="x", content_type="text/plain"
    ),
    "unknown SIT in a form field": lambda c, s: c.plain.post(
        "/v1/classify", **multipart({"file": (io.BytesIO(b"x"), "a.txt"), "sits": s})
    ),
    "unknown JSON field": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", s: True}),
    "unknown JSON field with an invalid value": lambda c, s: c.plain.post("/v1/classify", json={"text": 5, s: s}),
    "unknown form field": lambda c, s: c.plain.post(
        "/v1/classify", **multipart({"file": (io.BytesIO(b"x"), "a.txt"), s: "1"})
    ),
    "unknown query parameter on classify": lambda c, s: c.plain.post(
        f"/v1/classify?{s}=1", data="x", content_type="text/plain"
    ),
    "unknown query parameter on sits": lambda c, s: c.plain.get(f"/v1/sits?{s}={s}"),
    "unknown query parameter on one sit": lambda c, s: c.plain.get(f"/v1/sits/Credit%20card%20number?x={s}"),
    "unknown query parameter on bundles": lambda c, s: c.plain.get(f"/v1/bundles?{s}"),
    "unknown query parameter on healthz": lambda c, s: c.plain.get(f"/healthz?{s}=1"),
    "unknown query parameter on the OpenAPI document": lambda c, s: c.plain.get(f"/openapi.json?{s}=1"),
    "bad integer in JSON": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", "min_confidence": s}),
    "bad boolean in JSON": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", "reveal": s}),
    "object instead of text": lambda c, s: c.plain.post("/v1/classify", json={"text": {s: s}}),
    "string instead of a list": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", "sits": s}),
    "list of lists": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", "sits": [[s]]}),
    "name too long": lambda c, s: c.plain.post("/v1/classify", json={"text": "x", "name": s * 40}),
    "JSON that is not an object": lambda c, s: c.plain.post("/v1/classify", json=[s]),
    "bad integer in the query": lambda c, s: c.plain.post(
        f"/v1/classify?context={s}", data="x", content_type="text/plain"
    ),
    "bad boolean in the query": lambda c, s: c.plain.post(
        f"/v1/classify?explain={s}", data="x", content_type="text/plain"
    ),
    "bad category type": lambda c, s: c.plain.get(f"/v1/sits?category={s}&category={s}&{s}=2"),
    "unknown SIT id": lambda c, s: c.plain.get(f"/v1/sits/{s}"),
    "unknown SIT id with slashes": lambda c, s: c.plain.get(f"/v1/sits/a/{s}/b"),
    "unknown route": lambda c, s: c.plain.get(f"/v1/{s}"),
    "unknown route outside /v1": lambda c, s: c.plain.get(f"/{s}/{s}"),
    "unknown docs asset": lambda c, s: c.plain.get(f"/docs/assets/{s}"),
    "wrong method": lambda c, s: c.plain.delete(f"/v1/sits/{s}"),
    "a method that is the secret": lambda c, s: c.plain.open("/v1/classify", method=s),
    "unterminated JSON string": lambda c, s: c.plain.post(
        "/v1/classify", data='{"text": "' + s, content_type="application/json"
    ),
    "a bare value in JSON": lambda c, s: c.plain.post(
        "/v1/classify", data='{"text": ' + s + "}", content_type="application/json"
    ),
    "a key without a value": lambda c, s: c.plain.post(
        "/v1/classify", data='{"' + s + '": }', content_type="application/json"
    ),
    "JSON not in UTF-8": lambda c, s: c.plain.post(
        "/v1/classify", data=b'{"text": "' + s.encode() + b'\xff"}', content_type="application/json"
    ),
    "JSON nested too deeply": lambda c, s: c.plain.post(
        "/v1/classify",
        data='{"text": "' + s + '", "name": ' + "[" * 100 + "]" * 100 + "}",
        content_type="application/json",
    ),
    "conflicting options": lambda c, s: c.plain.post(f"/v1/classify?sits={s}", json={"text": "x", "sits": ["SSN"]}),
    "multipart without a file": lambda c, s: c.plain.post("/v1/classify", **multipart({"name": s})),
    "multipart with a broken boundary": lambda c, s: c.plain.post(
        "/v1/classify", data=f"--{s}\r\n{s}", content_type=f"multipart/form-data; boundary={s}x"
    ),
    "multipart without a boundary": lambda c, s: c.plain.post(
        "/v1/classify", data=s, content_type="multipart/form-data"
    ),
    "unreadable document named after the secret": lambda c, s: c.plain.post(
        "/v1/classify", **multipart({"file": (io.BytesIO(TRUNCATED_DOCX), f"{s}.docx")})
    ),
    "unsupported content type": lambda c, s: c.plain.post(
        "/v1/classify", data=s, content_type=f"application/x-{s}; charset={s}"
    ),
    "reveal not allowed": lambda c, s: c.plain.post("/v1/classify", json={"text": s, "reveal": True}),
    "body over the limit": lambda c, s: c.small.post("/v1/classify", data=s * 100, content_type="text/plain"),
    "JSON body over the limit": lambda c, s: c.small.post("/v1/classify", json={"text": s * 100}),
    "invalid API key": lambda c, s: c.keyed.get("/v1/sits", headers={"Authorization": f"Bearer {s}"}),
    "API key in the wrong scheme": lambda c, s: c.keyed.get(f"/v1/sits/{s}", headers={"Authorization": s}),
}


@pytest.fixture
def clients(make_client: Callable[..., FlaskClient]) -> Clients:
    return Clients(
        plain=make_client(),
        small=make_client(max_body_bytes=1024),
        keyed=make_client(api_keys=load_api_keys(API_FIXTURES / "api_keys.yaml")),
    )


@pytest.mark.parametrize("secret", SECRETS, ids=["github-token", "card-number"])
@pytest.mark.parametrize("path", sorted(ERROR_PATHS))
def test_no_error_answer_quotes_the_clients_secret(clients: Clients, path: str, secret: str) -> None:
    response = ERROR_PATHS[path](clients, secret)
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True))
    assert response.content_type == "application/problem+json"
    body = response.get_data(as_text=True)
    assert response.get_json()["detail"]
    assert secret not in body
    assert secret.upper() not in body
    for name, value in response.headers.items():
        assert secret not in value and secret.upper() not in value, name


def test_an_unknown_field_that_is_a_plain_word_is_named(client: FlaskClient) -> None:
    body = client.post("/v1/classify", json={"text": "x", "colour": "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"})
    assert body.get_json()["errors"] == [{"field": "colour", "message": "Unknown field."}]
    assert body.get_json()["detail"] == "The request has invalid fields (1 unknown)."


def test_an_unknown_field_that_could_be_a_value_is_described_not_named(client: FlaskClient) -> None:
    body = client.post("/v1/classify", json={"text": "x", "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": 1}).get_json()
    assert body["errors"] == [{"field": "(name not shown, 40 characters)", "message": "Unknown field."}]


def test_an_unreadable_file_keeps_an_ordinary_name_and_loses_a_secret_one(client: FlaskClient) -> None:
    def upload(name: str) -> str:
        data = {"file": (io.BytesIO(TRUNCATED_DOCX), name)}
        detail: str = client.post("/v1/classify", data=data, content_type="multipart/form-data").get_json()["detail"]
        return detail

    assert upload("truncated.docx").startswith("The document could not be read: truncated.docx: ")
    assert upload(f"{SECRETS[0]}.docx").startswith("The document could not be read: file 1: ")
