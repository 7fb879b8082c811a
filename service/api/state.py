"""What the web layer shares between requests: settings, the current scanner, the fingerprinter,
the policy inspector."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from flask import Flask, current_app

from service.alerts.database import OutboxUnavailable
from service.alerts.rules import AlertRulesError
from service.alerts.service import AlertService, build_alert_service
from service.alerts.signing import SigningError
from service.api.metrics import DEFINITIONS_LOADED, RELOAD_FAILURES, RELOADS, record_definitions_version
from service.config import ConfigError, Settings
from service.definitions import DefinitionError
from service.engine import Scanner
from service.gateway.inspector import PolicyInspector
from service.runtime import build_policies, build_scanner
from service.summary.fingerprint import Fingerprinter

EXTENSION_KEY = "dlp"


@dataclass
class ScannerHolder:
    """Holds the compiled scanner. Reloading compiles a new one and swaps the reference, so a
    request that already took ``current`` finishes on the definitions it started with."""

    settings: Settings
    _scanner: Scanner | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def current(self) -> Scanner | None:
        return self._scanner

    def install(self, scanner: Scanner) -> None:
        with self._lock:
            self._scanner = scanner

    def reload(self) -> Scanner:
        scanner = build_scanner(self.settings)  # may raise DefinitionError: the old scanner stays
        self.install(scanner)
        return scanner


@dataclass(frozen=True)
class ServiceState:
    settings: Settings
    scanners: ScannerHolder
    fingerprinter: Fingerprinter
    inspector: PolicyInspector
    alerts: AlertService | None = None  # None: no alert rules configured


def build_alerts(settings: Settings, scanner: Scanner) -> AlertService | None:
    """The alert service ``settings`` configure (None without ``DLP_ALERT_RULES``), its rules
    checked against the definitions ``scanner`` serves; a problem as a ``ConfigError``."""
    try:
        return build_alert_service(
            settings.alert_rules,
            settings.alert_db,
            settings.alert_database_url,
            scanner.definitions,
            settings.fingerprint_key if settings.fingerprint_key_configured else None,
        )
    except (AlertRulesError, SigningError, OutboxUnavailable) as error:
        raise ConfigError(f"alert_rules: {error}") from None


def init_state(app: Flask, state: ServiceState) -> None:
    app.extensions[EXTENSION_KEY] = state


def compile_definitions(settings: Settings) -> Scanner:
    """The definitions ``settings`` name (built-in and the configured folders), compiled.

    Raises ``DefinitionError`` naming every broken file; the failure is counted here, in the
    process that found it.
    """
    try:
        return build_scanner(settings)
    except DefinitionError:
        RELOAD_FAILURES.inc()
        raise


def reload_state(app: Flask, settings: Settings, scanner: Scanner | None = None) -> ServiceState:
    """Swap in new settings (API keys above all) and definitions compiled from them: the one place
    a running service changes what it serves (SIGHUP and the file watch in the gunicorn master,
    the reload route outside gunicorn).

    The scanner is compiled first (unless ``scanner`` was already compiled from ``settings``): if
    that fails, nothing changes. The fingerprint key stays the one the service started with, so
    fingerprints do not change on a reload. A request already running keeps the state and
    scanner it took at its start.
    """
    old: ServiceState = app.extensions[EXTENSION_KEY]
    if scanner is None:
        scanner = compile_definitions(settings)  # may raise DefinitionError: the old state stays
    policies = build_policies(settings, scanner.definitions)  # may raise PolicyError: the old state stays
    alerts = build_alerts(settings, scanner)  # may raise ConfigError: the old state stays
    settings = replace(
        settings,
        fingerprint_key=old.settings.fingerprint_key,
        fingerprint_key_configured=old.settings.fingerprint_key_configured,
    )
    previous = old.scanners.current
    old.scanners.settings = settings
    old.scanners.install(scanner)
    old.inspector.install(scanner, policies, settings)
    state = ServiceState(settings, old.scanners, old.fingerprinter, old.inspector, alerts)
    app.extensions[EXTENSION_KEY] = state
    RELOADS.inc()
    record_definitions_version(scanner.version, previous.version if previous is not None else None)
    DEFINITIONS_LOADED.set(len(scanner.definitions))
    return state


def current_scanner(app: Flask) -> Scanner | None:
    """The scanner ``app`` serves now (outside a request: the gunicorn master's hooks)."""
    state: ServiceState = app.extensions[EXTENSION_KEY]
    return state.scanners.current


def service_state() -> ServiceState:
    state: ServiceState = current_app.extensions[EXTENSION_KEY]
    return state
