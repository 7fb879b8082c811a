"""An app per test configuration; the compiled built-in scanner is shared (it is immutable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.config import Settings, load_api_keys
from service.engine import Scanner

API_FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
KEYS = {
    "gateway": "gateway-key-0123456789abcdef",
    "reviewer": "reviewer-key-0123456789abcdef",
    "monitoring": "monitoring-key-0123456789abcdef",
}


@pytest.fixture
def make_client(builtin_scanner: Scanner) -> Callable[..., FlaskClient]:
    def make(scanner: Scanner | None = None, **overrides: Any) -> FlaskClient:
        settings = replace(Settings(fingerprint_key=b"k" * 32), **overrides)
        app: Flask = create_app(settings, scanner=scanner or builtin_scanner)
        return app.test_client()

    return make


@pytest.fixture
def client(make_client: Callable[..., FlaskClient]) -> FlaskClient:
    return make_client()


@pytest.fixture
def keyed_client(make_client: Callable[..., FlaskClient]) -> FlaskClient:
    return make_client(api_keys=load_api_keys(API_FIXTURES / "api_keys.yaml"), allow_reveal=True)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}
