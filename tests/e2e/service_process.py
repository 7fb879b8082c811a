"""Start the real service (``dlp serve`` → gunicorn) on a free 127.0.0.1 port, and stop it."""

from __future__ import annotations

import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def raise_open_files_limit() -> None:
    # Hundreds of slow connections are as many descriptors on this side too.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> bytes:
        return self.log.read_bytes()

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def wait_ready(self, deadline_s: float = 60) -> None:
        deadline = time.monotonic() + deadline_s
        while True:
            try:
                if self.request("GET", "/readyz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("the service did not start:\n" + self.output().decode(errors="replace"))
            time.sleep(0.2)


def eventually(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def workers_ready(service: Service) -> set[int]:
    """The current workers, once each handles signals: gunicorn loses a SIGTERM that reaches a
    worker still booting, and the worker would then linger until the graceful time-out."""
    before = service.worker_pids()
    assert eventually(lambda: all(f"worker {pid} ready".encode() in service.output() for pid in before))
    return before


def hang_up(service: Service) -> set[int]:
    """Send SIGHUP to the master; returns the workers it had, which it replaces."""
    before = workers_ready(service)
    os.kill(service.process.pid, signal.SIGHUP)
    return before


def workers_replaced(service: Service, before: set[int], workers: int = 2) -> bool:
    pids = service.worker_pids()
    return len(pids) == workers and not pids & before


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a process so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@contextmanager
def running_service(workdir: Path, env: dict[str, str] | None = None, workers: int = 2) -> Iterator[Service]:
    """The service under gunicorn for the duration of the block; always stopped at the end."""
    raise_open_files_limit()
    metrics = workdir / "metrics"
    metrics.mkdir(exist_ok=True)
    log_path = workdir / "service.log"
    port = free_port()
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "DLP_FINGERPRINT_KEY": "e2e-fingerprint-key-0123456789",
        "DLP_LOG_LEVEL": "info",
        **(env or {}),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = Service(process, port, log_path)
    try:
        service.wait_ready()
        yield service
    finally:
        service.stop()
