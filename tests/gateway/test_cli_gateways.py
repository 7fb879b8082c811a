"""``dlp icap`` and ``dlp milter`` as an operator starts them: real processes on the built-in
definitions and default policy, reloading on SIGHUP, refusing bad settings in one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.gateway.milter import protocol as p
from tests.e2e.service_process import free_port
from tests.fixtures.make_mail import clean_mail, token_mail
from tests.gateway.icap.conftest import GITHUB_TOKEN
from tests.gateway.icap.wire import chunked, exchange, http_request, icap_request
from tests.gateway.milter.client import MilterClient

ROOT = Path(__file__).resolve().parents[2]


def start(arguments: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    environ = {**os.environ, "DLP_AUDIT_LOG": str(log.with_suffix(".audit"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", *arguments], cwd=ROOT, env=environ, stderr=log.open("wb")
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"{arguments[0]} did not listen within 90 s: {log.read_text()}")


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(path: Path, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace")
        if text in content:
            return content
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path.read_text(errors='replace')}")


def upload(port: int, body: bytes) -> int:
    request = http_request("POST", "http://upload.example/form", {"Content-Type": "text/plain"})
    answer = exchange(
        port, icap_request("REQMOD", "reqmod", [("req-hdr", request)], chunked(body), headers={"Allow": "204"})
    )
    return answer.http_status or answer.status


def test_dlp_icap_blocks_a_token_on_the_default_policy_and_reloads_on_sighup(
    tmp_path: Path, stop: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    log = tmp_path / "icap.log"
    process = start(["icap", "--bind", f"127.0.0.1:{port}"], port, log)
    stop.append(process)
    assert upload(port, f"deploy key {GITHUB_TOKEN}".encode()) == 403
    assert upload(port, b"nothing to see") == 204
    audit = wait_for(log.with_suffix(".audit"), '"block"')
    assert GITHUB_TOKEN not in audit and "block-credentials" in audit
    process.send_signal(signal.SIGHUP)
    wait_for(log, "reloaded definitions and policies")
    assert upload(port, f"deploy key {GITHUB_TOKEN}".encode()) == 403


def test_dlp_milter_rejects_a_token_mail(tmp_path: Path, stop: list[subprocess.Popen[bytes]]) -> None:
    port = free_port()
    process = start(["milter", "--bind", f"inet:{port}@127.0.0.1"], port, tmp_path / "milter.log")
    stop.append(process)
    with MilterClient("127.0.0.1", port) as client:
        client.negotiate()
        client.connect()
        rejected = client.transaction(token_mail())
        assert rejected[-1].command == p.REPLYCODE and rejected[-1].text.startswith("550 5.7.1")
        assert client.transaction(clean_mail())[-1].command == p.ACCEPT


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["icap", "--policy", "nope"], "no loaded policy is named 'nope'"),
        (["icap", "--bind", "no-port"], "--bind must be HOST:PORT"),
        (["milter", "--bind", "bogus"], "not a milter address"),
    ],
)
def test_bad_settings_stop_the_start_in_one_line(arguments: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "service.cli", *arguments], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("dlp: error: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
