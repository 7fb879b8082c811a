"""API keys guard /v1/; health stays open; reveal and metrics need their permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from service.config import ConfigError, load_api_keys
from tests.api.conftest import API_FIXTURES, bearer

TOKEN = "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"


@pytest.mark.parametrize("path", ["/v1/sits", "/v1/bundles"])
def test_v1_routes_need_a_key(keyed_client: FlaskClient, path: str) -> None:
    missing = keyed_client.get(path)
    assert missing.status_code == 401
    assert missing.content_type == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert keyed_client.get(path, headers={"Authorization": "Bearer wrong-key-0000000000000"}).status_code == 401
    assert keyed_client.get(path, headers=bearer("gateway")).status_code == 200


def test_health_stays_open(keyed_client: FlaskClient) -> None:
    assert keyed_client.get("/healthz").status_code == 200
    assert keyed_client.get("/readyz").status_code == 200
    assert keyed_client.get("/metrics").status_code == 200


def test_reveal_needs_the_reveal_permission(keyed_client: FlaskClient) -> None:
    payload = {"text": TOKEN, "reveal": True}
    denied = keyed_client.post("/v1/classify", json=payload, headers=bearer("gateway"))
    assert denied.status_code == 403
    assert denied.get_json()["detail"] == "This API key may not reveal values."
    allowed = keyed_client.post("/v1/classify", json=payload, headers=bearer("reviewer"))
    assert allowed.status_code == 200
    assert allowed.get_json()["results"][0]["matches"][0]["value"] == TOKEN


def test_metrics_can_require_a_key_with_the_metrics_permission(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client(api_keys=load_api_keys(API_FIXTURES / "api_keys.yaml"), metrics_require_key=True)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("gateway")).status_code == 403
    assert client.get("/metrics", headers=bearer("monitoring")).status_code == 200


def test_keys_file_problems_are_clear(tmp_path: pytest.TempPathFactory) -> None:
    bad = tmp_path / "keys.yaml"  # type: ignore[operator]
    bad.write_text("- name: x\n  key: short\n")
    with pytest.raises(ConfigError, match="entry 0: 'key' must be at least 16 characters"):
        load_api_keys(bad)
    bad.write_text("- name: x\n  key: long-enough-key-123456\n  permissions: [superuser]\n")
    with pytest.raises(ConfigError, match="unknown permissions"):
        load_api_keys(bad)


def test_keys_never_appear_in_settings_output() -> None:
    keys = load_api_keys(API_FIXTURES / "api_keys.yaml")
    assert "gateway-key" not in repr(keys)
