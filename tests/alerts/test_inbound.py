"""The receiving side, served over real HTTP on loopback: signatures are checked against the
sender's published keys; tampered bodies, unknown key ids and replayed old messages are refused;
tokens are de-duplicated by fingerprint and counted received / valid / processed as in PyPI's
report of GitHub's alerts, with a failing processing step retried without counting twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from prometheus_client import REGISTRY

from service.alerts.delivery import partner_payload
from service.alerts.signing import (
    KEY_ID_HEADER,
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    EcdsaSigner,
    HmacSigner,
    load_private_key,
)
from service.api import create_app
from tests.alerts.conftest import (
    HttpReceiver,
    alert_settings,
    free_port,
    make_github_token,
    make_pypi_tokens,
    post_json,
    sender_rules,
    served,
    wait_until,
    write_rules,
)

INBOUND = "/v1/alerts/inbound"


def receiver_app(tmp_path: Path, definitions: Path, inbound: dict[str, Any], backoff: float = 0.05) -> Flask:
    rules = write_rules(
        tmp_path / "receiver-rules.yaml",
        {"inbound": inbound, "delivery": {"backoff_base": backoff, "backoff_max": backoff * 2}},
    )
    return create_app(alert_settings(definitions, rules, tmp_path / "receiver.sqlite3"))


def signed(
    signer: EcdsaSigner | HmacSigner,
    items: list[dict[str, str]],
    message_id: str | None = None,
    now: float | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(items).encode()
    headers = signer.sign(body, now).headers()
    if message_id is not None:
        headers[MESSAGE_ID_HEADER] = message_id
    return body, headers


def item(token: str, token_type: str = "pypi_api_token") -> dict[str, str]:
    return {"token": token, "type": token_type, "url": "", "source": "content"}


def metric(name: str, sender: str = "scanner") -> float:
    return REGISTRY.get_sample_value(name, {"sender": sender}) or 0.0


def test_alerts_from_a_sender_service_are_verified_by_its_published_keys_and_processed(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    (tmp_path / "sender").mkdir()
    (tmp_path / "receiver").mkdir()
    token = make_pypi_tokens(1, seed=21)[0]
    receiver_port = free_port()
    sender_rules_path = write_rules(
        tmp_path / "sender" / "rules.yaml",
        sender_rules(f"http://127.0.0.1:{receiver_port}{INBOUND}", signing_key),
    )
    sender = create_app(alert_settings(alert_definitions_dir, sender_rules_path, tmp_path / "sender" / "o.sqlite3"))
    with served(sender) as sender_base:
        # The receiver knows the sender by its well-known URL only.
        receiver = receiver_app(
            tmp_path / "receiver",
            alert_definitions_dir,
            {
                "senders": [{"name": "scanner", "keys_url": sender_base + "/.well-known/dlp-alert-keys"}],
                "validate": {"pypi_api_token": "pypi_macaroon"},
                "process_url": http_receiver.url,
            },
        )
        with served(receiver, receiver_port):
            sender.test_client().post("/v1/classify", json={"text": f"twine upload -p {token}"})
            assert sender.extensions["dlp"].alerts.deliverer().deliver_due() == 1
            stats = receiver.test_client().get("/v1/alerts/stats").get_json()["inbound"]
    assert stats == {"received": 1, "valid": 1, "processed": 1, "pending": 0, "dead": 0}
    # The processing step got the raw token, once.
    (step,) = http_receiver.bodies()
    assert step["token"] == token and step["type"] == "pypi_api_token" and step["sender"] == "scanner"


def keys_file(tmp_path: Path, signer: EcdsaSigner) -> Path:
    path = tmp_path / "sender-keys.json"
    path.write_text(json.dumps(signer.public_keys_document()), encoding="utf-8")
    return path


def test_tampered_unknown_key_and_replayed_old_messages_are_refused(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path
) -> None:
    signer = EcdsaSigner(load_private_key(signing_key))
    app = receiver_app(
        tmp_path,
        alert_definitions_dir,
        {"senders": [{"name": "scanner", "keys_file": str(keys_file(tmp_path, signer))}]},
    )
    token = make_pypi_tokens(1, seed=5)[0]
    other = tmp_path / "other.pem"
    from service.alerts.signing import generate_private_key_pem

    other.write_bytes(generate_private_key_pem())
    stranger = EcdsaSigner(load_private_key(other))
    with served(app) as base:
        url = base + INBOUND
        body, headers = signed(signer, [item(token)])
        tampered = body.replace(b"content", b"commit!")
        assert post_json(url, tampered, headers)[0] == 401
        status, problem = post_json(url, tampered, headers)
        assert problem["type"].endswith("/alert-bad-signature")

        status, problem = post_json(url, *signed(stranger, [item(token)]))
        assert (status, problem["type"].split("/")[-1]) == (401, "alert-unknown-key")

        old_body, old_headers = signed(signer, [item(token)], now=1_000_000_000)
        status, problem = post_json(url, old_body, old_headers)
        assert (status, problem["type"].split("/")[-1]) == (401, "alert-stale")

        unsigned = {k: v for k, v in headers.items() if k != SIGNATURE_HEADER}
        assert post_json(url, body, unsigned)[0] == 401
        bad_time = {**headers, TIMESTAMP_HEADER: str(int(headers[TIMESTAMP_HEADER]) + 1)}
        assert post_json(url, body, bad_time)[0] == 401  # the timestamp is signed too

        assert app.test_client().get("/v1/alerts/stats").get_json()["inbound"]["received"] == 0
        status, answer = post_json(url, body, headers)
        assert (status, answer["accepted"], answer["new_valid"]) == (200, 1, 1)
        assert token not in json.dumps(answer)


def test_hmac_signed_messages_verify_with_the_shared_secret(tmp_path: Path, alert_definitions_dir: Path) -> None:
    secret = tmp_path / "shared.secret"
    secret.write_text("s" * 40, encoding="utf-8")
    app = receiver_app(
        tmp_path,
        alert_definitions_dir,
        {"senders": [{"name": "scanner", "hmac": [{"key_id": "k1", "secret_file": str(secret)}]}]},
    )
    with served(app) as base:
        assert (
            post_json(base + INBOUND, *signed(HmacSigner("k1", b"s" * 40), [item(make_github_token(), "gh")]))[0] == 200
        )
        assert (
            post_json(base + INBOUND, *signed(HmacSigner("k1", b"t" * 40), [item(make_github_token(), "gh")]))[0] == 401
        )


def test_received_valid_processed_follow_the_partner_report(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    signer = EcdsaSigner(load_private_key(signing_key))
    app = receiver_app(
        tmp_path,
        alert_definitions_dir,
        {
            "senders": [{"name": "scanner", "keys_file": str(keys_file(tmp_path, signer))}],
            "validate": {"pypi_api_token": "pypi_macaroon", "github_token": "github_token_crc32"},
            "process_url": http_receiver.url,
        },
        # Long enough that the failed step is not retried while the messages are still arriving.
        backoff=2.0,
    )
    valid = [*make_pypi_tokens(4, seed=99), make_github_token(seed=3)]
    a, b, c, d, e = valid
    look_alike_x = a[:-5]  # truncated: the macaroon's signature is short
    look_alike_y = e[:-1] + ("A" if e[-1] != "A" else "B")  # the CRC32 no longer matches
    types = {e: "github_token", look_alike_y: "github_token"}
    messages = [
        [a, b, look_alike_x],
        [a, c],
        [a, b, look_alike_y],
        [d, e, look_alike_y],
        [c],  # c again, after its processing step failed once
    ]
    before = {
        name: metric(name)
        for name in ("dlp_alerts_received_total", "dlp_alerts_valid_total", "dlp_alerts_processed_total")
    }
    # The processing step fails for the third valid token it is given (c: "e-mail the owner" failed).
    http_receiver.statuses = [200, 200, 500]
    with served(app) as base:
        for number, tokens in enumerate(messages):
            body, headers = signed(signer, [item(t, types.get(t, "pypi_api_token")) for t in tokens], f"m{number}")
            assert post_json(base + INBOUND, body, headers)[0] == 200
        # A repeat of a delivery (the sender lost our answer) is not a new report.
        body, headers = signed(signer, [item(t, types.get(t, "pypi_api_token")) for t in messages[0]], "m0")
        assert post_json(base + INBOUND, body, headers)[1]["duplicate_message"] is True
        client = app.test_client()
        assert client.get("/v1/alerts/stats").get_json()["inbound"] == {
            "received": 12,
            "valid": 5,
            "processed": 4,
            "pending": 1,
            "dead": 0,
        }
        receiver = app.extensions["dlp"].alerts.receiver
        assert wait_until(
            lambda: (receiver.process_due(), client.get("/v1/alerts/stats").get_json()["inbound"]["processed"] == 5)[1]
        )
        stats = client.get("/v1/alerts/stats").get_json()["inbound"]
    assert stats == {"received": 12, "valid": 5, "processed": 5, "pending": 0, "dead": 0}
    steps = [body["token"] for body in http_receiver.bodies()]
    assert sorted(steps) == sorted([a, b, c, c, d, e])  # c twice: failed, then retried; never a look-alike
    after = {name: metric(name) for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        "dlp_alerts_received_total": 12.0,
        "dlp_alerts_valid_total": 5.0,
        "dlp_alerts_processed_total": 5.0,
    }
    metrics_text = client.get("/metrics").get_data(as_text=True)
    assert "dlp_alerts_received_total" in metrics_text and a not in metrics_text


def test_a_message_that_is_not_a_token_list_is_refused_without_echo(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path
) -> None:
    signer = EcdsaSigner(load_private_key(signing_key))
    app = receiver_app(
        tmp_path,
        alert_definitions_dir,
        {"senders": [{"name": "scanner", "keys_file": str(keys_file(tmp_path, signer))}]},
    )
    secret = make_pypi_tokens(1)[0]
    with served(app) as base:
        for body in (b"not json", json.dumps({"token": secret}).encode(), json.dumps([{"token": 5}]).encode()):
            status, problem = post_json(base + INBOUND, body, signer.sign(body).headers())
            assert status in {400, 422} and secret not in json.dumps(problem)


def test_the_partner_payload_is_a_compact_json_array() -> None:
    from service.alerts.store import Alert

    alert = Alert(
        1,
        "pypi",
        "fp",
        "PyPI API token",
        "pypi_api_token",
        "tok",
        "",
        "dlp-classifier",
        "pending",
        0,
        0.0,
        None,
        0.0,
        None,
    )
    assert json.loads(partner_payload([alert])) == [
        {"token": "tok", "type": "pypi_api_token", "url": "", "source": "dlp-classifier"}
    ]
    assert KEY_ID_HEADER.lower() == "dlp-alert-key-identifier"
