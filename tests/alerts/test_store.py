"""The outbox and the inbound record, on SQLite and on a real PostgreSQL server alike."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask

from service.alerts.database import Database, PostgresDatabase, SqliteDatabase
from service.alerts.delivery import LeaderLock
from service.alerts.store import DEAD, DELIVERED, PENDING, AlertStore, NewAlert, TokenReport
from service.api import create_app
from tests.alerts.conftest import HttpReceiver, alert_settings, make_pypi_tokens, sender_rules, write_rules

WINDOW = 3600.0


def open_db(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Database:
    if kind == "sqlite":
        return SqliteDatabase(tmp_path / "outbox.sqlite3")
    return PostgresDatabase(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> AlertStore:
    store = AlertStore(open_db(backend, tmp_path, request))
    store.create_schema()
    store.create_schema()  # idempotent: every process of the service creates it at start
    return store


def alert(fingerprint: str = "hmac-sha256:aa", issuer: str = "pypi") -> NewAlert:
    return NewAlert(issuer, fingerprint, "PyPI API token", "pypi_api_token", fingerprint, "", "dlp-classifier")


def test_one_alert_per_fingerprint_and_issuer_within_the_window(store: AlertStore) -> None:
    assert len(store.enqueue([alert(), alert()], WINDOW, now=1000.0)) == 1
    assert store.enqueue([alert()], WINDOW, now=1000.0 + WINDOW - 1) == []
    assert len(store.enqueue([alert(issuer="other")], WINDOW, now=1001.0)) == 1
    assert len(store.enqueue([alert()], WINDOW, now=1000.0 + WINDOW + 1)) == 1  # the window has passed
    assert store.counts() == {PENDING: 3, DELIVERED: 0, DEAD: 0}


def test_concurrent_enqueues_of_one_token_give_one_alert(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first = AlertStore(open_db(backend, tmp_path, request))
    first.create_schema()
    added: list[int] = []
    lock = threading.Lock()

    def enqueue() -> None:
        # Its own database object, so its own connection: as in another gunicorn worker.
        store = AlertStore(
            SqliteDatabase(first.database.path)
            if isinstance(first.database, SqliteDatabase)
            else PostgresDatabase(request.getfixturevalue("postgres_url"))
        )
        for _ in range(5):
            ids = store.enqueue([alert("hmac-sha256:same")], WINDOW)
            with lock:
                added.extend(i for i, _ in ids)

    threads = [threading.Thread(target=enqueue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(added) == 1
    assert first.counts()[PENDING] == 1


def test_a_claim_is_a_lease_taken_up_again_when_its_worker_is_gone(store: AlertStore) -> None:
    store.enqueue([alert("hmac-sha256:1"), alert("hmac-sha256:2")], WINDOW, now=100.0)
    claimed = store.claim_due(10, lease=60, now=100.0)
    assert len(claimed) == 2
    assert store.claim_due(10, lease=60, now=130.0) == []  # held by the first claimant
    again = store.claim_due(10, lease=60, now=161.0)  # its lease ran out: a killed worker
    assert [a.id for a in again] == [a.id for a in claimed]
    store.mark_delivered([claimed[0].id])
    assert store.get(claimed[0].id).state == DELIVERED  # type: ignore[union-attr]


def test_failures_back_off_then_go_dead_and_retry_starts_afresh(store: AlertStore) -> None:
    (added,) = store.enqueue([alert()], WINDOW, now=100.0)
    alert_id = added[0]
    store.claim_due(10, lease=60, now=100.0)
    store.mark_failed([alert_id], "HTTP 500", retry_at=200.0, max_attempts=2)
    assert store.claim_due(10, lease=60, now=150.0) == []  # not due before its back-off
    assert len(store.claim_due(10, lease=60, now=200.0)) == 1
    store.mark_failed([alert_id], "HTTP 502", retry_at=400.0, max_attempts=2)
    dead = store.get(alert_id)
    assert dead is not None and (dead.state, dead.attempts, dead.last_error) == (DEAD, 2, "HTTP 502")
    assert store.retry(alert_id)
    assert store.get(alert_id).state == PENDING  # type: ignore[union-attr]
    assert not store.retry(12345)


def test_purge_keeps_the_de_duplication_marks(store: AlertStore) -> None:
    (added,) = store.enqueue([alert()], WINDOW, now=100.0)
    store.mark_delivered([added[0]], now=101.0)
    assert store.purge(older_than=10, now=200.0) == 1
    assert store.list_alerts() == []
    assert store.enqueue([alert()], WINDOW, now=300.0) == []  # still within the window
    assert store.forget_expired_marks(WINDOW, now=100.0 + WINDOW + 1) == 1


def test_the_inbound_record_counts_reports_once_per_fingerprint(store: AlertStore) -> None:
    good = TokenReport("fp-good", "pypi_api_token", "tok", "", "content", None)
    bad = TokenReport("fp-bad", "pypi_api_token", "look-alike", "", "content", "CRC32 checksum does not match")
    first = store.receive("scanner", "1", [good, bad], now=10.0)
    assert first is not None and [(r.first_time, r.valid) for r in first] == [(True, True), (True, False)]
    assert store.receive("scanner", "1", [good, bad], now=11.0) is None  # the same delivery again
    again = store.receive("scanner", "2", [good], now=12.0)
    assert again is not None and [(r.first_time, r.valid) for r in again] == [(False, True)]
    (due,) = store.due_for_processing(10, lease=30, now=12.0)
    assert (due.fingerprint, due.token) == ("fp-good", "tok")
    assert store.due_for_processing(10, lease=30, now=13.0) == []  # leased to the first caller
    assert store.mark_processed("fp-good") and not store.mark_processed("fp-good")
    stats = store.inbound_stats()
    assert (stats.received, stats.valid, stats.processed, stats.pending) == (3, 1, 1, 0)


def test_the_kept_fingerprint_key_stays_the_same(store: AlertStore) -> None:
    assert store.fingerprint_key(b"a" * 32) == b"a" * 32
    assert store.fingerprint_key(b"b" * 32) == b"a" * 32


def test_one_process_of_the_service_holds_the_leader_lock(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    def database() -> SqliteDatabase | PostgresDatabase:
        if backend == "sqlite":
            return SqliteDatabase(tmp_path / "outbox.sqlite3")
        return PostgresDatabase(request.getfixturevalue("postgres_url"))

    first, second = LeaderLock(database()), LeaderLock(database())
    results: dict[str, bool] = {}

    def take(name: str, lock: LeaderLock) -> None:
        results[name] = lock.acquire()

    # Threads: a PostgreSQL session per thread, as in two processes.
    for name, lock in (("first", first), ("second", second)):
        thread = threading.Thread(target=take, args=(name, lock))
        thread.start()
        thread.join()
    assert results == {"first": True, "second": False}
    first.release()
    thread = threading.Thread(target=take, args=("second", second))
    thread.start()
    thread.join()
    assert results["second"] is True
    second.release()


def test_the_service_on_postgresql_commits_and_delivers(
    tmp_path: Path, alert_definitions_dir: Path, signing_key: Path, http_receiver: HttpReceiver, fresh_postgres_url: str
) -> None:
    rules = write_rules(tmp_path / "rules.yaml", sender_rules(http_receiver.url, signing_key))
    app: Flask = create_app(
        alert_settings(alert_definitions_dir, rules, tmp_path / "unused.sqlite3", alert_database_url=fresh_postgres_url)
    )
    token = make_pypi_tokens(1, seed=404)[0]
    client = app.test_client()
    for _ in range(3):
        assert client.post("/v1/classify", json={"text": token}).status_code == 200
    assert not (tmp_path / "unused.sqlite3").exists()
    assert app.extensions["dlp"].alerts.deliverer().deliver_due() == 1
    assert [body[0]["token"] for body in http_receiver.bodies()] == [token]
    assert client.get("/v1/alerts/stats").get_json()["outbox"] == {PENDING: 0, DELIVERED: 1, DEAD: 0}
