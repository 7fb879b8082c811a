"""The real service under gunicorn: reload on SIGHUP, worker recycling, client time-outs, headers, logs."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEFINITION_FIXTURES
from tests.e2e.service_process import Service, eventually, hang_up, running_service, workers_replaced

TOKEN = "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"
OLD_KEY = "old-client-key-0123456789"
NEW_KEY = "new-client-key-0123456789"
KEPT_KEY = "kept-client-key-0123456789"
ORDER_SIT = "0b9a3c55-2a1e-4a7e-9b3f-5d1f0c6e7a10"  # tests/fixtures/definitions/engine/order_token.yaml


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def write_keys(path: Path, *keys: str) -> None:
    path.write_text("".join(f"- name: client-{i}\n  key: {key}\n" for i, key in enumerate(keys)))


@pytest.fixture(scope="module")
def reloadable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Path, Path]]:
    workdir = tmp_path_factory.mktemp("reloadable")
    keys = workdir / "keys.yaml"
    write_keys(keys, OLD_KEY, KEPT_KEY)
    definitions = workdir / "definitions"
    definitions.mkdir()
    shutil.copy(DEFINITION_FIXTURES / "engine" / "order_token.yaml", definitions)
    env = {
        "DLP_API_KEYS_FILE": str(keys),
        "DLP_BUILTIN_DEFINITIONS": "false",
        "DLP_DEFINITIONS_DIRS": str(definitions),
    }
    with running_service(workdir, env) as service:
        yield service, keys, definitions


def test_answers_name_the_service_not_the_server_software(reloadable: tuple[Service, Path, Path]) -> None:
    service, _, _ = reloadable
    for method, path in (("GET", "/healthz"), ("GET", "/no-such-route"), ("POST", "/v1/classify")):
        _, headers, _ = service.request(method, path, b"{}", {"Content-Type": "application/json"})
        assert headers.get("server", "dlp-classifier") == "dlp-classifier"
        assert "gunicorn" not in json.dumps(headers).lower()


def test_sighup_reloads_api_keys_and_definitions(reloadable: tuple[Service, Path, Path]) -> None:
    service, keys, definitions = reloadable
    assert service.request("GET", "/v1/sits", headers=bearer(OLD_KEY))[0] == 200
    assert service.request("GET", "/v1/sits", headers=bearer(NEW_KEY))[0] == 401
    assert service.request("GET", f"/v1/sits/{ORDER_SIT}", headers=bearer(OLD_KEY))[0] == 200

    write_keys(keys, NEW_KEY, KEPT_KEY)
    (definitions / "order_token.yaml").unlink()
    shutil.copy(DEFINITION_FIXTURES / "engine" / "overlap.yaml", definitions)
    before = hang_up(service)

    assert eventually(lambda: service.request("GET", "/v1/sits", headers=bearer(NEW_KEY))[0] == 200)
    assert eventually(lambda: workers_replaced(service, before))
    assert service.request("GET", "/v1/sits", headers=bearer(OLD_KEY))[0] == 401  # revoked
    assert service.request("GET", "/v1/sits", headers=bearer(KEPT_KEY))[0] == 200
    assert service.request("GET", f"/v1/sits/{ORDER_SIT}", headers=bearer(NEW_KEY))[0] == 404
    status, _, body = service.request("GET", "/v1/sits", headers=bearer(NEW_KEY))
    assert status == 200 and "overlap" in body.decode().lower()


def test_a_failed_reload_keeps_the_keys_loaded_before(reloadable: tuple[Service, Path, Path]) -> None:
    service, keys, _ = reloadable
    write_keys(keys, NEW_KEY, KEPT_KEY)
    before = hang_up(service)
    assert eventually(lambda: workers_replaced(service, before))
    assert service.request("GET", "/v1/sits", headers=bearer(NEW_KEY))[0] == 200

    keys.write_text("- name: broken\n  key: short\n")  # a key under 16 characters: refused
    before = hang_up(service)
    assert eventually(lambda: workers_replaced(service, before))
    assert service.request("GET", "/v1/sits", headers=bearer(NEW_KEY))[0] == 200
    assert service.request("GET", "/v1/sits", headers=bearer(KEPT_KEY))[0] == 200
    assert service.request("GET", "/healthz")[0] == 200
    log = service.output().decode(errors="replace")
    failures = [line for line in log.splitlines() if "reload failed" in line]
    assert len(failures) == 1 and "at least 16 characters" in failures[0]
    assert "Traceback" not in log


@pytest.fixture(scope="module")
def recycled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    env = {
        "DLP_WORKER_MAX_RSS_MB": "100",
        "DLP_MAX_REQUESTS": "0",
        "DLP_HEADER_TIMEOUT": "2",
        "DLP_BODY_TIMEOUT": "2",
    }
    with running_service(tmp_path_factory.mktemp("recycled"), env, workers=1) as service:
        yield service


def many_files(count: int, size: int) -> tuple[bytes, str]:
    """A multipart body of ``count`` small text files: many allocations the allocator keeps."""
    boundary = "dlp-e2e-boundary"
    content = b"The quarterly report shows steady growth.\n" * (size // 42)
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f{i}.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n".encode()
        + content
        + b"\r\n"
        for i in range(count)
    )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_worker_above_the_memory_ceiling_is_replaced(recycled: Service) -> None:
    (first,) = recycled.worker_pids()
    for _ in range(5):  # small requests leave the worker well under the ceiling
        assert recycled.request("POST", "/v1/classify", b"SSN: 536-22-8726", {"Content-Type": "text/plain"})[0] == 200
    assert recycled.worker_pids() == {first}

    body, content_type = many_files(900, 20_000)
    for _ in range(3):  # each request leaves the worker larger, until it is above the ceiling
        status, _, answer = recycled.request("POST", "/v1/classify", body, {"Content-Type": content_type})
        assert status == 200 and json.loads(answer)["complete"] is True  # the request that grew it answers
        if eventually(lambda: len(recycled.worker_pids()) == 1 and recycled.worker_pids() != {first}, 5):
            break
    assert recycled.worker_pids() != {first}
    assert recycled.request("GET", "/readyz")[0] == 200
    assert recycled.request("POST", "/v1/classify", b"SSN: 536-22-8726", {"Content-Type": "text/plain"})[0] == 200
    assert "above the 100 MB ceiling" in recycled.output().decode(errors="replace")


def test_a_client_that_does_not_finish_its_headers_is_disconnected(recycled: Service) -> None:
    with socket.create_connection(("127.0.0.1", recycled.port), timeout=10) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: dlp\r\nX-Slow: ")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 8:
            slow.settimeout(1)
            try:
                slow.sendall(b"a")  # one byte a second: never idle, never done
                if slow.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                # Closed while a byte was in flight: the peer answers with a reset, not an end.
                closed = True
                break
        assert closed, "the connection was still open after 8 s with a 2 s header time-out"
        assert time.monotonic() - started < 5
    assert recycled.request("GET", "/healthz")[0] == 200


def test_a_client_that_does_not_finish_its_body_gets_408(recycled: Service) -> None:
    with socket.create_connection(("127.0.0.1", recycled.port), timeout=10) as slow:
        slow.sendall(
            b"POST /v1/classify HTTP/1.1\r\nHost: dlp\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
            + b"x" * 10
        )
        started = time.monotonic()
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
        assert time.monotonic() - started < 6
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"application/problem+json" in head
    assert json.loads(body)["status"] == 408


def test_access_log_has_no_path_content_no_escape_and_no_forged_line(recycled: Service) -> None:
    before = len(recycled.output())
    recycled.request("GET", f"/v1/sits/{TOKEN}")
    recycled.request("GET", "/v1/sits/x%0AFORGED%20200%20OK%1b[31mred")
    recycled.request("GET", "/v1/sits/%1b%5b31mred")
    assert eventually(lambda: "/v1/sits" in recycled.output()[before:].decode(errors="replace"), 5)
    log = recycled.output()[before:]
    assert TOKEN.encode() not in log and b"zQWB" not in log
    assert b"\x1b" not in log
    assert not any(line.startswith(b"FORGED") for line in log.splitlines())
