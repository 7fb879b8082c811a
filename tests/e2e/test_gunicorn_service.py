"""The real service under gunicorn with two workers: classification over HTTP, metrics summed across workers."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent.parent
TOKEN = "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"
REQUESTS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def http(method: str, url: str, body: bytes | None = None, content_type: str = "application/json") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("service")
    metrics_dir = workdir / "metrics"
    metrics_dir.mkdir()
    log = (workdir / "service.log").open("wb")
    port = free_port()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DLP_FINGERPRINT_KEY": "e2e-fingerprint-key-0123456789",
        "DLP_LOG_LEVEL": "info",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if http("GET", base + "/readyz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail("the service did not start:\n" + (workdir / "service.log").read_text())
        time.sleep(0.2)
    yield {"base": base, "metrics_dir": metrics_dir, "log": workdir / "service.log"}
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    log.close()


def metric_total(text: str, name: str, labels: str = "") -> float:
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", re.MULTILINE)
    return sum(float(value) for label_text, value in pattern.findall(text) if labels in (label_text or ""))


def test_classification_over_http_with_metrics_summed_across_workers(service: dict[str, Any]) -> None:
    base = service["base"]
    filler = "The quarterly report shows steady growth across all regions. " * 3000
    document = json.dumps({"text": f"{filler}\nexport GITHUB_TOKEN={TOKEN}\n"}).encode()

    def classify(_: int) -> tuple[int, dict[str, Any]]:
        status, body = http("POST", base + "/v1/classify", document)
        return status, json.loads(body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(classify, range(REQUESTS)))
    assert {status for status, _ in answers} == {200}
    fingerprints = {body["results"][0]["matches"][0]["fingerprint"] for _, body in answers}
    assert len(fingerprints) == 1  # one key in every worker: fingerprints agree

    worker_files = {path.name.split("_")[-1] for path in service["metrics_dir"].glob("counter_*.db")}
    assert len(worker_files) >= 2, "both workers should have served requests"

    status, body = http("GET", base + "/metrics")
    assert status == 200
    metrics = body.decode()
    assert metric_total(metrics, "dlp_documents_classified_total") == REQUESTS
    assert metric_total(metrics, "dlp_http_requests_total", 'route="/v1/classify"') == REQUESTS
    assert metric_total(metrics, "dlp_matches_total", 'sit="GitHub personal access token"') == REQUESTS
    assert metric_total(metrics, "dlp_bytes_classified_total") == REQUESTS * len(
        f"{filler}\nexport GITHUB_TOKEN={TOKEN}\n"
    )
    assert TOKEN not in metrics


def test_errors_over_http_are_problem_documents(service: dict[str, Any]) -> None:
    status, body = http("POST", service["base"] + "/v1/classify", b"{oops")
    assert status == 400
    assert json.loads(body)["type"].endswith("/malformed-json")


def test_logs_carry_no_secret(service: dict[str, Any]) -> None:
    http("POST", service["base"] + "/v1/classify?reveal=false", json.dumps({"text": TOKEN}).encode())
    time.sleep(0.5)  # access log lines are written after the response
    log = service["log"].read_text()
    assert '"POST /v1/classify" 200' in log
    assert TOKEN not in log and "zQWB" not in log
