"""gunicorn settings for the DLP service, read from the same ``DLP_*`` settings as the app.

Run: ``gunicorn -c service/gunicorn.conf.py service.api.wsgi:application`` (``dlp serve``
does this). The app is preloaded so definitions compile once in the master; Prometheus
runs in multiprocess mode so ``/metrics`` sums every worker. Workers are
``service.serving.Worker``: greenlets hold connections, ``threads`` real threads run requests
(see docs/service.md, "Deployment").

On SIGHUP gunicorn reads this file again: the settings, API keys, definitions and policies are reloaded
into the preloaded app before the new workers are forked. A reload that fails keeps what was
loaded before.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import gunicorn.http.wsgi

from service import serving
from service.config import ConfigError, load_settings
from service.definitions import DefinitionError
from service.policy.errors import PolicyError

_previous = serving.remembered_settings()
_reload_error: str | None = None
try:
    _settings = load_settings()
except ConfigError as error:
    if _previous is None:
        raise  # at start-up a bad setting stops the service (``dlp serve`` reports it first)
    _reload_error = f"configuration: {error}"
    _settings = _previous
serving.remember_settings(_settings)
serving.raise_open_files_limit()
serving.configure_app_logging(_settings.log_level)

# Must be set before prometheus-client is first imported, i.e. before the app loads.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dlp-metrics-")

# The Server header names the service, not the server software that runs it.
gunicorn.http.wsgi.SERVER = "dlp-classifier"  # type: ignore[attr-defined]

bind = [os.environ.get("DLP_BIND", _settings.bind)]
workers = _settings.workers
worker_class = "service.serving.Worker"
threads = _settings.threads
worker_connections = _settings.worker_connections
preload_app = True
# Above the request budget (request_time_limit), so the service's own limits answer first.
timeout = _settings.worker_timeout
graceful_timeout = _settings.worker_timeout
# With gevent workers this bounds the whole wait for a request's line and headers (and the
# idle time of a kept-alive connection): a client that trickles its headers is dropped.
keepalive = max(1, math.ceil(_settings.header_timeout))
max_requests = _settings.max_requests
max_requests_jitter = _settings.max_requests_jitter
limit_request_line = 8190
# gunicorn's own access log would print the raw path; the app writes a sanitised one (dlp.access).
accesslog = None
errorlog = "-"
loglevel = _settings.log_level
proc_name = "dlp-classifier"
# Several services (and test runs) may share a machine; none needs the runtime control socket.
control_socket_disable = True


def on_starting(server: Any) -> None:
    # Samples left by an earlier run would be added to this run's totals.
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def on_reload(server: Any) -> None:
    from service.api.state import reload_state

    if _reload_error is not None:
        server.log.error("reload failed, keeping the previous API keys and definitions: %s", _reload_error)
        return
    try:
        state = reload_state(server.app.wsgi(), _settings)
    except (ConfigError, DefinitionError, PolicyError) as error:
        message = " ".join(str(error).split())
        server.log.error("reload failed, keeping the previous API keys and definitions: %s", message)
        if _previous is not None:
            serving.remember_settings(_previous)
        return
    serving.remember_settings(state.settings)
    scanner = state.scanners.current
    server.log.info(
        "reloaded: %d API keys, %d definitions",
        len(state.settings.api_keys),
        len(scanner.definitions) if scanner is not None else 0,
    )


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    serving.enforce_memory_ceiling(worker, _settings.worker_max_rss_mb)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
