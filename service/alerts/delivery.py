"""Sending alerts: the partner payload, signed, POSTed to each issuer, with back-off and a dead letter.

One delivery worker runs per service, whatever the number of gunicorn workers: each process
may start one, but only the holder of the outbox's leader lock (a file lock beside the SQLite
file, a PostgreSQL advisory lock) polls. Claims are leases in the database besides, so even
two workers racing would not send an alert twice at once; a worker killed mid-batch leaves
its leases to expire and the alerts are sent again, with the same ``DLP-Alert-Id``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.alerts.database import OutboxUnavailable, PostgresDatabase, SqliteDatabase
from service.alerts.metrics import ALERTS_DEAD, ALERTS_DELIVERED, ALERTS_FAILED_ATTEMPTS
from service.alerts.rules import DeliveryOptions, Issuer
from service.alerts.signing import MESSAGE_ID_HEADER, Signer
from service.alerts.store import Alert, AlertStore

logger = logging.getLogger("dlp.alerts")

USER_AGENT = "dlp-classifier-alerts/1"
# An advisory-lock key of the PostgreSQL leader lock: any fixed 64-bit number, the same in every process.
LEADER_LOCK_KEY = 0x646C70616C657274  # "dlpalert"


def partner_payload(alerts: Sequence[Alert]) -> bytes:
    """The body GitHub's secret-scanning partner program sends: a JSON array of
    ``{token, type, url, source}``."""
    return json.dumps(
        [{"token": a.token, "type": a.token_type, "url": a.url, "source": a.source} for a in alerts],
        separators=(",", ":"),
    ).encode("utf-8")


def backoff_delay(attempts: int, options: DeliveryOptions, rand: Callable[[], float] = random.random) -> float:
    """Exponential back-off with full jitter: uniformly up to base·2^(attempts-1), capped."""
    ceiling: float = min(options.backoff_max, options.backoff_base * 2.0 ** max(0, attempts - 1))
    return max(options.backoff_base / 2, ceiling * rand())


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    error: str = ""
    permanent: bool = False  # 4xx other than 408/429: the issuer will not take it however often it is sent


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body, method="POST")
    for name, value in {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http/https only: checked by the rules
            response.read(65536)
            return Outcome(True)
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in {408, 425, 429}
        return Outcome(False, f"HTTP {error.code}", permanent)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Outcome(False, f"{type(error).__name__}: {reason}"[:200])


class Deliverer:
    """Sends what is due, one signed POST per issuer and batch."""

    def __init__(
        self,
        store: AlertStore,
        issuers: dict[str, Issuer],
        signers: dict[str, Signer],
        options: DeliveryOptions,
        send: Callable[[str, bytes, dict[str, str], float], Outcome] = post,
    ) -> None:
        self.store = store
        self.issuers = issuers
        self.signers = signers
        self.options = options
        self._send = send

    def deliver_due(self, now: float | None = None) -> int:
        """One round: claim due alerts, send them, settle them. The number settled as delivered."""
        claimed = self.store.claim_due(self.options.batch_size, self.options.lease, now)
        by_issuer: dict[str, list[Alert]] = defaultdict(list)
        for alert in claimed:
            by_issuer[alert.issuer].append(alert)
        delivered = 0
        for issuer_name, alerts in by_issuer.items():
            delivered += self._deliver(issuer_name, alerts)
        return delivered

    def _deliver(self, issuer_name: str, alerts: list[Alert]) -> int:
        issuer = self.issuers.get(issuer_name)
        signer = self.signers.get(issuer_name)
        ids = [alert.id for alert in alerts]
        if issuer is None or signer is None:
            # The issuer was removed from the rules: nowhere to send these.
            self.store.mark_failed(ids, "the issuer is no longer configured", None, self.options.max_attempts)
            ALERTS_DEAD.labels(issuer="unconfigured").inc(len(ids))
            return 0
        body = partner_payload(alerts)
        signature = signer.sign(body)
        # The delivery id names the alerts sent; a repeat after a lost answer carries the same one.
        headers = {**signature.headers(), MESSAGE_ID_HEADER: ",".join(str(i) for i in ids)}
        outcome = self._send(issuer.url, body, headers, self.options.timeout)
        if outcome.delivered:
            self.store.mark_delivered(ids)
            ALERTS_DELIVERED.labels(issuer=issuer_name).inc(len(ids))
            return len(ids)
        ALERTS_FAILED_ATTEMPTS.labels(issuer=issuer_name).inc(len(ids))
        attempts = max(alert.attempts for alert in alerts) + 1
        last = outcome.permanent or attempts >= self.options.max_attempts
        retry_at = None if last else time.time() + backoff_delay(attempts, self.options)
        self.store.mark_failed(ids, outcome.error, retry_at, self.options.max_attempts)
        if last:
            ALERTS_DEAD.labels(issuer=issuer_name).inc(len(ids))
        logger.warning("alert delivery to %s failed (%s), attempt %d", issuer_name, outcome.error, attempts)
        return 0


class LeaderLock:
    """Held by one process of the service at a time; released when that process dies."""

    def __init__(self, database: SqliteDatabase | PostgresDatabase) -> None:
        self._database = database
        self._file: int | None = None
        self._connection: Any = None

    def acquire(self) -> bool:
        if isinstance(self._database, SqliteDatabase):
            return self._acquire_file(self._database.path.with_name(self._database.path.name + ".leader"))
        if self._connection is not None and not self._connection.closed:
            return True  # held: the lock lives as long as this session
        try:
            connection = self._database.session_connection()
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,)).fetchone()
        except Exception as error:  # psycopg's errors: the lock is retried on the next round
            logger.warning("alert leader lock: %s", type(error).__name__)
            return False
        if row and row[0]:
            self._connection = connection
            return True
        return False

    def _acquire_file(self, path: Path) -> bool:
        if self._file is not None:
            return True
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return False
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._file = descriptor
        return True

    def release(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None
        if self._connection is not None:
            # Closing anyway: the server drops the lock with the session.
            with contextlib.suppress(Exception):
                self._connection.execute("SELECT pg_advisory_unlock(%s)", (LEADER_LOCK_KEY,))
            self._connection = None


class DeliveryWorker:
    """The loop: take the leader lock, deliver what is due, run the receiving side's pending
    processing steps, sleep, again."""

    def __init__(
        self,
        deliverer: Deliverer | None,
        lock: LeaderLock,
        interval: float,
        extra_rounds: Sequence[Callable[[], int]] = (),
    ) -> None:
        self.deliverer = deliverer
        self.lock = lock
        self.interval = interval
        self.extra_rounds = extra_rounds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        if not self.lock.acquire():
            return 0
        done = 0
        try:
            if self.deliverer is not None:
                done += self.deliverer.deliver_due()
            for round_ in self.extra_rounds:
                done += round_()
        except OutboxUnavailable as error:
            logger.warning("alert worker: %s", error)
        except Exception as error:
            # The loop must outlive one bad round (a database hiccup, a driver error): the alerts
            # stay committed and the next round takes them up. The type only: a message may quote a row.
            logger.error("alert worker round failed: %s", type(error).__name__)
        return done

    def run_forever(self) -> None:
        while not self._stop.is_set():
            done = self.run_once()
            if not done:  # more may be waiting when a round was busy
                self._stop.wait(self.interval)
        self.lock.release()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="dlp-alert-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
