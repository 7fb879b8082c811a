"""API keys: ``Authorization: Bearer <key>``, compared in constant time against configured digests."""

from __future__ import annotations

import hashlib
import hmac

from flask import g, request

from service.api.problems import Problem
from service.config import ApiKey, Settings

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dlp"'}


def authenticate(settings: Settings) -> ApiKey | None:
    """The key the request carries; None when no keys are configured. Raises 401 otherwise."""
    if not settings.api_keys:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401, "unauthorized", "This API needs an API key: send 'Authorization: Bearer <key>'.", headers=CHALLENGE
        )
    digest = hashlib.sha256(token.strip().encode()).digest()
    found = None
    for key in settings.api_keys:
        # Compare against every key, so timing does not tell how many keys were tried.
        if hmac.compare_digest(digest, key.digest):
            found = key
    if found is None:
        raise Problem(401, "unauthorized", "The API key is not valid.", headers=CHALLENGE)
    g.api_key_name = found.name
    return found


def require_permission(settings: Settings, key: ApiKey | None, permission: str, detail: str) -> None:
    if key is not None and permission not in key.permissions:
        raise Problem(403, "forbidden", detail)
