"""Squid as the ICAP client: curl through a real proxy to a local web server, uploads and downloads inspected.

Squid runs in the foreground from a configuration in a temporary folder and talks to the
in-process ICAP server over loopback; a tiny web server on a thread takes the uploads
and serves the downloads. When the tests run as root, Squid drops to its unprivileged
user, so the folder is made writable for it.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from service.gateway.icap import BackgroundServer, start_in_thread
from service.gateway.inspector import PolicyInspector
from tests.gateway.icap.conftest import CARD_NUMBER, CARD_TEXT, GITHUB_TOKEN
from tests.gateway.recording import RecordingInspector

CLEAN_DOWNLOAD = b"A clean report: revenue grew, costs fell, nothing else to say.\n" * 20
DOWNLOADS = {
    "/clean.txt": (CLEAN_DOWNLOAD, None),
    "/card.txt": (CARD_TEXT.encode(), None),
    "/card-gzip.txt": (gzip.compress(CARD_TEXT.encode()), "gzip"),
}
SQUID_CONFIG = """\
http_port 127.0.0.1:{proxy_port}
http_access allow all
cache deny all
cache_mem 8 MB
shutdown_lifetime 0 seconds
pinger_enable off
pid_filename {folder}/squid.pid
cache_log {folder}/cache.log
access_log stdio:{folder}/access.log
coredump_dir {folder}

icap_enable on
icap_preview_enable on
icap_service svc_req reqmod_precache icap://127.0.0.1:{icap_port}/reqmod bypass=0
icap_service svc_resp respmod_precache icap://127.0.0.1:{icap_port}/respmod bypass=0
adaptation_access svc_req allow all
adaptation_access svc_resp allow all
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Origin(BaseHTTPRequestHandler):
    """The web server behind the proxy: records uploads, serves the downloads above."""

    uploads: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.uploads.append(body)
        self._send(200, b"received\n", None)

    def do_GET(self) -> None:
        content, encoding = DOWNLOADS.get(self.path, (b"not here\n", None))
        self._send(200 if self.path in DOWNLOADS else 404, content, encoding)

    def _send(self, status: int, body: bytes, encoding: str | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures
        pass


@dataclass
class Proxy:
    port: int
    origin: str
    folder: Path


@pytest.fixture(autouse=True)
def no_uploads_yet() -> None:
    Origin.uploads.clear()


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def wait_for_port(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    ends = time.monotonic() + 60
    while time.monotonic() < ends:
        assert process.poll() is None, (folder / "cache.log").read_text(errors="replace")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("squid did not start listening within 60 s")


def squid_config(folder: Path, proxy_port: int, icap_port: int) -> str:
    return SQUID_CONFIG.format(folder=folder, proxy_port=proxy_port, icap_port=icap_port)


@pytest.fixture(scope="module")
def icap_server(real_inspector: PolicyInspector) -> Iterator[BackgroundServer]:
    # One policy blocking both credentials and card numbers, for uploads and downloads alike.
    server = start_in_thread(RecordingInspector(real_inspector, policy="cards"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(icap_server: BackgroundServer, origin: str) -> Iterator[Proxy]:
    binary = shutil.which("squid") or shutil.which("squid", path="/usr/sbin:/usr/local/sbin")
    assert binary is not None, "squid is not installed: run bash .ci/setup-clients"
    folder = Path(tempfile.mkdtemp(prefix="dlp-squid-"))
    if os.geteuid() == 0:
        folder.chmod(0o777)  # squid started as root runs as its own unprivileged user
    port = free_port()
    config = folder / "squid.conf"
    config.write_text(squid_config(folder, port, icap_server.port))
    process = subprocess.Popen([binary, "-N", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, folder)
        yield Proxy(port, origin, folder)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def curl(proxy: Proxy, path: str, *args: str) -> tuple[int, bytes]:
    binary = shutil.which("curl")
    assert binary is not None, "curl is not installed"
    done = subprocess.run(
        [
            binary,
            "-sS",
            "-x",
            f"http://127.0.0.1:{proxy.port}",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            *args,
            proxy.origin + path,
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    body, _, status = done.stdout.rpartition(b"\n")
    return int(status), body


def test_an_upload_with_a_github_token_is_blocked(proxy: Proxy, tmp_path: Path) -> None:
    upload = tmp_path / "deploy.env"
    upload.write_text(f"GITHUB_TOKEN={GITHUB_TOKEN}\n")
    status, body = curl(proxy, "/upload", "-F", f"file=@{upload}")
    assert status == 403
    assert b"<b>cards</b>" in body and b"GitHub personal access token" in body
    assert GITHUB_TOKEN.encode() not in body
    assert Origin.uploads == []


def test_a_clean_upload_passes_unchanged(proxy: Proxy) -> None:
    form = "comment=nothing to hide here&rating=5"
    status, body = curl(proxy, "/upload", "--data", form)
    assert (status, body) == (200, b"received\n")
    assert Origin.uploads == [form.encode()]


def test_a_download_with_a_card_number_is_blocked(proxy: Proxy) -> None:
    status, body = curl(proxy, "/card.txt")
    assert status == 403
    assert b"Credit card number" in body and CARD_NUMBER.encode() not in body


def test_a_gzip_encoded_download_with_a_card_number_is_blocked(proxy: Proxy) -> None:
    status, body = curl(proxy, "/card-gzip.txt", "--compressed")
    assert status == 403
    assert b"Credit card number" in body and CARD_NUMBER.encode() not in body


def test_a_clean_download_passes_unchanged(proxy: Proxy) -> None:
    assert curl(proxy, "/clean.txt") == (200, CLEAN_DOWNLOAD)


def test_the_documented_squid_configuration_is_the_one_tested() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "gateways-icap.md").read_text()
    block = docs.split("<!-- squid-config -->\n```\n", 1)[1].split("```", 1)[0]
    assert block == SQUID_CONFIG
