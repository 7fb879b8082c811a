"""Service settings: embedded defaults, an optional YAML config file, then ``DLP_*`` environment variables.

Later sources win: defaults < config file (``DLP_CONFIG_FILE``) < environment. Every
value is checked when loaded, and a bad one stops start-up with a message naming it.
Secrets (API keys, the fingerprint key) are read from files or the environment and are
never logged or shown by ``describe()``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from service.engine.compiler import ENGINES
from service.engine.hyperscan_build import hyperscan_available
from service.extract.limits import ExtractionLimits

ENV_PREFIX = "DLP_"
DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024
# classify is every key's; reveal shows values, metrics reads /metrics, admin reloads definitions.
PERMISSIONS = frozenset({"classify", "reveal", "metrics", "admin"})


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names it."""


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: bytes  # SHA-256 of the key: the key itself is not kept in memory longer than needed
    permissions: frozenset[str]

    def __repr__(self) -> str:  # never print key material, even hashed
        return f"ApiKey(name={self.name!r}, permissions={sorted(self.permissions)})"


def default_workers() -> int:
    # gunicorn's rule of thumb for CPU-bound sync workers, bounded for small containers.
    return max(1, min(2 * (os.cpu_count() or 1) + 1, 16))


@dataclass(frozen=True)
class Settings:
    bind: str = "127.0.0.1:8080"
    workers: int = field(default_factory=default_workers)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    summary_context: int = 100
    time_limit: float = 10.0
    builtin_definitions: bool = True
    definitions_dirs: tuple[Path, ...] = ()
    # Poll the definition folders' files (sizes and modification times) in the gunicorn master
    # and reload when one changes, is added or removed.
    definitions_watch: bool = False
    definitions_watch_interval: float = 2.0
    allow_reveal: bool = False
    api_keys_file: Path | None = None
    metrics_require_key: bool = False
    fingerprint_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    fingerprint_key_configured: bool = False
    log_level: str = "info"
    api_keys: tuple[ApiKey, ...] = field(default=(), repr=False)
    max_depth: int = 5
    max_parts: int = 10_000
    max_extracted_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: float = 200.0
    extraction_time_limit: float = 30.0
    max_json_depth: int = 32
    # One budget for a whole classify request: extraction, scanning, masking and formatting.
    # The engine and extraction limits are clamped to it; gunicorn's worker time-out is above it.
    request_time_limit: float = 20.0
    # Seconds a client has to send a request's line and headers (also the keep-alive idle time),
    # and to send its body: slow clients are dropped instead of holding a connection.
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    # Threads per worker that run the application; connections are held by cheap greenlets.
    threads: int = 4
    worker_connections: int = 1000
    # Workers are replaced after this many requests (plus a random jitter), or as soon as a request
    # leaves them above the RSS ceiling: Python rarely gives freed memory back to the system.
    max_requests: int = 1000
    max_requests_jitter: int = 100
    worker_max_rss_mb: int = 1024
    # Matches listed per SIT and per request, and explanation entries; counts stay exact beyond.
    max_matches_per_sit: int = 100
    max_matches: int = 1000
    max_trace: int = 1000
    # How regexes are scanned: 'auto' (Hyperscan when installed), 'hyperscan' or 'regex'.
    engine: str = "auto"
    # XML elements read from one part (an office body, a spreadsheet, an XML file).
    max_xml_elements: int = 5_000_000
    # Definitions one draft may hold when tried on samples (POST /v1/sits/test, dlp sits test).
    max_draft_sits: int = 100
    # More policy folders (the built-in ``default`` policy is always loaded), and the policy
    # used when a request names none.
    policy_dirs: tuple[Path, ...] = ()
    policy: str = "default"
    # Where audit events go: a file path, '-' for standard output, None for nowhere (the REST
    # service's default; the gateways default to standard output).
    audit_log: str | None = None
    # Issuer alerts (docs/alerts.md): the rules file turns them on; the outbox is the SQLite file
    # alert_db (default dlp-alerts.sqlite3 in the working directory) or, with a URL, PostgreSQL.
    alert_rules: Path | None = None
    alert_db: Path | None = None
    alert_database_url: str | None = field(default=None, repr=False)  # may hold a password
    # Whether the REST service runs the delivery worker itself (one per service, whatever the
    # number of gunicorn workers); off when ``dlp alerts worker`` runs it elsewhere.
    alert_worker: bool = True
    # Settings lowered to request_time_limit when loaded (shown by describe()).
    clamped_to_request_time_limit: tuple[str, ...] = ()

    @property
    def extraction_limits(self) -> ExtractionLimits:
        return ExtractionLimits(
            max_input_bytes=self.max_body_bytes,
            max_total_bytes=self.max_extracted_bytes,
            max_part_bytes=min(self.max_extracted_bytes, ExtractionLimits.max_part_bytes),
            max_depth=self.max_depth,
            max_parts=self.max_parts,
            max_compression_ratio=self.max_compression_ratio,
            time_limit=self.extraction_time_limit,
            max_xml_elements=self.max_xml_elements,
        )

    def describe(self) -> dict[str, Any]:
        """The settings as shown to operators: no secrets."""
        return {
            "bind": self.bind,
            "workers": self.workers,
            "max_body_bytes": self.max_body_bytes,
            "summary_context": self.summary_context,
            "time_limit": self.time_limit,
            "builtin_definitions": self.builtin_definitions,
            "definitions_dirs": [str(d) for d in self.definitions_dirs],
            "definitions_watch": self.definitions_watch,
            "definitions_watch_interval": self.definitions_watch_interval,
            "allow_reveal": self.allow_reveal,
            "api_keys": len(self.api_keys),
            "metrics_require_key": self.metrics_require_key,
            "fingerprint_key": "configured" if self.fingerprint_key_configured else "random per start",
            "log_level": self.log_level,
            "max_depth": self.max_depth,
            "max_parts": self.max_parts,
            "max_extracted_bytes": self.max_extracted_bytes,
            "max_compression_ratio": self.max_compression_ratio,
            "extraction_time_limit": self.extraction_time_limit,
            "max_json_depth": self.max_json_depth,
            "request_time_limit": self.request_time_limit,
            "clamped_to_request_time_limit": list(self.clamped_to_request_time_limit),
            "header_timeout": self.header_timeout,
            "body_timeout": self.body_timeout,
            "threads": self.threads,
            "worker_connections": self.worker_connections,
            "max_requests": self.max_requests,
            "max_requests_jitter": self.max_requests_jitter,
            "worker_max_rss_mb": self.worker_max_rss_mb,
            "worker_timeout": self.worker_timeout,
            "max_matches_per_sit": self.max_matches_per_sit,
            "max_matches": self.max_matches,
            "max_trace": self.max_trace,
            "engine": self.engine,
            "max_xml_elements": self.max_xml_elements,
            "max_draft_sits": self.max_draft_sits,
            "policy_dirs": [str(d) for d in self.policy_dirs],
            "policy": self.policy,
            "audit_log": self.audit_log,
            "alert_rules": str(self.alert_rules) if self.alert_rules else None,
            "alert_db": str(self.alert_db) if self.alert_db else None,
            "alert_database_url": "configured" if self.alert_database_url else None,
            "alert_worker": self.alert_worker,
        }

    @property
    def worker_timeout(self) -> int:
        """gunicorn's worker time-out: well after the request budget, so the service's own limits
        always answer first and only a worker stuck outside them is killed."""
        return int(self.request_time_limit * 1.5 + 10)


_PARSERS: dict[str, Any] = {
    "bind": str,
    "workers": lambda v: _positive_int(v, "workers"),
    "max_body_bytes": lambda v: _positive_int(v, "max_body_bytes"),
    "summary_context": lambda v: _bounded_int(v, "summary_context", 0, 2000),
    "time_limit": lambda v: _positive_float(v, "time_limit"),
    "builtin_definitions": lambda v: _boolean(v, "builtin_definitions"),
    "definitions_dirs": lambda v: _paths(v),
    "definitions_watch": lambda v: _boolean(v, "definitions_watch"),
    "definitions_watch_interval": lambda v: _bounded_float(v, "definitions_watch_interval", 0.1, 3600.0),
    "allow_reveal": lambda v: _boolean(v, "allow_reveal"),
    "api_keys_file": lambda v: Path(v) if v else None,
    "metrics_require_key": lambda v: _boolean(v, "metrics_require_key"),
    "log_level": lambda v: _choice(str(v).lower(), "log_level", ("debug", "info", "warning", "error")),
    "max_depth": lambda v: _bounded_int(v, "max_depth", 0, 50),
    "max_parts": lambda v: _positive_int(v, "max_parts"),
    "max_extracted_bytes": lambda v: _positive_int(v, "max_extracted_bytes"),
    "max_compression_ratio": lambda v: _positive_float(v, "max_compression_ratio"),
    "extraction_time_limit": lambda v: _positive_float(v, "extraction_time_limit"),
    # Python's JSON parser recurses per level; well under the interpreter's recursion limit.
    "max_json_depth": lambda v: _bounded_int(v, "max_json_depth", 1, 512),
    "request_time_limit": lambda v: _positive_float(v, "request_time_limit"),
    "header_timeout": lambda v: _positive_float(v, "header_timeout"),
    "body_timeout": lambda v: _positive_float(v, "body_timeout"),
    "threads": lambda v: _bounded_int(v, "threads", 1, 256),
    "worker_connections": lambda v: _bounded_int(v, "worker_connections", 10, 100_000),
    "max_requests": lambda v: _bounded_int(v, "max_requests", 0, 10_000_000),
    "max_requests_jitter": lambda v: _bounded_int(v, "max_requests_jitter", 0, 10_000_000),
    "worker_max_rss_mb": lambda v: _bounded_int(v, "worker_max_rss_mb", 0, 1_048_576),
    "max_matches_per_sit": lambda v: _bounded_int(v, "max_matches_per_sit", 1, 1_000_000),
    "max_matches": lambda v: _bounded_int(v, "max_matches", 1, 10_000_000),
    "max_trace": lambda v: _bounded_int(v, "max_trace", 1, 10_000_000),
    "max_xml_elements": lambda v: _positive_int(v, "max_xml_elements"),
    "max_draft_sits": lambda v: _positive_int(v, "max_draft_sits"),
    "engine": lambda v: _engine(v),
    "policy_dirs": lambda v: _paths(v),
    "policy": lambda v: _policy_name(v),
    "audit_log": lambda v: str(v) if str(v).strip() else None,
    "alert_rules": lambda v: Path(str(v)) if str(v).strip() else None,
    "alert_db": lambda v: Path(str(v)) if str(v).strip() else None,
    "alert_database_url": lambda v: _database_url(v),
    "alert_worker": lambda v: _boolean(v, "alert_worker"),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = environ.get(f"{ENV_PREFIX}CONFIG_FILE")
    if config_file:
        values.update(_read_config_file(Path(config_file)))
    for name in _PARSERS:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = raw
    parsed = {name: _PARSERS[name](value) for name, value in values.items()}
    settings = _clamp_to_request_budget(replace(Settings(), **parsed))
    key = environ.get(f"{ENV_PREFIX}FINGERPRINT_KEY")
    key_file = environ.get(f"{ENV_PREFIX}FINGERPRINT_KEY_FILE")
    if key_file:
        key = _read_secret_file(Path(key_file), "fingerprint key file")
    if key:
        if len(key) < 16:
            raise ConfigError("DLP_FINGERPRINT_KEY: must be at least 16 characters")
        settings = replace(settings, fingerprint_key=key.encode(), fingerprint_key_configured=True)
    if settings.api_keys_file is not None:
        settings = replace(settings, api_keys=load_api_keys(settings.api_keys_file))
    return settings


def _clamp_to_request_budget(settings: Settings) -> Settings:
    """Lower the engine and extraction limits to the request budget: a part of a request cannot be
    given more time than the whole."""
    budget = settings.request_time_limit
    over: dict[str, Any] = {
        name: budget for name in ("time_limit", "extraction_time_limit") if getattr(settings, name) > budget
    }
    if not over:
        return settings
    return replace(settings, **over, clamped_to_request_time_limit=tuple(over))


def load_api_keys(path: Path) -> tuple[ApiKey, ...]:
    """Read API keys from a YAML list of ``{name, key | sha256, permissions}``.

    ``sha256`` holds the hex digest of a key, so the file need not contain keys in clear.
    Every key may classify; ``reveal``, ``metrics`` and ``admin`` must be granted.
    """
    raw = yaml.safe_load(_read_secret_file(path, "API keys file"))
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"API keys file {path.name}: must be a non-empty list of keys")
    keys: list[ApiKey] = []
    for index, entry in enumerate(raw):
        where = f"API keys file {path.name}: entry {index}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"{where}: needs a 'name'")
        unknown = set(entry) - {"name", "key", "sha256", "permissions"}
        if unknown:
            raise ConfigError(f"{where}: unknown fields {sorted(unknown)}")
        if ("key" in entry) == ("sha256" in entry):
            raise ConfigError(f"{where}: give exactly one of 'key' or 'sha256'")
        if "key" in entry:
            if not isinstance(entry["key"], str) or len(entry["key"]) < 16:
                raise ConfigError(f"{where}: 'key' must be at least 16 characters")
            digest = hashlib.sha256(entry["key"].encode()).digest()
        else:
            try:
                digest = bytes.fromhex(str(entry["sha256"]))
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise ConfigError(f"{where}: 'sha256' must be 64 hex digits")
        permissions = frozenset(entry.get("permissions") or []) | {"classify"}
        if not permissions <= PERMISSIONS:
            raise ConfigError(f"{where}: unknown permissions {sorted(permissions - PERMISSIONS)}")
        keys.append(ApiKey(entry["name"], digest, permissions))
    return tuple(keys)


def settings_fields() -> list[str]:
    return [f.name for f in fields(Settings)]


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"DLP_CONFIG_FILE: cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"DLP_CONFIG_FILE: {path.name} is not valid YAML: {error}") from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"DLP_CONFIG_FILE: {path.name} must be a mapping of settings")
    unknown = sorted(set(raw) - set(_PARSERS))
    if unknown:
        raise ConfigError(f"DLP_CONFIG_FILE: unknown settings {unknown}; known: {sorted(_PARSERS)}")
    return dict(raw)


def _read_secret_file(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"{what} {path}: {error.strerror}") from None


def _positive_int(value: Any, name: str) -> int:
    return _bounded_int(value, name, 1, None)


def _bounded_int(value: Any, name: str, low: int, high: int | None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: {value!r} is not a whole number") from None
    if number < low or (high is not None and number > high):
        raise ConfigError(f"{name}: must be between {low} and {high}" if high else f"{name}: must be at least {low}")
    return number


def _positive_float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: {value!r} is not a number") from None
    if not number > 0:
        raise ConfigError(f"{name}: must be greater than 0")
    return number


def _bounded_float(value: Any, name: str, low: float, high: float) -> float:
    number = _positive_float(value, name)
    if not low <= number <= high:
        raise ConfigError(f"{name}: must be between {low:g} and {high:g}")
    return number


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}: {value!r} is not true or false")


def _paths(value: Any) -> tuple[Path, ...]:
    if isinstance(value, list | tuple):
        return tuple(Path(str(item)) for item in value)
    return tuple(Path(item) for item in str(value).split(os.pathsep) if item)


def _engine(value: Any) -> str:
    engine = _choice(str(value).lower(), "engine", ENGINES)
    if engine == "hyperscan" and not hyperscan_available():
        raise ConfigError("engine: 'hyperscan' was asked for, but the hyperscan package is not installed")
    return engine


def _policy_name(value: Any) -> str:
    name = str(value).strip()
    if not name:
        raise ConfigError("policy: must name a policy")
    return name


def _database_url(value: Any) -> str | None:
    url = str(value).strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        # Never repeat the value: it may hold a password.
        raise ConfigError("alert_database_url: must be a postgresql:// URL")
    return url


def engine_setting(environ: Mapping[str, str] | None = None) -> str:
    """The engine ``DLP_ENGINE`` asks for, validated like every setting (for commands that
    need no other setting)."""
    environ = os.environ if environ is None else environ
    return _engine(environ.get(f"{ENV_PREFIX}ENGINE", Settings.engine))


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{name}: must be one of {', '.join(allowed)}")
    return value
