"""The alert configuration: which findings become alerts, where they go, and how alerts are received.

One YAML file (``DLP_ALERT_RULES``), read and checked like definitions: every problem is
listed with the field it is about, and a file with problems is refused as a whole (at start-up,
and on a reload, where the rules loaded before stay in force). Relative paths in it are taken
from the file's folder. Sections:

- ``signing``: the sender's ECDSA P-256 private key (``key_file``, PEM) and optional
  ``previous_public_keys`` still published after a rotation.
- ``issuers``: name → ``url`` (the issuer's webhook), ``send_token`` (whether the raw value may
  be sent to this issuer: only ever to the issuer of that very token), and optionally
  ``hmac: {key_id, secret_file}`` to sign with a shared secret instead of the ECDSA key.
- ``rules``: ``sits`` (ids, names or bundles), ``issuer``, ``type`` (the token type the issuer
  knows it by), ``min_confidence`` (default: each SIT's recommended confidence) and
  ``valid_only`` (default true: only SITs whose definition checks a checksum or structure).
- ``delivery``: attempts, back-off and the de-duplication window.
- ``inbound``: for an issuer receiving alerts: its ``senders`` (``keys_url`` or ``keys_file``
  and/or shared ``hmac`` secrets), the accepted clock skew, which validator re-checks each
  token type, and the processing step (``process_url``) run once per valid token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from service.definitions import DefinitionSet, UnknownSitError
from service.validators.registry import VALIDATORS

DEFAULT_DEDUP_WINDOW = 7 * 24 * 3600.0


class AlertRulesError(ValueError):
    """The alert configuration has problems; ``problems`` lists each with its field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"alert rules {source}: " + "; ".join(problems))


@dataclass(frozen=True)
class HmacKey:
    key_id: str
    secret_file: Path


@dataclass(frozen=True)
class Issuer:
    name: str
    url: str
    send_token: bool = False
    hmac: HmacKey | None = None


@dataclass(frozen=True)
class AlertRule:
    name: str
    sits: tuple[str, ...]
    issuer: str
    token_type: str
    min_confidence: int | None = None  # None: each SIT's recommended confidence
    valid_only: bool = True


@dataclass(frozen=True)
class DeliveryOptions:
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds before the second attempt; doubled each time, with jitter
    backoff_max: float = 3600.0
    timeout: float = 10.0
    batch_size: int = 100
    lease: float = 60.0  # a claimed alert not settled within this is taken up again (a dead worker)
    poll_interval: float = 1.0
    dedup_window: float = DEFAULT_DEDUP_WINDOW


@dataclass(frozen=True)
class Sender:
    name: str
    keys_url: str | None = None
    keys_file: Path | None = None
    hmac: tuple[HmacKey, ...] = ()


@dataclass(frozen=True)
class InboundOptions:
    senders: tuple[Sender, ...]
    max_age: float = 300.0  # seconds a signed message stays acceptable (replays are refused after)
    validators: Mapping[str, str] = field(default_factory=dict)  # token type → validator name
    process_url: str | None = None
    max_attempts: int = 10
    max_tokens: int = 1000  # tokens in one message


@dataclass(frozen=True)
class AlertConfig:
    source: str
    signing_key_file: Path | None = None
    previous_public_keys: tuple[Path, ...] = ()
    issuers: Mapping[str, Issuer] = field(default_factory=dict)
    rules: tuple[AlertRule, ...] = ()
    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)
    inbound: InboundOptions | None = None

    @property
    def sends(self) -> bool:
        return bool(self.rules)


def load_alert_config(path: Path, definitions: DefinitionSet | None = None) -> AlertConfig:
    """Read and check ``path``; with ``definitions``, the SITs rules name must be loaded."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AlertRulesError(path.name, [f"cannot read the file: {error.strerror}"]) from None
    except yaml.YAMLError as error:
        raise AlertRulesError(path.name, [f"not valid YAML: {' '.join(str(error).split())}"]) from None
    return parse_alert_config(raw, path.name, path.parent, definitions)


def parse_alert_config(raw: Any, source: str, base: Path, definitions: DefinitionSet | None = None) -> AlertConfig:
    reader = _Reader(base)
    config = reader.config(raw, source, definitions)
    if reader.problems:
        raise AlertRulesError(source, reader.problems)
    return config


class _Reader:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(
        self, value: Any, where: str, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            self.problem(where, "must be a mapping")
            return {}
        for name in sorted(set(value) - allowed):
            self.problem(f"{where}.{name}", f"unknown field; known: {', '.join(sorted(allowed))}")
        for name in sorted(required - set(value)):
            self.problem(f"{where}.{name}", "is required")
        return dict(value)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be a non-empty string")
            return ""
        return value.strip()

    def boolean(self, value: Any, where: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(where, "must be true or false")
            return default
        return value

    def number(self, value: Any, where: str, default: float, low: float, high: float) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.problem(where, f"must be a number between {low:g} and {high:g}")
            return default
        return float(value)

    def path(self, value: Any, where: str) -> Path:
        path = Path(self.text(value, where))
        return path if path.is_absolute() else self.base / path

    def url(self, value: Any, where: str) -> str:
        url = self.text(value, where)
        parts = urlsplit(url)
        if url and (parts.scheme not in {"http", "https"} or not parts.hostname):
            self.problem(where, "must be an http:// or https:// URL")
        return url

    def hmac_key(self, value: Any, where: str) -> HmacKey:
        entry = self.mapping(value, where, {"key_id", "secret_file"}, {"key_id", "secret_file"})
        return HmacKey(self.text(entry.get("key_id"), f"{where}.key_id"), self.path(entry.get("secret_file"), where))

    def config(self, raw: Any, source: str, definitions: DefinitionSet | None) -> AlertConfig:
        top = self.mapping(raw, "file", {"signing", "issuers", "rules", "delivery", "inbound"})
        issuers = self.issuers(top.get("issuers") or {})
        rules = self.rules(top.get("rules") or [], issuers, definitions)
        signing_key_file: Path | None = None
        previous: tuple[Path, ...] = ()
        if "signing" in top:
            signing = self.mapping(top["signing"], "signing", {"key_file", "previous_public_keys"}, {"key_file"})
            signing_key_file = self.path(signing.get("key_file"), "signing.key_file")
            previous = tuple(
                self.path(item, f"signing.previous_public_keys[{i}]")
                for i, item in enumerate(signing.get("previous_public_keys") or [])
            )
        needs_ecdsa = any(issuers[rule.issuer].hmac is None for rule in rules if rule.issuer in issuers)
        if needs_ecdsa and signing_key_file is None:
            self.problem("signing.key_file", "is required when an issuer is not signed with a shared HMAC secret")
        delivery = self.delivery(top.get("delivery") or {})
        inbound = self.inbound(top["inbound"]) if "inbound" in top else None
        if not rules and inbound is None:
            self.problem("file", "has neither 'rules' to send alerts nor an 'inbound' section to receive them")
        return AlertConfig(source, signing_key_file, previous, issuers, rules, delivery, inbound)

    def issuers(self, raw: Any) -> dict[str, Issuer]:
        issuers: dict[str, Issuer] = {}
        if not isinstance(raw, Mapping):
            self.problem("issuers", "must map issuer names to their settings")
            return issuers
        for name, value in raw.items():
            where = f"issuers.{name}"
            entry = self.mapping(value, where, {"url", "send_token", "hmac"}, {"url"})
            hmac = self.hmac_key(entry["hmac"], f"{where}.hmac") if "hmac" in entry else None
            issuers[str(name)] = Issuer(
                str(name),
                self.url(entry.get("url"), f"{where}.url"),
                self.boolean(entry.get("send_token"), f"{where}.send_token", False),
                hmac,
            )
        return issuers

    def rules(
        self, raw: Any, issuers: Mapping[str, Issuer], definitions: DefinitionSet | None
    ) -> tuple[AlertRule, ...]:
        if not isinstance(raw, list):
            self.problem("rules", "must be a list")
            return ()
        rules: list[AlertRule] = []
        for index, value in enumerate(raw):
            where = f"rules[{index}]"
            entry = self.mapping(
                value,
                where,
                {"name", "sits", "issuer", "type", "min_confidence", "valid_only"},
                {"sits", "issuer", "type"},
            )
            sits = entry.get("sits")
            if not isinstance(sits, list) or not sits or not all(isinstance(s, str) and s.strip() for s in sits):
                self.problem(f"{where}.sits", "must be a non-empty list of SIT ids, names or bundles")
                sits = []
            issuer = self.text(entry.get("issuer"), f"{where}.issuer")
            if issuer and issuer not in issuers:
                self.problem(f"{where}.issuer", f"names no issuer of the 'issuers' section ({issuer!r})")
            confidence = entry.get("min_confidence")
            if confidence is not None and (
                isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= 100
            ):
                self.problem(f"{where}.min_confidence", "must be a whole number from 1 to 100")
                confidence = None
            rule = AlertRule(
                name=str(entry.get("name") or f"rule {index}"),
                sits=tuple(s.strip() for s in sits),
                issuer=issuer,
                token_type=self.text(entry.get("type"), f"{where}.type"),
                min_confidence=confidence,
                valid_only=self.boolean(entry.get("valid_only"), f"{where}.valid_only", True),
            )
            if definitions is not None and rule.sits:
                self.check_sits(rule, definitions, where)
            rules.append(rule)
        return tuple(rules)

    def check_sits(self, rule: AlertRule, definitions: DefinitionSet, where: str) -> None:
        try:
            chosen = definitions.select(rule.sits)
        except UnknownSitError as error:
            self.problem(f"{where}.sits", f"no SIT, id or bundle is loaded for {', '.join(map(repr, error.selectors))}")
            return
        if rule.valid_only:
            unchecked = [d.name for d in chosen if not d.checksum]
            if unchecked:
                self.problem(
                    f"{where}.sits",
                    "SITs without a checksum or structure check cannot be told valid "
                    f"(set valid_only: false to alert on them anyway): {', '.join(unchecked)}",
                )

    def delivery(self, raw: Any) -> DeliveryOptions:
        entry = self.mapping(raw, "delivery", set(DeliveryOptions.__dataclass_fields__))
        defaults = DeliveryOptions()
        return DeliveryOptions(
            max_attempts=int(self.number(entry.get("max_attempts"), "delivery.max_attempts", 8, 1, 100)),
            backoff_base=self.number(
                entry.get("backoff_base"), "delivery.backoff_base", defaults.backoff_base, 0.01, 3600
            ),
            backoff_max=self.number(
                entry.get("backoff_max"), "delivery.backoff_max", defaults.backoff_max, 0.01, 86400
            ),
            timeout=self.number(entry.get("timeout"), "delivery.timeout", defaults.timeout, 0.1, 300),
            batch_size=int(self.number(entry.get("batch_size"), "delivery.batch_size", defaults.batch_size, 1, 1000)),
            lease=self.number(entry.get("lease"), "delivery.lease", defaults.lease, 1, 3600),
            poll_interval=self.number(entry.get("poll_interval"), "delivery.poll_interval", 1.0, 0.01, 600),
            dedup_window=self.number(
                entry.get("dedup_window"), "delivery.dedup_window", defaults.dedup_window, 0, 366 * 86400
            ),
        )

    def inbound(self, raw: Any) -> InboundOptions:
        entry = self.mapping(
            raw, "inbound", {"senders", "max_age", "validate", "process_url", "max_attempts", "max_tokens"}, {"senders"}
        )
        senders: list[Sender] = []
        raw_senders = entry.get("senders")
        if not isinstance(raw_senders, list) or not raw_senders:
            self.problem("inbound.senders", "must be a non-empty list")
            raw_senders = []
        for index, value in enumerate(raw_senders):
            where = f"inbound.senders[{index}]"
            sender = self.mapping(value, where, {"name", "keys_url", "keys_file", "hmac"}, {"name"})
            keys_url = self.url(sender["keys_url"], f"{where}.keys_url") if "keys_url" in sender else None
            keys_file = self.path(sender["keys_file"], f"{where}.keys_file") if "keys_file" in sender else None
            hmac_list = sender.get("hmac") or []
            if not isinstance(hmac_list, list):
                self.problem(f"{where}.hmac", "must be a list of {key_id, secret_file}")
                hmac_list = []
            hmacs = tuple(self.hmac_key(item, f"{where}.hmac[{i}]") for i, item in enumerate(hmac_list))
            if keys_url is None and keys_file is None and not hmacs:
                self.problem(where, "needs 'keys_url', 'keys_file' or 'hmac' to verify its messages")
            senders.append(Sender(self.text(sender.get("name"), f"{where}.name"), keys_url, keys_file, hmacs))
        validators = entry.get("validate") or {}
        if not isinstance(validators, Mapping):
            self.problem("inbound.validate", "must map token types to validator names")
            validators = {}
        for token_type, name in validators.items():
            if VALIDATORS.get(str(name)) is None:
                self.problem(f"inbound.validate.{token_type}", f"no validator is named {name!r}")
        process_url = self.url(entry["process_url"], "inbound.process_url") if "process_url" in entry else None
        return InboundOptions(
            senders=tuple(senders),
            max_age=self.number(entry.get("max_age"), "inbound.max_age", 300.0, 1, 86400),
            validators={str(k): str(v) for k, v in validators.items()},
            process_url=process_url,
            max_attempts=int(self.number(entry.get("max_attempts"), "inbound.max_attempts", 10, 1, 1000)),
            max_tokens=int(self.number(entry.get("max_tokens"), "inbound.max_tokens", 1000, 1, 100_000)),
        )
