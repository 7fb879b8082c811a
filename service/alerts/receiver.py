"""The receiving side, for an issuer that runs this service: verify, de-duplicate, count, process.

A message is accepted only if its signature holds under a key its sender publishes (or a
secret shared with it), and only while fresh. Each token in it is one *received* report; a
token is *valid* the first time its fingerprint is seen if its structure re-validates (a PyPI
macaroon, a GitHub CRC32) — a later report of it counts as received only; a valid token is
*processed* once its processing step (``process_url``: revoke it, tell its owner) succeeds.
A failed step is retried with back-off, and never counts the token valid again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.alerts.delivery import Outcome, backoff_delay, post
from service.alerts.metrics import INBOUND_PROCESSED, INBOUND_RECEIVED, INBOUND_REJECTED, INBOUND_VALID
from service.alerts.rules import DeliveryOptions, InboundOptions, Sender
from service.alerts.signing import (
    KEY_ID_HEADER,
    MESSAGE_ID_HEADER,
    SigningError,
    VerificationError,
    Verifier,
    parse_public_keys,
)
from service.alerts.store import AlertStore, InboundToken, TokenReport
from service.summary.fingerprint import Fingerprinter
from service.validators.registry import VALIDATORS

logger = logging.getLogger("dlp.alerts")

FINGERPRINT_PREFIX = "hmac-sha256:"
MAX_KEYS_DOCUMENT_BYTES = 256 * 1024
# A sender's published keys are fetched again on an unknown key id, at most this often.
KEYS_REFRESH_INTERVAL = 30.0
MAX_FIELD_LENGTH = 8192


class InboundError(ValueError):
    """A message refused; ``status`` and ``slug`` for the problem answer."""

    def __init__(self, status: int, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug


@dataclass(frozen=True)
class InboundResult:
    sender: str
    duplicate_message: bool
    accepted: int
    new_valid: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "duplicate_message": self.duplicate_message,
            "accepted": self.accepted,
            "new_valid": self.new_valid,
        }


def fetch_keys_document(url: str, timeout: float = 10.0) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # http/https only: checked by the rules
        data = response.read(MAX_KEYS_DOCUMENT_BYTES + 1)
    if len(data) > MAX_KEYS_DOCUMENT_BYTES:
        raise SigningError("the public-key document is too large")
    return json.loads(data)


class SenderKeys:
    """One sender's verifier, its published keys fetched (and refreshed on rotation) when needed."""

    def __init__(self, sender: Sender, max_age: float, fetch: Callable[[str], Any] = fetch_keys_document) -> None:
        self.sender = sender
        self._fetch = fetch
        self._lock = threading.Lock()
        self._fetched_at = 0.0
        secrets = {key.key_id: _read_secret(key.secret_file) for key in sender.hmac}
        self.verifier = Verifier({}, secrets, max_age)
        if sender.keys_file is not None:
            try:
                document = json.loads(sender.keys_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise SigningError(
                    f"public keys of {sender.name}: cannot read {sender.keys_file.name}: {error}"
                ) from None
            self.verifier.ecdsa_keys.update(parse_public_keys(document))

    def knows(self, key_id: str) -> bool:
        if self.verifier.knows(key_id):
            return True
        if self.sender.keys_url is None:
            return False
        with self._lock:
            if time.monotonic() - self._fetched_at < KEYS_REFRESH_INTERVAL and self._fetched_at:
                return self.verifier.knows(key_id)
            self._fetched_at = time.monotonic()
            try:
                keys = parse_public_keys(self._fetch(self.sender.keys_url))
            except (SigningError, OSError, ValueError, urllib.error.URLError) as error:
                logger.warning("cannot fetch the public keys of %s: %s", self.sender.name, type(error).__name__)
                return False
            self.verifier.ecdsa_keys.clear()
            self.verifier.ecdsa_keys.update(keys)
        return self.verifier.knows(key_id)


def _read_secret(path: Any) -> bytes:
    try:
        return bytes(path.read_bytes().strip())
    except OSError as error:
        raise SigningError(f"HMAC secret {path.name}: {error.strerror}") from None


class Receiver:
    def __init__(
        self,
        store: AlertStore,
        options: InboundOptions,
        fingerprinter: Fingerprinter,
        retry: DeliveryOptions,
        fetch: Callable[[str], Any] = fetch_keys_document,
        process: Callable[[str, bytes, dict[str, str], float], Outcome] = post,
    ) -> None:
        self.store = store
        self.options = options
        self.fingerprinter = fingerprinter
        self.retry = retry
        self.senders = [SenderKeys(sender, options.max_age, fetch) for sender in options.senders]
        self._process = process
        self._checks = {token_type: VALIDATORS.get(name) for token_type, name in options.validators.items()}

    def receive(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> InboundResult:
        key_id = headers.get(KEY_ID_HEADER, "")
        sender = next((s for s in self.senders if key_id and s.knows(key_id)), None)
        if sender is None:
            INBOUND_REJECTED.labels(sender="unknown", reason="unknown-key").inc()
            raise InboundError(401, "alert-unknown-key", "The key identifier is not one of a configured sender's.")
        try:
            sender.verifier.verify(headers, body, now)
        except VerificationError as error:
            INBOUND_REJECTED.labels(sender=sender.sender.name, reason=error.reason).inc()
            raise InboundError(401, f"alert-{error.reason}", str(error)) from None
        reports = self._reports(body)
        message_id = headers.get(MESSAGE_ID_HEADER) or None
        if message_id is not None and len(message_id) > MAX_FIELD_LENGTH:
            raise InboundError(422, "invalid-alert", f"{MESSAGE_ID_HEADER} is too long.")
        name = sender.sender.name
        received = self.store.receive(name, message_id, reports, now)
        if received is None:
            return InboundResult(name, True, 0, 0)
        INBOUND_RECEIVED.labels(sender=name).inc(len(received))
        new_valid = [r for r in received if r.first_time and r.valid]
        if new_valid:
            INBOUND_VALID.labels(sender=name).inc(len(new_valid))
        return InboundResult(name, False, len(received), len(new_valid))

    def _reports(self, body: bytes) -> list[TokenReport]:
        try:
            items = json.loads(body)
        except ValueError:
            raise InboundError(400, "invalid-json", "The body is not JSON.") from None
        if not isinstance(items, list):
            raise InboundError(422, "invalid-alert", "The body must be a JSON array of {token, type, url, source}.")
        if len(items) > self.options.max_tokens:
            raise InboundError(413, "too-many-tokens", f"A message may hold at most {self.options.max_tokens} tokens.")
        reports: list[TokenReport] = []
        for index, item in enumerate(items):
            if (
                not isinstance(item, dict)
                or not all(isinstance(item.get(k, ""), str) for k in ("token", "type", "url", "source"))
                or not item.get("token")
                or not item.get("type")
                or any(len(str(item.get(k, ""))) > MAX_FIELD_LENGTH for k in ("token", "type", "url", "source"))
            ):
                # Say where, not what: the token may be a live secret.
                raise InboundError(
                    422, "invalid-alert", f"Item {index} must be an object with string 'token' and 'type' fields."
                )
            reports.append(self._report(item))
        return reports

    def _report(self, item: dict[str, str]) -> TokenReport:
        token, token_type = item["token"], item["type"]
        raw = not token.startswith(FINGERPRINT_PREFIX)
        fingerprint = self.fingerprinter.fingerprint(token) if raw else token
        reason: str | None = None
        validator = self._checks.get(token_type)
        if validator is not None:
            if not raw:
                reason = "only a fingerprint was sent; the structure cannot be checked"
            else:
                reason = validator.check(token, validator.load_params({}))
        return TokenReport(
            fingerprint, token_type, token if raw else None, item.get("url", ""), item.get("source", ""), reason
        )

    # -- the processing step -----------------------------------------------------------

    def process_due(self, now: float | None = None) -> int:
        """Run the processing step of every valid token waiting for it; the number processed."""
        due = self.store.due_for_processing(100, self.retry.lease, now)
        done = 0
        for token in due:
            done += self._process_one(token)
        return done

    def _process_one(self, token: InboundToken) -> int:
        if self.options.process_url is None:
            outcome = Outcome(True)
        else:
            body = json.dumps(
                {
                    "fingerprint": token.fingerprint,
                    "type": token.token_type,
                    "token": token.token,
                    "url": token.url,
                    "source": token.source,
                    "sender": token.sender,
                },
                separators=(",", ":"),
            ).encode("utf-8")
            outcome = self._process(self.options.process_url, body, {}, self.retry.timeout)
        if outcome.delivered:
            if self.store.mark_processed(token.fingerprint):
                INBOUND_PROCESSED.labels(sender=token.sender).inc()
                return 1
            return 0
        attempts = token.attempts + 1
        last = attempts >= self.options.max_attempts
        retry_at = None if last else time.time() + backoff_delay(attempts, self.retry)
        self.store.mark_processing_failed(token.fingerprint, outcome.error, retry_at, self.options.max_attempts)
        logger.warning(
            "processing step for a token of %s failed (%s), attempt %d", token.sender, outcome.error, attempts
        )
        return 0
