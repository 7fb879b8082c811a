"""Stable, keyed fingerprints of values, to count unique leaks across documents without seeing them."""

from __future__ import annotations

import hashlib
import hmac

FINGERPRINT_HEX_LENGTH = 32


class Fingerprinter:
    """HMAC-SHA256 under a server secret: equal values give equal fingerprints, and without
    the key a fingerprint cannot be tested against guessed values (card numbers are few)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the fingerprint key must be at least 16 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Fingerprinter(<key hidden>)"

    def fingerprint(self, normalized_value: str) -> str:
        digest = hmac.new(self._key, normalized_value.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"hmac-sha256:{digest[:FINGERPRINT_HEX_LENGTH]}"
