"""What ``dlp alerts`` runs; the command line itself is in ``service.cli_alerts``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from service.alerts.database import OutboxUnavailable, SqliteDatabase
from service.alerts.rules import AlertRulesError, load_alert_config
from service.alerts.service import AlertService, build_alert_service, open_alert_database
from service.alerts.signing import SigningError, generate_private_key_pem
from service.alerts.store import AlertStore
from service.cli_args import CliError
from service.config import ConfigError, Settings, load_settings

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise CliError(f"configuration: {error}") from None


def _store(settings: Settings) -> AlertStore:
    database = open_alert_database(settings.alert_db, settings.alert_database_url)
    if isinstance(database, SqliteDatabase) and not database.path.exists():
        raise CliError(f"no alert database at {database.path} (set DLP_ALERT_DB or DLP_ALERT_DATABASE_URL)")
    store = AlertStore(database)
    try:
        store.create_schema()
    except OutboxUnavailable as error:
        raise CliError(str(error)) from None
    return store


def _service(settings: Settings) -> AlertService:
    if settings.alert_rules is None:
        raise CliError("no alert rules configured: set DLP_ALERT_RULES")
    key = settings.fingerprint_key if settings.fingerprint_key_configured else None
    try:
        service = build_alert_service(settings.alert_rules, settings.alert_db, settings.alert_database_url, None, key)
    except (AlertRulesError, SigningError, OutboxUnavailable) as error:
        raise CliError(" ".join(str(error).split())) from None
    assert service is not None
    return service


def _call(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except OutboxUnavailable as error:
        raise CliError(str(error)) from None


def run_list(args: argparse.Namespace) -> int:
    store = _store(_settings())
    for alert in _call(store.list_alerts, args.state, args.limit):
        described = alert.describe()
        if args.json:
            print(json.dumps(described, sort_keys=True))
        else:
            print(
                f"{alert.id}\t{alert.state}\t{alert.issuer}\t{alert.sit}\t{alert.fingerprint}\t"
                f"attempts={alert.attempts}" + (f"\t{alert.last_error}" if alert.last_error else "")
            )
    return EXIT_CLEAN


def run_show(args: argparse.Namespace) -> int:
    alert = _call(_store(_settings()).get, args.id)
    if alert is None:
        raise CliError(f"no alert has id {args.id}")
    print(json.dumps(alert.describe(), indent=2, sort_keys=True))
    return EXIT_CLEAN


def run_retry(args: argparse.Namespace) -> int:
    if not _call(_store(_settings()).retry, args.id):
        print(f"dlp: no dead or pending alert has id {args.id}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"alert {args.id} is pending again")
    return EXIT_CLEAN


def run_purge(args: argparse.Namespace) -> int:
    if args.older_than < 0:
        raise CliError("--older-than must not be negative")
    settings = _settings()
    store = _store(settings)
    purged = _call(store.purge, args.older_than)
    if settings.alert_rules is not None:
        try:
            window = load_alert_config(settings.alert_rules).delivery.dedup_window
        except AlertRulesError as error:
            raise CliError(" ".join(str(error).split())) from None
        _call(store.forget_expired_marks, window)
    print(f"purged {purged} alerts")
    return EXIT_CLEAN


def run_stats(args: argparse.Namespace) -> int:
    store = _store(_settings())
    stats = {"outbox": _call(store.counts), "inbound": _call(store.inbound_stats).to_dict()}
    print(json.dumps(stats, indent=2, sort_keys=True))
    return EXIT_CLEAN


def run_worker(args: argparse.Namespace) -> int:
    worker = _service(_settings()).worker()
    if args.once:
        worker.run_once()
        worker.lock.release()
        return EXIT_CLEAN

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"dlp: alert worker {os.getpid()} started", file=sys.stderr, flush=True)
    worker.run_forever()
    return EXIT_CLEAN


def run_validate(args: argparse.Namespace) -> int:
    from service.runtime import build_scanner

    settings = _settings()
    path = args.file or settings.alert_rules
    if path is None:
        raise CliError("give a rules file or set DLP_ALERT_RULES")
    definitions = build_scanner(settings).definitions
    try:
        config = load_alert_config(path, definitions)
    except AlertRulesError as error:
        for problem in error.problems:
            print(f"{error.source}: {problem}")
        print(f"{len(error.problems)} problem{'s' if len(error.problems) != 1 else ''}", file=sys.stderr)
        return EXIT_PROBLEMS
    inbound = "inbound: yes" if config.inbound is not None else "inbound: no"
    print(f"{config.source}: {len(config.rules)} rules, {len(config.issuers)} issuers, {inbound}")
    return EXIT_CLEAN


def run_keygen(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CliError(f"{path} exists; a signing key is never overwritten") from None
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "wb") as out:
        out.write(generate_private_key_pem())
    print(f"wrote {path} (created {time.strftime('%Y-%m-%d', time.gmtime())})")
    return EXIT_CLEAN


def run_keys(args: argparse.Namespace) -> int:
    service = _service(_settings())
    print(json.dumps(service.public_keys_document(), indent=2))
    return EXIT_CLEAN
