"""What the web layer shares between requests: settings, the current scanner, the fingerprinter,
the policy inspector."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from flask import Flask, current_app

from service.config import Settings
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


def init_state(app: Flask, state: ServiceState) -> None:
    app.extensions[EXTENSION_KEY] = state


def reload_state(app: Flask, settings: Settings) -> ServiceState:
    """Swap in new settings (API keys above all), definitions compiled from them and policies bound to those.

    The scanner is compiled and the policies loaded first: if either fails, nothing changes. The
    fingerprint key stays the one the service started with, so fingerprints do not change on a
    reload. A request already running keeps the state and scanner it took at its start.
    """
    old: ServiceState = app.extensions[EXTENSION_KEY]
    scanner = build_scanner(settings)  # may raise DefinitionError: the old state stays
    policies = build_policies(settings, scanner.definitions)  # may raise PolicyError: likewise
    settings = replace(
        settings,
        fingerprint_key=old.settings.fingerprint_key,
        fingerprint_key_configured=old.settings.fingerprint_key_configured,
    )
    old.scanners.settings = settings
    old.scanners.install(scanner)
    old.inspector.install(scanner, policies, settings)
    state = ServiceState(settings, old.scanners, old.fingerprinter, old.inspector)
    app.extensions[EXTENSION_KEY] = state
    return state


def service_state() -> ServiceState:
    state: ServiceState = current_app.extensions[EXTENSION_KEY]
    return state
