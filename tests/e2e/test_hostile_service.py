"""Hostile inputs and slow clients against the real service under gunicorn: a problem document or a
bounded answer every time, never a 5xx, and normal requests keep their latency."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator

import pytest

from tests.e2e.service_process import Service, peak_rss_mb, running_service
from tests.fixtures.hostile_inputs import SlowClients, card_flood, chunked_body, docx_bomb, nested_json

MAX_BODY = 25 * 1024 * 1024
REQUEST_BUDGET = 20  # DLP_REQUEST_TIME_LIMIT's default
MEMORY_CEILING_MB = 1024  # DLP_WORKER_MAX_RSS_MB's default, documented in docs/service.md
HEADER_TIMEOUT = 10
NORMAL = (b"Minutes of the planning meeting. Employee SSN: 536-22-8726.\n" + b"Nothing else to report. " * 40) * 20


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    env = {"DLP_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "DLP_LOG_LEVEL": "warning"}
    with running_service(tmp_path_factory.mktemp("hostile"), env) as running:
        yield running


def assert_problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> None:
    assert status == expected, body[:300]
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["status"] == expected


def test_a_chunked_body_over_the_limit_gets_413(service: Service) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
    try:
        connection.request(
            "POST",
            "/v1/classify",
            body=chunked_body(MAX_BODY + 1),
            headers={"Content-Type": "text/plain"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        assert_problem(response.status, headers, response.read(), 413)
    finally:
        connection.close()


def test_deeply_nested_json_gets_400(service: Service) -> None:
    status, headers, body = service.request(
        "POST", "/v1/classify", nested_json(5000), {"Content-Type": "application/json"}
    )
    assert_problem(status, headers, body, 400)


def test_an_office_bomb_is_refused_or_reported_incomplete_in_bounded_memory(service: Service) -> None:
    bomb = docx_bomb()
    assert len(bomb) < 2 * 1024 * 1024  # a small upload...
    started = time.monotonic()
    status, headers, body = service.request(
        "POST", "/v1/classify", bomb, {"Content-Type": "application/octet-stream"}, timeout=120
    )
    assert time.monotonic() - started < REQUEST_BUDGET * 1.5 + 10  # answered before the worker time-out
    assert status < 500, body[:300]
    if status == 200:
        assert json.loads(body)["complete"] is False
    else:
        assert status in {413, 422}
        assert headers["content-type"].startswith("application/problem+json")
    for pid in service.worker_pids():  # ...that never takes a worker near its memory ceiling
        assert peak_rss_mb(pid) < MEMORY_CEILING_MB


def test_a_flood_of_matches_answers_within_the_budget_with_a_bounded_answer(service: Service) -> None:
    started = time.monotonic()
    status, _, body = service.request("POST", "/v1/classify", card_flood(1024 * 1024), {"Content-Type": "text/plain"})
    elapsed = time.monotonic() - started
    assert status == 200, body[:300]
    assert elapsed < REQUEST_BUDGET + 5
    assert len(body) < 5 * 1024 * 1024
    assert json.loads(body)["results"]


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]


def timed_classify(service: Service) -> float:
    started = time.perf_counter()
    status, _, _ = service.request("POST", "/v1/classify", NORMAL, {"Content-Type": "text/plain"}, timeout=30)
    assert status == 200
    return time.perf_counter() - started


def test_slow_clients_do_not_slow_normal_requests(service: Service) -> None:
    for _ in range(5):
        timed_classify(service)  # warm both workers
    unloaded = [timed_classify(service) for _ in range(60)]

    with SlowClients("127.0.0.1", service.port, count=200, interval=3.0) as slow:
        time.sleep(2)  # let them connect and start trickling
        loaded = []
        ends = time.monotonic() + 28
        while time.monotonic() < ends:
            loaded.append(timed_classify(service))
            time.sleep(0.02)

    assert slow.stats.most_open >= 200
    assert len(loaded) >= 60
    assert p99(loaded) <= 3 * p99(unloaded), (p99(loaded), p99(unloaded))
    # The header time-out dropped the slow clients, each within the time-out (and a second or two).
    assert slow.stats.closed_by_server >= 200
    dropped = sorted(slow.stats.dropped_after)
    assert dropped[len(dropped) // 2] < HEADER_TIMEOUT + 3
    assert service.request("GET", "/healthz")[0] == 200
