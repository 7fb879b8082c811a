"""``POST /v1/sits/reload`` with the Flask test client: the app swaps its own scanner."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from service import supervisor
from service.api import create_app
from service.config import Settings, load_api_keys
from service.definitions import load_definitions
from service.engine import compile_scanner
from tests.fixtures.custom_sits import BROKEN_SIT, sit_name, write_custom_sit

ADMIN_KEY = "operator-key-0123456789abcdef"
CLIENT_KEY = "client-key-0123456789abcdef"


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


@pytest.fixture
def custom_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "custom"
    directory.mkdir()
    write_custom_sit(directory, "ALPHA")
    return directory


@pytest.fixture
def make_reloadable(custom_dir: Path, tmp_path: Path) -> Callable[..., FlaskClient]:
    """An app on the custom folder alone (no built-in SITs: quick to compile), keys optional."""

    def make(with_keys: bool = False) -> FlaskClient:
        keys = ()
        if with_keys:
            path = tmp_path / "keys.yaml"
            path.write_text(
                f"- name: operator\n  key: {ADMIN_KEY}\n  permissions: [admin]\n- name: client\n  key: {CLIENT_KEY}\n"
            )
            keys = load_api_keys(path)
        settings = Settings(
            fingerprint_key=b"k" * 32, builtin_definitions=False, definitions_dirs=(custom_dir,), api_keys=keys
        )
        return create_app(settings, scanner=compile_scanner(load_definitions([custom_dir]))).test_client()

    return make


def names_found(client: FlaskClient, text: str, headers: dict[str, str] | None = None) -> tuple[str, set[str]]:
    answer = client.post("/v1/classify", json={"text": text}, headers=headers or {}).get_json()
    return answer["definitions_version"], {result["sit"]["name"] for result in answer["results"]}


def test_a_reload_serves_the_new_set_and_says_which_version_it_is(
    make_reloadable: Callable[..., FlaskClient], custom_dir: Path
) -> None:
    client = make_reloadable()
    old = client.get("/readyz").get_json()["definitions_version"]
    assert names_found(client, "ALPHA-123456 BETA-654321") == (old, {sit_name("ALPHA")})
    reloads = counter("dlp_definitions_reloads_total")

    write_custom_sit(custom_dir, "BETA")
    answer = client.post("/v1/sits/reload")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "reloaded" and body["previous_version"] == old and body["sits"] == 2
    new = body["definitions_version"]
    assert new != old
    assert client.get("/readyz").get_json()["definitions_version"] == new
    assert client.get("/v1/sits").get_json()["definitions_version"] == new
    assert names_found(client, "ALPHA-123456 BETA-654321") == (new, {sit_name("ALPHA"), sit_name("BETA")})
    assert counter("dlp_definitions_reloads_total") == reloads + 1
    assert REGISTRY.get_sample_value("dlp_definitions_info", {"version": new}) == 1
    assert REGISTRY.get_sample_value("dlp_definitions_info", {"version": old}) == 0


def test_reloading_the_same_definitions_changes_nothing(make_reloadable: Callable[..., FlaskClient]) -> None:
    client = make_reloadable()
    version = client.get("/readyz").get_json()["definitions_version"]
    answer = client.post("/v1/sits/reload").get_json()
    assert answer == {"status": "unchanged", "definitions_version": version, "previous_version": version, "sits": 1}


def test_a_request_that_took_the_old_set_keeps_it(
    make_reloadable: Callable[..., FlaskClient], custom_dir: Path
) -> None:
    client = make_reloadable()
    state = client.application.extensions["dlp"]
    taken = state.scanners.current  # what a running request holds
    write_custom_sit(custom_dir, "BETA")
    assert client.post("/v1/sits/reload").status_code == 200
    assert len(taken.definitions) == 1 and taken.version != state.scanners.current.version


def test_reloading_needs_the_admin_permission_when_keys_are_configured(
    make_reloadable: Callable[..., FlaskClient],
) -> None:
    client = make_reloadable(with_keys=True)
    missing = client.post("/v1/sits/reload")
    assert missing.status_code == 401 and missing.content_type == "application/problem+json"
    assert client.post("/v1/sits/reload", headers={"Authorization": "Bearer not-a-key-000000000"}).status_code == 401
    denied = client.post("/v1/sits/reload", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    assert denied.status_code == 403 and denied.content_type == "application/problem+json"
    assert denied.get_json()["detail"] == "This API key may not reload definitions."
    allowed = client.post("/v1/sits/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert allowed.status_code == 200 and allowed.get_json()["status"] == "unchanged"


def test_a_broken_definition_is_answered_naming_its_file_and_the_old_set_serves_on(
    make_reloadable: Callable[..., FlaskClient], custom_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_reloadable()
    old = client.get("/readyz").get_json()["definitions_version"]
    failures = counter("dlp_definitions_reload_failures_total")
    write_custom_sit(custom_dir, "BETA")
    (custom_dir / "broken.yaml").write_text(BROKEN_SIT)

    answer = client.post("/v1/sits/reload")
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"].endswith("/invalid-definitions")
    assert "custom/broken.yaml" in problem["detail"] and "unknown element 'no_such_element'" in problem["detail"]
    assert problem["errors"] == [
        {"field": "custom/broken.yaml: patterns.0.primary", "message": "unknown element 'no_such_element'"}
    ]
    assert counter("dlp_definitions_reload_failures_total") == failures + 1
    assert "dlp_definitions_reload_failures_total" in client.get("/metrics").get_data(as_text=True)
    assert client.get("/readyz").get_json()["definitions_version"] == old
    assert names_found(client, "ALPHA-123456 BETA-654321") == (old, {sit_name("ALPHA")})
    assert any(
        "definitions reload failed" in r.getMessage() and "custom/broken.yaml" in r.getMessage() for r in caplog.records
    )


def test_values_quoted_by_a_broken_definition_are_masked(
    make_reloadable: Callable[..., FlaskClient], custom_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_reloadable()
    (custom_dir / "leaky.yaml").write_text(BROKEN_SIT.replace("no_such_element", "ALPHA-987654"))
    answer = client.post("/v1/sits/reload")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "ALPHA-987654" not in text and "987654" not in text
    assert "****…(12)" in answer.get_json()["errors"][0]["message"]
    assert not any("987654" in record.getMessage() for record in caplog.records)


def test_under_gunicorn_the_worker_compiles_then_asks_the_master(
    make_reloadable: Callable[..., FlaskClient], custom_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_reloadable()
    old = client.get("/readyz").get_json()["definitions_version"]
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(supervisor, "_master_pid", os.getppid())
    monkeypatch.setattr(supervisor.os, "kill", lambda pid, sig: sent.append((pid, sig)))

    (custom_dir / "broken.yaml").write_text(BROKEN_SIT)
    assert client.post("/v1/sits/reload").status_code == 422
    assert sent == []  # a broken set is never handed over
    (custom_dir / "broken.yaml").unlink()

    write_custom_sit(custom_dir, "BETA")
    answer = client.post("/v1/sits/reload")
    assert answer.status_code == 202
    assert answer.get_json()["status"] == "reloading" and answer.get_json()["definitions_version"] != old
    assert sent == [(os.getppid(), signal.SIGHUP)]
    # The swap is the master's: this worker goes on serving what it was forked with.
    assert client.get("/readyz").get_json()["definitions_version"] == old


def test_a_worker_whose_master_is_gone_reloads_itself(
    make_reloadable: Callable[..., FlaskClient], custom_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_reloadable()
    monkeypatch.setattr(supervisor, "_master_pid", os.getppid() + 100_000)  # not this process's parent
    monkeypatch.setattr(supervisor.os, "kill", lambda pid, sig: pytest.fail("signalled a process not its master"))
    write_custom_sit(custom_dir, "BETA")
    assert client.post("/v1/sits/reload").get_json()["status"] == "reloaded"


def test_the_reload_route_is_in_the_openapi_document(make_reloadable: Callable[..., FlaskClient]) -> None:
    spec = make_reloadable().get("/openapi.json").get_json()
    operation = spec["paths"]["/v1/sits/reload"]["post"]
    assert {"200", "202", "401", "403", "422"} <= set(operation["responses"])
    assert "definitions_version" in spec["components"]["schemas"]["Report"]["required"]
