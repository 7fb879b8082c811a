"""Fixtures of the alert tests: signing keys and rules written at test time, a small definition
set (the PyPI and GitHub token SITs), and a real HTTP receiver on loopback."""

from __future__ import annotations

import http.server
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from werkzeug.serving import make_server

from service.alerts.signing import generate_private_key_pem
from service.config import Settings
from service.definitions.loader import builtin_definitions_dir
from service.validators.github import BASE62_ALPHABET, github_checksum
from tests.fixtures.generate_token_examples import pypi_token

ALERT_SITS = ("credentials/pypi_api_token.yaml", "credentials/github_personal_access_token.yaml")
FINGERPRINT_KEY = b"alert-tests-fingerprint-key-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def make_pypi_tokens(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [pypi_token(rng, "pypi.org", None) for _ in range(count)]


def make_github_token(seed: int = 11) -> str:
    rng = random.Random(seed)
    entropy = "".join(rng.choice(BASE62_ALPHABET) for _ in range(30))
    return "ghp_" + entropy + github_checksum(entropy)


@pytest.fixture(scope="session")
def alert_definitions_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("alert-sits")
    for name in ALERT_SITS:
        shutil.copy(builtin_definitions_dir() / name, folder / Path(name).name)
    return folder


@pytest.fixture
def signing_key(tmp_path: Path) -> Path:
    path = tmp_path / "alerts-signing.pem"
    path.write_bytes(generate_private_key_pem())
    return path


@dataclass
class Recorded:
    path: str
    headers: Any  # case-insensitive, as received
    body: bytes


@dataclass
class HttpReceiver:
    """A loopback HTTP server that records every POST and answers with the next planned status."""

    port: int
    requests: list[Recorded] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # planned answers, then 200 for ever
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    def bodies(self) -> list[Any]:
        with self.lock:
            return [json.loads(r.body) for r in self.requests]


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(free_port())

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if receiver.delay:
                time.sleep(receiver.delay)
            with receiver.lock:
                receiver.requests.append(Recorded(self.path, self.headers, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)


def write_rules(path: Path, rules: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    return path


def sender_rules(
    url: str, key_file: Path, *, send_token: bool = True, delivery: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "signing": {"key_file": str(key_file)},
        "issuers": {"pypi": {"url": url, "send_token": send_token}},
        "rules": [{"name": "PyPI tokens", "sits": ["PyPI API token"], "issuer": "pypi", "type": "pypi_api_token"}],
        "delivery": {"backoff_base": 0.05, "backoff_max": 0.2, "poll_interval": 0.05, **(delivery or {})},
    }


def alert_settings(definitions_dir: Path, rules: Path | None, db: Path, **more: Any) -> Settings:
    return Settings(
        workers=1,
        builtin_definitions=False,
        definitions_dirs=(definitions_dir,),
        fingerprint_key=FINGERPRINT_KEY,
        fingerprint_key_configured=True,
        alert_rules=rules,
        alert_db=db,
        **more,
    )


@contextmanager
def served(app: Flask, port: int = 0) -> Iterator[str]:
    """``app`` served over real HTTP on a loopback port (any free one by default); yields its base URL."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert found, "PostgreSQL is not installed: run .ci/setup-postgres"
    return found[-1].parent


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root: the server runs as the postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server of the test session's own, on a free loopback TCP port."""
    binaries = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="dlp-alerts-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off"
    log = folder / "server.log"
    subprocess.run(
        _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> str:
    """The session's server with the alert tables emptied."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(
            "DROP TABLE IF EXISTS alert_outbox, alert_dedup, alert_inbound, alert_inbound_messages, alert_meta"
        )
    return postgres_url
