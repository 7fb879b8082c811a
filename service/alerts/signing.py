"""Signatures of alert deliveries, and the public-key document receivers verify them with.

As in GitHub's secret-scanning partner program, the sender signs with an ECDSA P-256 key
(SHA-256, DER signature, base64) and publishes its public keys, each with an identifier, at
a well-known URL; every request names the key it was signed with. HMAC-SHA256 with a secret
shared with one issuer is the alternative. What is signed is the timestamp, a full stop,
then the body exactly as sent, so a receiver can refuse an old message replayed as new.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ECDSA = "ecdsa-p256-sha256"
HMAC = "hmac-sha256"
ALGORITHMS = (ECDSA, HMAC)

KEY_ID_HEADER = "DLP-Alert-Key-Identifier"
SIGNATURE_HEADER = "DLP-Alert-Signature"
ALGORITHM_HEADER = "DLP-Alert-Signature-Algorithm"
TIMESTAMP_HEADER = "DLP-Alert-Timestamp"
MESSAGE_ID_HEADER = "DLP-Alert-Id"
# Where a sender publishes its public keys (served by the REST service without an API key).
WELL_KNOWN_KEYS_PATH = "/.well-known/dlp-alert-keys"


class SigningError(ValueError):
    """A key cannot be read or is not of the kind expected; the message names the file, not the key."""


class VerificationError(ValueError):
    """A message's signature does not hold; ``reason`` is a short slug for counters and answers."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def signed_bytes(timestamp: str, body: bytes) -> bytes:
    return timestamp.encode("ascii") + b"." + body


def public_key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """The key's identifier: the SHA-256 of its DER SubjectPublicKeyInfo, in hex (stable, not secret)."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def public_key_pem(public_key: ec.EllipticCurvePublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def generate_private_key_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningError(f"signing key {path.name}: {error.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SigningError(f"signing key {path.name}: not an unencrypted PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SigningError(f"signing key {path.name}: must be an ECDSA P-256 key")
    return key


@dataclass(frozen=True)
class Signature:
    algorithm: str
    key_id: str
    timestamp: str
    value: str

    def headers(self) -> dict[str, str]:
        return {
            ALGORITHM_HEADER: self.algorithm,
            KEY_ID_HEADER: self.key_id,
            TIMESTAMP_HEADER: self.timestamp,
            SIGNATURE_HEADER: self.value,
        }


class EcdsaSigner:
    algorithm = ECDSA

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, previous: tuple[ec.EllipticCurvePublicKey, ...] = ()):
        self._key = private_key
        self.key_id = public_key_id(private_key.public_key())
        # Keys signed with before a rotation stay published, so messages in flight still verify.
        self._previous = previous

    def __repr__(self) -> str:
        return f"EcdsaSigner(key_id={self.key_id[:12]}…)"

    def sign(self, body: bytes, now: float | None = None) -> Signature:
        timestamp = str(int(time.time() if now is None else now))
        der = self._key.sign(signed_bytes(timestamp, body), ec.ECDSA(hashes.SHA256()))
        return Signature(ECDSA, self.key_id, timestamp, base64.b64encode(der).decode("ascii"))

    def public_keys_document(self) -> dict[str, Any]:
        """The document served at the well-known URL, in the shape of GitHub's key list."""
        keys = [{"key_identifier": self.key_id, "key": public_key_pem(self._key.public_key()), "is_current": True}]
        keys += [
            {"key_identifier": public_key_id(key), "key": public_key_pem(key), "is_current": False}
            for key in self._previous
        ]
        return {"public_keys": keys}


class HmacSigner:
    algorithm = HMAC

    def __init__(self, key_id: str, secret: bytes) -> None:
        if len(secret) < 32:
            raise SigningError("an HMAC alert secret must be at least 32 bytes")
        self.key_id = key_id
        self._secret = secret

    def __repr__(self) -> str:
        return f"HmacSigner(key_id={self.key_id!r}, <secret hidden>)"

    def sign(self, body: bytes, now: float | None = None) -> Signature:
        timestamp = str(int(time.time() if now is None else now))
        digest = hmac.new(self._secret, signed_bytes(timestamp, body), hashlib.sha256).digest()
        return Signature(HMAC, self.key_id, timestamp, base64.b64encode(digest).decode("ascii"))


Signer = EcdsaSigner | HmacSigner


def parse_public_keys(document: Any) -> dict[str, ec.EllipticCurvePublicKey]:
    """Key id → public key from a published document; ids are checked against the keys."""
    if not isinstance(document, Mapping) or not isinstance(document.get("public_keys"), list):
        raise SigningError("a public-key document must be an object with a 'public_keys' list")
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for entry in document["public_keys"]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
            raise SigningError("each public key needs 'key_identifier' and 'key'")
        try:
            key = serialization.load_pem_public_key(entry["key"].encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise SigningError("a published key is not a PEM public key") from None
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
            raise SigningError("a published key is not an ECDSA P-256 key")
        key_id = public_key_id(key)
        if entry.get("key_identifier") != key_id:
            raise SigningError("a published key's identifier does not match the key")
        keys[key_id] = key
    return keys


@dataclass
class Verifier:
    """Checks one sender's messages: its published ECDSA keys and any shared HMAC secrets."""

    ecdsa_keys: dict[str, ec.EllipticCurvePublicKey] = field(default_factory=dict)
    hmac_secrets: dict[str, bytes] = field(default_factory=dict, repr=False)
    max_age: float = 300.0

    def knows(self, key_id: str) -> bool:
        return key_id in self.ecdsa_keys or key_id in self.hmac_secrets

    def verify(self, headers: Mapping[str, str], body: bytes, now: float | None = None) -> None:
        algorithm = headers.get(ALGORITHM_HEADER, ECDSA)
        key_id = headers.get(KEY_ID_HEADER, "")
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not key_id or not timestamp or not signature:
            raise VerificationError(
                "unsigned", f"The message needs {KEY_ID_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers."
            )
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise VerificationError("bad-timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds.")
        age = (time.time() if now is None else now) - int(timestamp)
        if abs(age) > self.max_age:
            raise VerificationError(
                "stale", f"The message is {int(age)} s old; at most {self.max_age:g} s are accepted."
            )
        try:
            raw = base64.b64decode(signature, validate=True)
        except ValueError:
            raise VerificationError("bad-signature", "The signature is not base64.") from None
        message = signed_bytes(timestamp, body)
        if algorithm == ECDSA:
            public_key = self.ecdsa_keys.get(key_id)
            if public_key is None:
                raise VerificationError("unknown-key", "The key identifier is not among the sender's published keys.")
            try:
                public_key.verify(raw, message, ec.ECDSA(hashes.SHA256()))
            except InvalidSignature:
                raise VerificationError("bad-signature", "The signature does not match the body.") from None
        elif algorithm == HMAC:
            secret = self.hmac_secrets.get(key_id)
            if secret is None:
                raise VerificationError("unknown-key", "The key identifier names no shared secret.")
            expected = hmac.new(secret, message, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, raw):
                raise VerificationError("bad-signature", "The signature does not match the body.")
        else:
            raise VerificationError("bad-algorithm", f"{ALGORITHM_HEADER} must be one of {', '.join(ALGORITHMS)}.")
