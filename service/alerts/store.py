"""The durable outbox of alerts to send, and the record of alerts received.

An alert is a row: written (with its de-duplication mark, in the same transaction) before the
classify answer returns, claimed by the delivery worker under a lease, then marked delivered,
scheduled again, or dead. A worker killed mid-delivery leaves its claims to expire: the alert
is sent again, with the same ``id``, which receivers use to drop the repeat.

Received alerts are one row per token fingerprint: how many times it was reported, whether
it was valid, and whether its processing step has run. The three figures of a partner
report come from these rows, so they are exact across processes and restarts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from service.alerts.database import POSTGRES, Database

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
STATES = (PENDING, DELIVERED, DEAD)
# Received tokens: waiting for their processing step, processed, dead after too many failures, or invalid.
INBOUND_PENDING, INBOUND_PROCESSED, INBOUND_DEAD, INBOUND_INVALID = "pending", "processed", "dead", "invalid"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_outbox (
    id {id_column},
    issuer TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    sit TEXT NOT NULL,
    token_type TEXT NOT NULL,
    token TEXT NOT NULL,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    delivered_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS alert_dedup (
    issuer TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    enqueued_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (issuer, fingerprint)
);
CREATE TABLE IF NOT EXISTS alert_inbound (
    fingerprint TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    token_type TEXT NOT NULL,
    token TEXT,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    reports INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    reason TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    last_error TEXT,
    first_seen_at DOUBLE PRECISION NOT NULL,
    processed_at DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS alert_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_inbound_messages (
    message_id TEXT PRIMARY KEY,
    received_at DOUBLE PRECISION NOT NULL
);
"""

_OUTBOX_COLUMNS = (
    "id, issuer, fingerprint, sit, token_type, token, url, source, state, attempts, next_attempt_at, "
    "last_error, created_at, delivered_at"
)


@dataclass(frozen=True)
class NewAlert:
    issuer: str
    fingerprint: str
    sit: str
    token_type: str
    token: str  # the raw value only when the rule allows sending it to its issuer; else the fingerprint
    url: str
    source: str


@dataclass(frozen=True)
class Alert:
    id: int
    issuer: str
    fingerprint: str
    sit: str
    token_type: str
    token: str
    url: str
    source: str
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    delivered_at: float | None

    def describe(self) -> dict[str, Any]:
        """As listed to operators: never the raw token, only its fingerprint."""
        return {
            "id": self.id,
            "issuer": self.issuer,
            "fingerprint": self.fingerprint,
            "sit": self.sit,
            "type": self.token_type,
            "token_sent": "raw" if self.token != self.fingerprint else "fingerprint",
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at if self.state == PENDING else None,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "delivered_at": self.delivered_at,
        }


@dataclass(frozen=True)
class InboundStats:
    received: int  # token reports accepted, duplicates included
    valid: int  # distinct tokens that passed validation, each once
    processed: int  # distinct valid tokens whose processing step succeeded, each once
    pending: int  # valid tokens whose processing step has not succeeded yet
    dead: int  # valid tokens whose processing step gave up

    def to_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "valid": self.valid,
            "processed": self.processed,
            "pending": self.pending,
            "dead": self.dead,
        }


@dataclass(frozen=True)
class InboundToken:
    fingerprint: str
    sender: str
    token_type: str
    token: str | None
    url: str
    source: str
    attempts: int


@dataclass(frozen=True)
class TokenReport:
    """One token of a received message, checked."""

    fingerprint: str
    token_type: str
    token: str | None
    url: str
    source: str
    reason: str | None  # None: valid; else why not


@dataclass(frozen=True)
class Received:
    """What one reported token did to the record."""

    fingerprint: str
    first_time: bool
    valid: bool


class AlertStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def create_schema(self) -> None:
        id_column = (
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            if self.database.dialect == POSTGRES
            else "INTEGER PRIMARY KEY AUTOINCREMENT"
        )
        with self.database.transaction() as tx:
            for statement in _SCHEMA.format(id_column=id_column).split(";"):
                if statement.strip():
                    tx.execute(statement)

    def fingerprint_key(self, candidate: bytes) -> bytes:
        """The fingerprint key kept in the database: ``candidate`` the first time, the same after."""
        with self.database.transaction() as tx:
            tx.execute(
                "INSERT INTO alert_meta (name, value) VALUES ('fingerprint_key', ?) ON CONFLICT (name) DO NOTHING",
                (candidate.hex(),),
            )
            rows = tx.execute("SELECT value FROM alert_meta WHERE name = 'fingerprint_key'")
        return bytes.fromhex(str(rows[0][0]))

    # -- sending side ------------------------------------------------------------------

    def enqueue(
        self, alerts: Iterable[NewAlert], dedup_window: float, now: float | None = None
    ) -> list[tuple[int, NewAlert]]:
        """Commit the alerts not already enqueued for the same issuer and fingerprint within
        ``dedup_window`` seconds; those added, with their ids."""
        now = time.time() if now is None else now
        added: list[tuple[int, NewAlert]] = []
        unique = {(alert.issuer, alert.fingerprint): alert for alert in alerts}
        if not unique:
            return added
        with self.database.transaction() as tx:
            for alert in unique.values():
                # The mark and the alert commit together: a crash leaves both or neither.
                marked = tx.execute(
                    "INSERT INTO alert_dedup (issuer, fingerprint, enqueued_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (issuer, fingerprint) DO UPDATE SET enqueued_at = excluded.enqueued_at "
                    "WHERE alert_dedup.enqueued_at <= ? RETURNING issuer",
                    (alert.issuer, alert.fingerprint, now, now - dedup_window),
                )
                if not marked:
                    continue
                rows = tx.execute(
                    "INSERT INTO alert_outbox (issuer, fingerprint, sit, token_type, token, url, source, state, "
                    "attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
                    (
                        alert.issuer,
                        alert.fingerprint,
                        alert.sit,
                        alert.token_type,
                        alert.token,
                        alert.url,
                        alert.source,
                        PENDING,
                        now,
                        now,
                    ),
                )
                added.append((int(rows[0][0]), alert))
        return added

    def claim_due(self, limit: int, lease: float, now: float | None = None) -> list[Alert]:
        """Pending alerts due now, leased to the caller for ``lease`` seconds."""
        now = time.time() if now is None else now
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.database.dialect == POSTGRES else ""
        with self.database.transaction(claim=True) as tx:
            rows = tx.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM alert_outbox WHERE state = ? AND next_attempt_at <= ? "
                f"AND lease_until <= ? ORDER BY id LIMIT ?{skip_locked}",
                (PENDING, now, now, limit),
            )
            for row in rows:
                tx.execute("UPDATE alert_outbox SET lease_until = ? WHERE id = ?", (now + lease, row[0]))
        return [_alert(row) for row in rows]

    def mark_delivered(self, ids: Sequence[int], now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self.database.transaction() as tx:
            for alert_id in ids:
                tx.execute(
                    "UPDATE alert_outbox SET state = ?, delivered_at = ?, attempts = attempts + 1, lease_until = 0, "
                    "last_error = NULL WHERE id = ? AND state = ?",
                    (DELIVERED, now, alert_id, PENDING),
                )

    def mark_failed(self, ids: Sequence[int], error: str, retry_at: float | None, max_attempts: int) -> None:
        """One more failed attempt; dead once ``max_attempts`` are used (or ``retry_at`` is None)."""
        with self.database.transaction() as tx:
            for alert_id in ids:
                tx.execute(
                    "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, lease_until = 0, "
                    "next_attempt_at = ?, state = CASE WHEN attempts + 1 >= ? OR ? THEN ? ELSE state END "
                    "WHERE id = ? AND state = ?",
                    (
                        error[:500],
                        retry_at if retry_at is not None else 0.0,
                        max_attempts,
                        retry_at is None,
                        DEAD,
                        alert_id,
                        PENDING,
                    ),
                )

    def list_alerts(self, state: str | None = None, limit: int = 100) -> list[Alert]:
        where, params = ("WHERE state = ?", [state]) if state else ("", [])
        with self.database.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM alert_outbox {where} ORDER BY id DESC LIMIT ?", (*params, limit)
            )
        return [_alert(row) for row in rows]

    def get(self, alert_id: int) -> Alert | None:
        with self.database.transaction() as tx:
            rows = tx.execute(f"SELECT {_OUTBOX_COLUMNS} FROM alert_outbox WHERE id = ?", (alert_id,))
        return _alert(rows[0]) if rows else None

    def retry(self, alert_id: int, now: float | None = None) -> bool:
        """Send a dead (or waiting) alert again at once, with a fresh count of attempts."""
        now = time.time() if now is None else now
        with self.database.transaction() as tx:
            tx.execute(
                "UPDATE alert_outbox SET state = ?, attempts = 0, next_attempt_at = ?, lease_until = 0 "
                "WHERE id = ? AND state IN (?, ?)",
                (PENDING, now, alert_id, PENDING, DEAD),
            )
            return tx.rowcount == 1

    def purge(self, older_than: float, states: Sequence[str] = (DELIVERED, DEAD), now: float | None = None) -> int:
        """Delete delivered and dead alerts created more than ``older_than`` seconds ago. The
        de-duplication marks stay until their window has passed, so a purge never lets a token
        be sent twice within it."""
        now = time.time() if now is None else now
        marks = ",".join("?" for _ in states)
        with self.database.transaction() as tx:
            tx.execute(
                f"DELETE FROM alert_outbox WHERE state IN ({marks}) AND created_at < ?", (*states, now - older_than)
            )
            return tx.rowcount

    def forget_expired_marks(self, dedup_window: float, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM alert_dedup WHERE enqueued_at <= ?", (now - dedup_window,))
            return tx.rowcount

    def counts(self) -> dict[str, int]:
        with self.database.transaction() as tx:
            rows = tx.execute("SELECT state, COUNT(*) FROM alert_outbox GROUP BY state")
        found = {str(state): int(count) for state, count in rows}
        return {state: found.get(state, 0) for state in STATES}

    # -- receiving side ----------------------------------------------------------------

    def receive(
        self, sender: str, message_id: str | None, reports: Sequence[TokenReport], now: float | None = None
    ) -> list[Received] | None:
        """Count the reports of one message, all or none; None when ``message_id`` was received
        before (a repeat after a lost answer, not a new report). The first report of a fingerprint
        decides its validity (``reason`` None: valid) and, if valid, queues its processing step."""
        now = time.time() if now is None else now
        results: list[Received] = []
        with self.database.transaction() as tx:
            if message_id is not None:
                fresh = tx.execute(
                    "INSERT INTO alert_inbound_messages (message_id, received_at) VALUES (?, ?) "
                    "ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
                    (f"{sender}:{message_id}", now),
                )
                if not fresh:
                    return None
            for report in reports:
                valid = report.reason is None
                rows = tx.execute(
                    "INSERT INTO alert_inbound (fingerprint, sender, token_type, token, url, source, reports, valid, "
                    "reason, state, attempts, next_attempt_at, first_seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 0, ?, ?) "
                    "ON CONFLICT (fingerprint) DO UPDATE SET reports = alert_inbound.reports + 1 "
                    "RETURNING reports, valid",
                    (
                        report.fingerprint,
                        sender,
                        report.token_type,
                        report.token if valid else None,  # an invalid look-alike is not kept
                        report.url,
                        report.source,
                        1 if valid else 0,
                        report.reason,
                        INBOUND_PENDING if valid else INBOUND_INVALID,
                        now,
                        now,
                    ),
                )
                count, was_valid = rows[0]
                results.append(Received(report.fingerprint, first_time=int(count) == 1, valid=bool(was_valid)))
        return results

    def due_for_processing(self, limit: int, lease: float, now: float | None = None) -> list[InboundToken]:
        now = time.time() if now is None else now
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.database.dialect == POSTGRES else ""
        with self.database.transaction(claim=True) as tx:
            rows = tx.execute(
                "SELECT fingerprint, sender, token_type, token, url, source, attempts FROM alert_inbound "
                f"WHERE state = ? AND next_attempt_at <= ? ORDER BY first_seen_at LIMIT ?{skip_locked}",
                (INBOUND_PENDING, now, limit),
            )
            for row in rows:
                # The lease: another worker does not take it up while this one runs the step.
                tx.execute("UPDATE alert_inbound SET next_attempt_at = ? WHERE fingerprint = ?", (now + lease, row[0]))
        return [InboundToken(str(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]), str(r[5]), int(r[6])) for r in rows]

    def mark_processed(self, fingerprint: str, now: float | None = None) -> bool:
        """True when this call moved the token to processed (so it is counted once)."""
        now = time.time() if now is None else now
        with self.database.transaction() as tx:
            # The raw token is no longer needed once its processing step has run.
            tx.execute(
                "UPDATE alert_inbound SET state = ?, processed_at = ?, token = NULL, attempts = attempts + 1, "
                "last_error = NULL WHERE fingerprint = ? AND state = ?",
                (INBOUND_PROCESSED, now, fingerprint, INBOUND_PENDING),
            )
            return tx.rowcount == 1

    def mark_processing_failed(self, fingerprint: str, error: str, retry_at: float | None, max_attempts: int) -> None:
        with self.database.transaction() as tx:
            tx.execute(
                "UPDATE alert_inbound SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
                "state = CASE WHEN attempts + 1 >= ? OR ? THEN ? ELSE state END WHERE fingerprint = ? AND state = ?",
                (
                    error[:500],
                    retry_at if retry_at is not None else 0.0,
                    max_attempts,
                    retry_at is None,
                    INBOUND_DEAD,
                    fingerprint,
                    INBOUND_PENDING,
                ),
            )

    def retry_processing(self, fingerprint: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self.database.transaction() as tx:
            tx.execute(
                "UPDATE alert_inbound SET state = ?, attempts = 0, next_attempt_at = ? "
                "WHERE fingerprint = ? AND state IN (?, ?)",
                (INBOUND_PENDING, now, fingerprint, INBOUND_PENDING, INBOUND_DEAD),
            )
            return tx.rowcount == 1

    def inbound_stats(self) -> InboundStats:
        with self.database.transaction() as tx:
            rows = tx.execute(
                "SELECT COALESCE(SUM(reports), 0), COALESCE(SUM(valid), 0), "
                "COALESCE(SUM(CASE WHEN state = ? THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN state = ? THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN state = ? THEN 1 ELSE 0 END), 0) FROM alert_inbound",
                (INBOUND_PROCESSED, INBOUND_PENDING, INBOUND_DEAD),
            )
        received, valid, processed, pending, dead = (int(value) for value in rows[0])
        return InboundStats(received, valid, processed, pending, dead)


def _alert(row: tuple[Any, ...]) -> Alert:
    return Alert(
        id=int(row[0]),
        issuer=str(row[1]),
        fingerprint=str(row[2]),
        sit=str(row[3]),
        token_type=str(row[4]),
        token=str(row[5]),
        url=str(row[6]),
        source=str(row[7]),
        state=str(row[8]),
        attempts=int(row[9]),
        next_attempt_at=float(row[10]),
        last_error=row[11],
        created_at=float(row[12]),
        delivered_at=float(row[13]) if row[13] is not None else None,
    )
