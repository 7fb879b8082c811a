"""The sending side against a real HTTP receiver on loopback: classify commits one alert per
token and issuer, the worker delivers it signed in the partner-program shape, retries with
back-off after failures, and gives up into the dead-letter state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from service.alerts.delivery import backoff_delay
from service.alerts.rules import DeliveryOptions
from service.alerts.signing import KEY_ID_HEADER, MESSAGE_ID_HEADER, Verifier, parse_public_keys
from service.alerts.store import DEAD, DELIVERED, PENDING
from service.api import create_app
from tests.alerts.conftest import (
    HttpReceiver,
    alert_settings,
    make_github_token,
    make_pypi_tokens,
    sender_rules,
    wait_until,
)
from tests.alerts.conftest import write_rules as write_rules_file


def sender_app(tmp_path: Path, definitions: Path, rules: dict[str, Any]) -> Flask:
    rules_path = write_rules_file(tmp_path / "alert-rules.yaml", rules)
    return create_app(alert_settings(definitions, rules_path, tmp_path / "outbox.sqlite3"))


def deliver_all(app: Flask) -> int:
    alerts = app.extensions["dlp"].alerts
    deliverer = alerts.deliverer()
    return int(deliverer.deliver_due())


def test_a_valid_token_is_delivered_signed_in_the_partner_shape(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    app = sender_app(tmp_path, alert_definitions_dir, sender_rules(http_receiver.url, signing_key))
    client = app.test_client()
    token = make_pypi_tokens(1)[0]
    answer = client.post("/v1/classify", json={"text": f"TWINE_PASSWORD={token}"})
    assert answer.status_code == 200
    # Committed before the answer returned: the outbox holds it already.
    listed = client.get("/v1/alerts").get_json()["alerts"]
    assert [(a["state"], a["sit"], a["token_sent"]) for a in listed] == [(PENDING, "PyPI API token", "raw")]
    assert token not in client.get("/v1/alerts").get_data(as_text=True)

    assert deliver_all(app) == 1
    assert len(http_receiver.requests) == 1
    sent = http_receiver.requests[0]
    assert http_receiver.bodies()[0] == [
        {"token": token, "type": "pypi_api_token", "url": "", "source": "dlp-classifier"}
    ]
    # The receiver verifies with the keys published at the well-known URL.
    keys = parse_public_keys(client.get("/.well-known/dlp-alert-keys").get_json())
    assert sent.headers[KEY_ID_HEADER] in keys
    Verifier(keys).verify(sent.headers, sent.body)
    assert sent.headers[MESSAGE_ID_HEADER] == str(listed[0]["id"])
    assert client.get(f"/v1/alerts/{listed[0]['id']}").get_json()["state"] == DELIVERED


def test_an_issuer_not_allowed_the_raw_value_gets_the_fingerprint(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    app = sender_app(tmp_path, alert_definitions_dir, sender_rules(http_receiver.url, signing_key, send_token=False))
    token = make_pypi_tokens(1)[0]
    app.test_client().post("/v1/classify", json={"text": token})
    deliver_all(app)
    (item,) = http_receiver.bodies()[0]
    assert item["token"].startswith("hmac-sha256:") and token not in http_receiver.requests[0].body.decode()


def test_a_hundred_documents_with_the_same_token_give_one_alert(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    app = sender_app(tmp_path, alert_definitions_dir, sender_rules(http_receiver.url, signing_key))
    client = app.test_client()
    token = make_pypi_tokens(1)[0]
    for number in range(100):
        assert client.post("/v1/classify", json={"text": f"document {number}: pypi {token}"}).status_code == 200
    assert client.get("/v1/alerts/stats").get_json()["outbox"] == {PENDING: 1, DELIVERED: 0, DEAD: 0}
    deliver_all(app)
    for number in range(10):  # after delivery too, within the window
        client.post("/v1/classify", json={"text": f"again {number}: {token}"})
    assert deliver_all(app) == 0
    assert [len(body) for body in http_receiver.bodies()] == [1]


def test_only_the_chosen_sits_at_their_confidence_raise_alerts(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    app = sender_app(tmp_path, alert_definitions_dir, sender_rules(http_receiver.url, signing_key))
    client = app.test_client()
    # A GitHub token is found, but no rule sends it anywhere; a broken look-alike PyPI token is not valid.
    token = make_pypi_tokens(1)[0]
    text = f"{make_github_token()} and {token[:-6]}"
    report = client.post("/v1/classify", json={"text": text}).get_json()
    assert [r["sit"]["name"] for r in report["results"]] == ["GitHub personal access token"]
    assert client.get("/v1/alerts").get_json()["alerts"] == []


def test_a_failing_receiver_is_retried_with_back_off_and_then_gets_the_alert(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    app = sender_app(tmp_path, alert_definitions_dir, sender_rules(http_receiver.url, signing_key))
    client = app.test_client()
    http_receiver.statuses = [500, 503]
    client.post("/v1/classify", json={"text": make_pypi_tokens(1)[0]})
    alerts = app.extensions["dlp"].alerts
    worker = alerts.worker()
    worker.start()
    try:
        assert wait_until(lambda: alerts.store.counts()[DELIVERED] == 1, timeout=30)
    finally:
        worker.stop()
    (alert,) = alerts.store.list_alerts()
    assert alert.attempts == 3 and alert.last_error is None
    assert len(http_receiver.requests) == 3
    # The same message each time: the same id, and a body that verifies under its own fresh signature.
    assert len({r.headers[MESSAGE_ID_HEADER] for r in http_receiver.requests}) == 1
    assert len({r.body for r in http_receiver.requests}) == 1


def test_after_the_last_attempt_the_alert_is_dead_and_can_be_retried(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    rules = sender_rules(http_receiver.url, signing_key, delivery={"max_attempts": 2, "backoff_base": 0.01})
    app = sender_app(tmp_path, alert_definitions_dir, rules)
    client = app.test_client()
    http_receiver.statuses = [500, 500]
    client.post("/v1/classify", json={"text": make_pypi_tokens(1)[0]})
    alerts = app.extensions["dlp"].alerts
    assert wait_until(lambda: (deliver_all(app), alerts.store.counts()[DEAD] == 1)[1], timeout=30)
    (dead,) = client.get("/v1/alerts?state=dead").get_json()["alerts"]
    assert dead["attempts"] == 2 and dead["last_error"] == "HTTP 500"
    assert client.post(f"/v1/alerts/{dead['id']}/retry").get_json() == {"id": dead["id"], "state": PENDING}
    assert deliver_all(app) == 1
    assert client.get(f"/v1/alerts/{dead['id']}").get_json()["state"] == DELIVERED


def test_a_refusing_issuer_is_not_asked_again() -> None:
    # 4xx other than 408/425/429 says the issuer will never take this message.
    from service.alerts.delivery import Outcome

    assert Outcome(False, "HTTP 400", permanent=True).permanent


def test_back_off_grows_exponentially_under_its_cap_with_jitter() -> None:
    options = DeliveryOptions(backoff_base=2.0, backoff_max=60.0)
    assert [backoff_delay(n, options, rand=lambda: 1.0) for n in (1, 2, 3, 4, 10)] == [2.0, 4.0, 8.0, 16.0, 60.0]
    assert backoff_delay(4, options, rand=lambda: 0.5) == 8.0
    assert backoff_delay(4, options, rand=lambda: 0.0) == 1.0  # never a busy loop


def test_without_alert_rules_classify_creates_no_outbox(tmp_path: Path, alert_definitions_dir: Path) -> None:
    app = create_app(alert_settings(alert_definitions_dir, None, tmp_path / "outbox.sqlite3"))
    client = app.test_client()
    assert client.post("/v1/classify", json={"text": make_pypi_tokens(1)[0]}).status_code == 200
    assert list(tmp_path.iterdir()) == []
    assert client.get("/v1/alerts").status_code == 404
    assert client.get("/.well-known/dlp-alert-keys").status_code == 404
