"""The real service under gunicorn with several workers: alerts raised by any worker are
delivered once, by the one delivery worker of the service."""

from __future__ import annotations

import json
from pathlib import Path

from tests.alerts.conftest import HttpReceiver, make_pypi_tokens, sender_rules, wait_until, write_rules
from tests.e2e.service_process import running_service


def test_three_gunicorn_workers_deliver_each_token_once(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    rules = write_rules(tmp_path / "rules.yaml", sender_rules(http_receiver.url, signing_key))
    env = {
        "DLP_ALERT_RULES": str(rules),
        "DLP_ALERT_DB": str(tmp_path / "outbox.sqlite3"),
        "DLP_BUILTIN_DEFINITIONS": "false",
        "DLP_DEFINITIONS_DIRS": str(alert_definitions_dir),
    }
    tokens = make_pypi_tokens(5, seed=77)
    with running_service(tmp_path, env, workers=3) as service:
        for number in range(30):  # new connections: the requests spread over the workers
            token = tokens[number % len(tokens)]
            status, _, _ = service.request(
                "POST",
                "/v1/classify",
                json.dumps({"text": f"doc {number} {token}"}).encode(),
                {"Content-Type": "application/json"},
            )
            assert status == 200
        assert wait_until(lambda: len({t["token"] for b in http_receiver.bodies() for t in b}) == 5, timeout=60)
        status, _, body = service.request("GET", "/v1/alerts/stats")
        assert status == 200
        assert json.loads(body)["outbox"] == {"pending": 0, "delivered": 5, "dead": 0}
        status, _, metrics = service.request("GET", "/metrics")
    delivered = [t["token"] for b in http_receiver.bodies() for t in b]
    assert sorted(delivered) == sorted(tokens)  # each once, whichever worker classified it
    assert b'dlp_alerts_delivered_total{issuer="pypi"} 5.0' in metrics
