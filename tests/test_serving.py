"""Serving settings and the pieces of the gunicorn worker that run without gunicorn."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from service import serving
from service.config import ConfigError, load_settings

CONF = Path(__file__).parent.parent / "service" / "gunicorn.conf.py"


def load_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/nonexistent-unused")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(serving, "_settings", None)
    monkeypatch.setattr(serving, "configure_app_logging", lambda level: None)  # leave this process's logging alone
    spec = importlib.util.spec_from_file_location("dlp_gunicorn_conf", CONF)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_engine_and_extraction_limits_are_clamped_to_the_request_budget() -> None:
    settings = load_settings({"DLP_REQUEST_TIME_LIMIT": "8", "DLP_TIME_LIMIT": "10", "DLP_EXTRACTION_TIME_LIMIT": "5"})
    assert settings.time_limit == 8 and settings.extraction_time_limit == 5
    assert settings.describe()["clamped_to_request_time_limit"] == ["time_limit"]
    assert settings.extraction_limits.time_limit == 5


def test_defaults_keep_every_limit_inside_the_budget_and_the_budget_inside_the_worker_timeout() -> None:
    settings = load_settings({})
    assert settings.request_time_limit == 20
    assert settings.time_limit <= settings.request_time_limit
    assert settings.extraction_time_limit <= settings.request_time_limit
    assert settings.worker_timeout > settings.request_time_limit * 1.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DLP_REQUEST_TIME_LIMIT", "0"),
        ("DLP_THREADS", "0"),
        ("DLP_WORKER_MAX_RSS_MB", "-1"),
        ("DLP_HEADER_TIMEOUT", "x"),
    ],
)
def test_bad_serving_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name.removeprefix("DLP_").lower()):
        load_settings({name: value})


def test_gunicorn_settings_follow_the_service_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_conf(
        monkeypatch,
        DLP_REQUEST_TIME_LIMIT="12",
        DLP_HEADER_TIMEOUT="4.5",
        DLP_MAX_REQUESTS="500",
        DLP_MAX_REQUESTS_JITTER="50",
        DLP_THREADS="3",
    )
    assert conf.worker_class == "service.serving.Worker"
    assert conf.timeout == conf.graceful_timeout == 28  # 12 × 1.5 + 10
    assert conf.keepalive == 5
    assert (conf.max_requests, conf.max_requests_jitter, conf.threads) == (500, 50, 3)
    assert conf.accesslog is None


def test_a_reload_with_a_bad_keys_file_keeps_the_settings_loaded_before(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text("- name: a\n  key: a-key-of-enough-length\n")
    first = load_conf(monkeypatch, DLP_API_KEYS_FILE=str(keys))
    keys.write_text("not: a list\n")
    spec = importlib.util.spec_from_file_location("dlp_gunicorn_conf_again", CONF)
    assert spec is not None and spec.loader is not None
    again = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(again)  # the master reads the file again on SIGHUP: it must not raise
    assert again._settings is first._settings
    assert "API keys file" in again._reload_error
    logged: list[str] = []
    again.on_reload(SimpleNamespace(log=SimpleNamespace(error=lambda *a: logged.append(a[0] % a[1:]))))
    assert len(logged) == 1 and "keeping the previous API keys" in logged[0]


class Worker:
    def __init__(self) -> None:
        self.alive = True
        self.pid = 1
        self.messages: list[str] = []
        self.log = SimpleNamespace(info=lambda *a: self.messages.append(a[0] % a[1:]))


def test_memory_ceiling_retires_a_worker_above_it_only(monkeypatch: pytest.MonkeyPatch) -> None:
    worker: Any = Worker()
    monkeypatch.setattr(serving, "rss_megabytes", lambda: 300.0)
    serving.enforce_memory_ceiling(worker, 512)
    assert worker.alive
    serving.enforce_memory_ceiling(worker, 0)  # 0 turns the guard off
    assert worker.alive
    serving.enforce_memory_ceiling(worker, 256)
    assert not worker.alive and "above the 256 MB ceiling" in worker.messages[0]


def test_rss_is_measured() -> None:
    assert 1 < serving.rss_megabytes() < 100_000


def environ(body: bytes, **extra: str) -> dict[str, Any]:
    return {"wsgi.input": io.BytesIO(body), **extra}


def test_a_body_is_read_whole_and_its_length_declared() -> None:
    env = environ(b"hello world", CONTENT_LENGTH="11")
    assert serving.buffer_body(env, 100, 5) is True
    assert env["wsgi.input"].read() == b"hello world" and env["CONTENT_LENGTH"] == "11"


def test_a_chunked_body_over_the_limit_is_cut_and_declared_too_large() -> None:
    env = environ(b"x" * 500, HTTP_TRANSFER_ENCODING="chunked")
    assert serving.buffer_body(env, 100, 5) is False
    assert env["CONTENT_LENGTH"] == "101" and "HTTP_TRANSFER_ENCODING" not in env


def test_a_declared_length_over_the_limit_is_not_read() -> None:
    stream = io.BytesIO(b"x" * 500)
    env = {"wsgi.input": stream, "CONTENT_LENGTH": "500"}
    assert serving.buffer_body(env, 100, 5) is False
    assert stream.tell() == 0 and env["CONTENT_LENGTH"] == "500"


def test_a_body_that_does_not_arrive_in_time_times_out() -> None:
    import gevent

    class Trickle(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            gevent.sleep(0.2)
            return b"x"

    env = {"wsgi.input": Trickle(), "CONTENT_LENGTH": "1000"}
    with pytest.raises(serving.BodyTimeout):
        serving.buffer_body(env, 10_000, 0.5)


def test_the_service_loggers_write_to_stderr_at_the_configured_level() -> None:
    import subprocess
    import sys

    script = (
        "import logging; from service import serving; serving.configure_app_logging('info'); "
        "serving.configure_app_logging('info'); "
        "logging.getLogger('dlp.access').info('GET /v1/sits 200'); logging.getLogger('dlp.access').debug('hidden')"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith("dlp.access: GET /v1/sits 200")
