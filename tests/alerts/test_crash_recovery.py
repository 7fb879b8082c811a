"""``kill -9`` of the delivery worker mid-queue: after a restart every alert reaches the
receiver, none is lost, and the only repeat possible (the one in flight at the kill) carries the
same delivery id, so the receiver drops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from service.alerts.signing import MESSAGE_ID_HEADER
from service.api import create_app
from tests.alerts.conftest import (
    FINGERPRINT_KEY,
    HttpReceiver,
    alert_settings,
    make_pypi_tokens,
    sender_rules,
    wait_until,
    write_rules,
)

ALERTS = 24


def start_worker(rules: Path, db: Path, log: Path) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "DLP_ALERT_RULES": str(rules),
        "DLP_ALERT_DB": str(db),
        "DLP_FINGERPRINT_KEY": FINGERPRINT_KEY.decode(),
    }
    dlp = Path(sys.executable).parent / "dlp"
    with log.open("ab") as out:
        return subprocess.Popen([str(dlp), "alerts", "worker"], env=environ, stdout=out, stderr=out)


def test_a_killed_worker_loses_and_duplicates_nothing(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver
) -> None:
    rules = write_rules(
        tmp_path / "rules.yaml",
        sender_rules(http_receiver.url, signing_key, delivery={"batch_size": 1, "lease": 1, "poll_interval": 0.05}),
    )
    db = tmp_path / "outbox.sqlite3"
    app = create_app(alert_settings(alert_definitions_dir, rules, db))
    tokens = make_pypi_tokens(ALERTS, seed=2026)
    assert app.test_client().post("/v1/classify", json={"text": "\n".join(tokens)}).status_code == 200
    store = app.extensions["dlp"].alerts.store
    assert store.counts()["pending"] == ALERTS

    http_receiver.delay = 0.1  # each delivery takes a while: the kill lands mid-queue
    log = tmp_path / "worker.log"
    worker = start_worker(rules, db, log)
    try:
        assert wait_until(lambda: len(http_receiver.requests) >= 5, timeout=60), log.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    counts = store.counts()
    assert 0 < counts["pending"] < ALERTS  # killed mid-queue, the rest still committed

    restarted = start_worker(rules, db, log)
    try:
        assert wait_until(lambda: store.counts()["delivered"] == ALERTS, timeout=120), log.read_text()
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(30)
    assert restarted.returncode == 0

    ids = [request.headers[MESSAGE_ID_HEADER] for request in http_receiver.requests]
    expected = {str(alert.id) for alert in store.list_alerts()}
    assert set(ids) == expected  # nothing lost
    assert len(ids) - len(set(ids)) <= 1  # at most the message in flight at the kill, under its own id
    received = sorted({body[0]["token"] for body in http_receiver.bodies()})
    assert received == sorted(tokens)
    assert store.counts() == {"pending": 0, "delivered": ALERTS, "dead": 0}
