"""The adapter's metrics: requests, errors, actions and latency counted, served by an optional listener."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable

from prometheus_client import REGISTRY

from service.gateway.icap import BackgroundServer
from tests.gateway.icap.conftest import GITHUB_TOKEN
from tests.gateway.icap.wire import chunked, exchange, http_request, icap_request
from tests.gateway.recording import RecordingInspector


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_requests_errors_and_actions_are_counted(
    start_server: Callable[..., BackgroundServer], inspector: RecordingInspector
) -> None:
    port = free_port()
    server = start_server(inspector, metrics_port=port)
    before = {
        "blocked": sample("dlp_icap_actions_total", method="REQMOD", action="block"),
        "answered": sample("dlp_icap_requests_total", method="REQMOD", status="200"),
        "errors": sample("dlp_icap_errors_total", status="404"),
        "timed": sample("dlp_icap_request_duration_seconds_count", method="REQMOD"),
    }
    head = http_request(url=f"http://upload.example.test/?key={GITHUB_TOKEN}")
    exchange(server.port, icap_request("REQMOD", "reqmod", [("req-hdr", head)], chunked(b"body"), {"Allow": "204"}))
    exchange(server.port, icap_request("OPTIONS", "elsewhere", []))
    assert sample("dlp_icap_actions_total", method="REQMOD", action="block") == before["blocked"] + 1
    assert sample("dlp_icap_requests_total", method="REQMOD", status="200") == before["answered"] + 1
    assert sample("dlp_icap_errors_total", status="404") == before["errors"] + 1
    assert sample("dlp_icap_request_duration_seconds_count", method="REQMOD") == before["timed"] + 1
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    assert "dlp_icap_connections_total" in text and "dlp_icap_actions_total" in text
    assert GITHUB_TOKEN not in text and "upload.example.test" not in text
