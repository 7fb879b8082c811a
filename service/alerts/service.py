"""The alert feature put together from the settings: rules, outbox, signers, receiver, worker.

``build_alert_service`` answers None when no alert rules are configured: nothing is opened or
created, and classify costs nothing more.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from service.alerts.database import Database, OutboxUnavailable, PostgresDatabase, SqliteDatabase, open_database
from service.alerts.delivery import Deliverer, DeliveryWorker, LeaderLock
from service.alerts.findings import BoundRule, alerts_for_report, bind_rules
from service.alerts.metrics import ALERTS_ENQUEUED
from service.alerts.receiver import Receiver
from service.alerts.rules import AlertConfig, load_alert_config
from service.alerts.signing import EcdsaSigner, HmacSigner, Signer, SigningError, load_private_key
from service.alerts.store import AlertStore, NewAlert
from service.definitions import DefinitionSet
from service.engine import Report
from service.summary.fingerprint import Fingerprinter

DEFAULT_DB_NAME = "dlp-alerts.sqlite3"


@dataclass
class AlertService:
    config: AlertConfig
    store: AlertStore
    rules: tuple[BoundRule, ...]
    signers: dict[str, Signer]
    ecdsa: EcdsaSigner | None
    receiver: Receiver | None
    fingerprinter: Fingerprinter

    def alert_on(self, report: Report) -> list[tuple[int, NewAlert]]:
        """Commit the alerts ``report`` calls for; raises ``OutboxUnavailable`` if they cannot be."""
        if not self.rules:
            return []
        alerts = alerts_for_report(report, self.rules, self.config, self.fingerprinter)
        if not alerts:
            return []
        added = self.store.enqueue(alerts, self.config.delivery.dedup_window)
        for _, alert in added:
            ALERTS_ENQUEUED.labels(issuer=alert.issuer).inc()
        return added

    def deliverer(self) -> Deliverer | None:
        if not self.config.rules:
            return None
        return Deliverer(self.store, dict(self.config.issuers), self.signers, self.config.delivery)

    def worker(self) -> DeliveryWorker:
        database = self.store.database
        assert isinstance(database, SqliteDatabase | PostgresDatabase)
        rounds = [self.receiver.process_due] if self.receiver is not None else []
        return DeliveryWorker(self.deliverer(), LeaderLock(database), self.config.delivery.poll_interval, rounds)

    def public_keys_document(self) -> dict[str, Any]:
        return self.ecdsa.public_keys_document() if self.ecdsa is not None else {"public_keys": []}


def open_alert_database(db_path: Path | None, database_url: str | None) -> Database:
    return open_database(db_path or Path(DEFAULT_DB_NAME), database_url)


def build_alert_service(
    rules_path: Path | None,
    db_path: Path | None,
    database_url: str | None,
    definitions: DefinitionSet | None,
    fingerprint_key: bytes | None,
) -> AlertService | None:
    """The configured alert service, or None without rules. Without ``definitions`` (a delivery
    worker on its own) the rules are not bound and no alert is raised from reports. Raises
    ``AlertRulesError`` (bad rules), ``SigningError`` (bad key) or ``OutboxUnavailable`` (database)."""
    if rules_path is None:
        return None
    config = load_alert_config(rules_path, definitions)
    ecdsa = _ecdsa_signer(config)
    signers: dict[str, Signer] = {}
    for name, issuer in config.issuers.items():
        if issuer.hmac is not None:
            secret = _read_secret(issuer.hmac.secret_file)
            signers[name] = HmacSigner(issuer.hmac.key_id, secret)
        elif ecdsa is not None:
            signers[name] = ecdsa
    store = AlertStore(open_alert_database(db_path, database_url))
    store.create_schema()
    # Fingerprints must stay the same across restarts to de-duplicate: without a configured key,
    # a key kept in the outbox itself.
    fingerprinter = Fingerprinter(fingerprint_key or store.fingerprint_key(secrets.token_bytes(32)))
    rules = bind_rules(config, definitions) if definitions is not None else ()
    receiver = Receiver(store, config.inbound, fingerprinter, config.delivery) if config.inbound is not None else None
    return AlertService(config, store, rules, signers, ecdsa, receiver, fingerprinter)


def _ecdsa_signer(config: AlertConfig) -> EcdsaSigner | None:
    if config.signing_key_file is None:
        return None
    previous: list[ec.EllipticCurvePublicKey] = []
    for path in config.previous_public_keys:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError):
            raise SigningError(f"previous public key {path.name}: not a readable PEM public key") from None
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise SigningError(f"previous public key {path.name}: not an ECDSA key")
        previous.append(key)
    return EcdsaSigner(load_private_key(config.signing_key_file), tuple(previous))


def _read_secret(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except OSError as error:
        raise SigningError(f"HMAC secret {path.name}: {error.strerror}") from None


__all__ = ["AlertService", "OutboxUnavailable", "build_alert_service"]
