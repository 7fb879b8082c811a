"""Reloading definitions in the real service (gunicorn, 2 workers) while it classifies.

Clients classify a text carrying a value of a custom SIT that the reload adds. Every answer
must succeed and come wholly from one set: an answer naming the old version never has the new
SIT's match, one naming the new version always has it. A broken definition is refused and the
old set goes on serving, whether the reload was asked over HTTP, by SIGHUP or by the file watch.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from service.definitions import load_builtin_definitions, load_definitions
from tests.e2e.service_process import (
    Service,
    eventually,
    hang_up,
    running_service,
    workers_ready,
    workers_replaced,
)
from tests.fixtures.custom_sits import BROKEN_SIT, sit_name, write_custom_sit

ADMIN_KEY = "operator-key-0123456789abcdef"
CLIENT_KEY = "client-key-0123456789abcdef"
TEXT = b"Employee SSN: 536-22-8726, project ALPHA-123456, BETA-123456 and GAMMA-123456."
CLIENTS = 4
NEW_ANSWERS_WANTED = 40  # answers from the new set, after the last old one, before the clients stop


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Reloadable:
    service: Service
    custom: Path

    def version(self) -> str:
        status, _, body = self.service.request("GET", "/readyz")
        assert status == 200
        version: str = json.loads(body)["definitions_version"]
        return version

    def expected_version(self) -> str:
        return load_builtin_definitions([self.custom]).version

    def failures(self) -> float:
        _, _, body = self.service.request("GET", "/metrics")
        found = re.search(rb"^dlp_definitions_reload_failures_total ([0-9.e+]+)$", body, re.M)
        return float(found.group(1)) if found else 0.0


@pytest.fixture(scope="module")
def reloadable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reloadable]:
    workdir = tmp_path_factory.mktemp("definitions-reload")
    keys = workdir / "keys.yaml"
    keys.write_text(
        f"- name: operator\n  key: {ADMIN_KEY}\n  permissions: [admin]\n- name: client\n  key: {CLIENT_KEY}\n"
    )
    custom = workdir / "custom"
    custom.mkdir()
    write_custom_sit(custom, "ALPHA")
    env = {"DLP_API_KEYS_FILE": str(keys), "DLP_DEFINITIONS_DIRS": str(custom)}
    with running_service(workdir, env) as service:
        yield Reloadable(service, custom)


@dataclass
class Traffic:
    """Clients classifying TEXT in a loop, recording every answer."""

    service: Service
    answers: list[tuple[int, dict[str, Any] | bytes]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status, _, body = self.service.request(
                    "POST", "/v1/classify", TEXT, {"Content-Type": "text/plain", **bearer(CLIENT_KEY)}
                )
            except OSError as error:
                self.errors.append(repr(error))
                continue
            self.answers.append((status, json.loads(body) if status == 200 else body))

    def versions(self) -> list[str]:
        return [answer["definitions_version"] for status, answer in self.answers if isinstance(answer, dict)]

    def settled_on(self, version: str) -> bool:
        """The last NEW_ANSWERS_WANTED answers all came from ``version``."""
        tail = self.versions()[-NEW_ANSWERS_WANTED:]
        return len(tail) == NEW_ANSWERS_WANTED and set(tail) == {version}


def classify_through(service: Service, reload: Callable[[], str]) -> tuple[Traffic, str]:
    traffic = Traffic(service)
    clients = [threading.Thread(target=traffic.run) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        assert eventually(lambda: len(traffic.answers) >= 10, 60)  # some answers from the old set first
        new = reload()
        assert eventually(lambda: traffic.settled_on(new), 90), "the workers did not all come to serve the new set"
    finally:
        traffic.stop.set()
        for client in clients:
            client.join(timeout=60)
    return traffic, new


def assert_each_answer_from_one_set(traffic: Traffic, old: str, new: str, code: str) -> None:
    assert traffic.errors == []
    assert [status for status, _ in traffic.answers if status != 200] == []
    seen = {"old": 0, "new": 0}
    for _, answer in traffic.answers:
        assert isinstance(answer, dict)
        names = {result["sit"]["name"] for result in answer["results"]}
        assert "U.S. social security number (SSN)" in names  # built-in SITs in both sets
        assert answer["definitions_version"] in (old, new)
        if answer["definitions_version"] == old:
            assert sit_name(code) not in names
            seen["old"] += 1
        else:
            assert sit_name(code) in names
            seen["new"] += 1
    assert seen["old"] > 0 and seen["new"] >= NEW_ANSWERS_WANTED


def test_reload_over_http_under_traffic(reloadable: Reloadable) -> None:
    service, old = reloadable.service, reloadable.version()
    assert old == reloadable.expected_version()  # the same content hash in the test and in the service

    def reload() -> str:
        write_custom_sit(reloadable.custom, "BETA")
        status, _, body = service.request("POST", "/v1/sits/reload", headers=bearer(ADMIN_KEY))
        assert status == 202, body
        answer = json.loads(body)
        assert answer["status"] == "reloading" and answer["previous_version"] == old
        assert answer["definitions_version"] == reloadable.expected_version()
        new: str = answer["definitions_version"]
        return new

    traffic, new = classify_through(service, reload)
    assert_each_answer_from_one_set(traffic, old, new, "BETA")
    assert reloadable.version() == new
    metrics = service.request("GET", "/metrics")[2].decode()
    assert f'dlp_definitions_info{{version="{new}"}} 1.0' in metrics
    assert f'dlp_definitions_info{{version="{old}"}} 0.0' in metrics
    assert re.search(r"^dlp_definitions_reloads_total [1-9]", metrics, re.M)
    status, _, body = service.request("GET", "/v1/sits", headers=bearer(CLIENT_KEY))
    assert status == 200 and json.loads(body)["definitions_version"] == new
    assert sit_name("BETA") in {sit["name"] for sit in json.loads(body)["sits"]}


def test_reload_by_sighup_under_traffic(reloadable: Reloadable) -> None:
    service, old = reloadable.service, reloadable.version()

    def reload() -> str:
        write_custom_sit(reloadable.custom, "GAMMA")
        hang_up(service)
        return reloadable.expected_version()

    traffic, new = classify_through(service, reload)
    assert_each_answer_from_one_set(traffic, old, new, "GAMMA")
    assert reloadable.version() == new


def test_the_reload_route_needs_the_admin_key(reloadable: Reloadable) -> None:
    service = reloadable.service
    assert service.request("POST", "/v1/sits/reload")[0] == 401
    assert service.request("POST", "/v1/sits/reload", headers=bearer(CLIENT_KEY))[0] == 403


def test_a_broken_definition_leaves_the_old_set_serving_and_is_reported(reloadable: Reloadable) -> None:
    service, old = reloadable.service, reloadable.version()
    failures = reloadable.failures()
    broken = reloadable.custom / "broken.yaml"
    broken.write_text(BROKEN_SIT)
    try:
        status, headers, body = service.request("POST", "/v1/sits/reload", headers=bearer(ADMIN_KEY))
        assert status == 422 and headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert "custom/broken.yaml" in problem["detail"] and "no_such_element" in problem["detail"]
        assert problem["errors"][0]["field"] == "custom/broken.yaml: patterns.0.primary"
        assert reloadable.failures() == failures + 1  # counted by the worker that compiled it
        assert "definitions reload failed" in service.output().decode(errors="replace")

        before = hang_up(service)  # the same file, by signal: the master refuses it too
        assert eventually(lambda: workers_replaced(service, before))
        assert reloadable.version() == old
        log = service.output().decode(errors="replace")
        lines = [line for line in log.splitlines() if "custom/broken.yaml" in line]
        assert len(lines) == 2 and "Traceback" not in log  # one line from the worker, one from the master
        assert "definitions reload failed, keeping version" in lines[0]
        assert "reload failed, keeping the previous API keys and definitions" in lines[1]
        assert eventually(lambda: reloadable.failures() == failures + 2)
        status, _, body = service.request(
            "POST", "/v1/classify", TEXT, {"Content-Type": "text/plain", **bearer(CLIENT_KEY)}
        )
        assert status == 200 and json.loads(body)["definitions_version"] == old
    finally:
        broken.unlink()
    workers_ready(service)


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reloadable]:
    workdir = tmp_path_factory.mktemp("definitions-watch")
    custom = workdir / "custom"
    custom.mkdir()
    write_custom_sit(custom, "ALPHA")
    env = {
        "DLP_BUILTIN_DEFINITIONS": "false",
        "DLP_DEFINITIONS_DIRS": str(custom),
        "DLP_DEFINITIONS_WATCH": "true",
        "DLP_DEFINITIONS_WATCH_INTERVAL": "0.3",
    }
    with running_service(workdir, env) as service:
        yield Reloadable(service, custom)


def test_the_file_watch_reloads_changed_definitions_and_refuses_broken_ones(watched: Reloadable) -> None:
    service = watched.service
    old = watched.version()
    assert "watching the definition folders every 0.3s" in service.output().decode(errors="replace")
    workers_ready(service)

    write_custom_sit(watched.custom, "BETA")
    new = load_definitions([watched.custom]).version
    assert eventually(lambda: watched.version() == new and len(service.worker_pids()) == 2, 60)
    status, _, body = service.request("POST", "/v1/classify", TEXT, {"Content-Type": "text/plain"})
    answer = json.loads(body)
    assert status == 200 and answer["definitions_version"] == new
    assert {result["sit"]["name"] for result in answer["results"]} == {sit_name("ALPHA"), sit_name("BETA")}
    assert new != old

    workers_ready(service)
    (watched.custom / "broken.yaml").write_text(BROKEN_SIT)
    assert eventually(lambda: b"custom/broken.yaml" in service.output(), 60)
    assert watched.version() == new
    time.sleep(1)  # several more looks: an unchanged broken file is not reloaded again and again
    refused = [line for line in service.output().decode(errors="replace").splitlines() if "broken.yaml" in line]
    assert len(refused) == 1 and "reload failed, keeping the previous" in refused[0]

    workers_ready(service)
    (watched.custom / "broken.yaml").unlink()
    (watched.custom / "beta.yaml").unlink()
    assert eventually(lambda: watched.version() == old, 60)
    assert service.process.poll() is None  # reloads replace workers, never the master
