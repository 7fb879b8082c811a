"""gunicorn settings for the DLP service, read from the same ``DLP_*`` settings as the app.

Run: ``gunicorn -c service/gunicorn.conf.py service.api.wsgi:application`` (``dlp serve``
does this). The app is preloaded so definitions compile once in the master; Prometheus
runs in multiprocess mode so ``/metrics`` sums every worker. Workers are
``service.serving.Worker``: greenlets hold connections, ``threads`` real threads run requests
(see docs/service.md, "Deployment").

On SIGHUP gunicorn reads this file again: the settings, API keys, definitions and policies are reloaded
into the preloaded app before the new workers are forked. A reload that fails keeps what was
loaded before. SIGHUP comes from an operator, from a worker answering ``POST /v1/sits/reload``
(``service.supervisor``) or from the master itself when it watches the definition files
(``service.watch``, ``DLP_DEFINITIONS_WATCH``).
"""

from __future__ import annotations

import math
import os
from typing import Any

from service.metrics_dir import prepare_metrics_dir

# Before anything imports prometheus-client (the service's modules below do): it decides then
# whether samples go to per-process files that /metrics sums across workers.
prepare_metrics_dir()

import gunicorn.http.wsgi  # noqa: E402

from service import serving, supervisor, watch  # noqa: E402
from service.config import ConfigError, load_settings  # noqa: E402
from service.definitions import DefinitionError  # noqa: E402
from service.policy.errors import PolicyError  # noqa: E402

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


def when_ready(server: Any) -> None:
    if watch.watch_in_master(_settings, server.pid):
        server.log.info("watching the definition folders every %gs", _settings.definitions_watch_interval)


def post_fork(server: Any, worker: Any) -> None:
    # The worker's way to ask for a reload (POST /v1/sits/reload); the watch stays the master's.
    supervisor.attach_to_master(server.pid)
    watch.stop_watching()
    # Every worker may start the alert delivery loop; only the holder of the outbox's leader lock
    # delivers, so there is one per service (the lock passes on when its holder exits).
    from service.api.state import EXTENSION_KEY

    alerts = server.app.wsgi().extensions[EXTENSION_KEY].alerts
    if alerts is not None and _settings.alert_worker:
        alerts.worker().start()


def on_reload(server: Any) -> None:
    from service.api.metrics import RELOAD_FAILURES
    from service.api.state import current_scanner, reload_state
    from service.summary.free_text import mask_free_text

    if _reload_error is not None:
        # A setting or the keys file: its messages name the setting or the entry, never a value.
        # The watch goes on as armed: the settings it was armed with are still the ones in force.
        RELOAD_FAILURES.inc()
        server.log.error("reload failed, keeping the previous API keys and definitions: %s", _reload_error)
        return
    app = server.app.wsgi()
    # Before compiling: a file changed while it is read makes the next look reload again.
    watch.watch_in_master(_settings, server.pid)
    try:
        state = reload_state(app, _settings)
    except (ConfigError, DefinitionError, PolicyError) as error:
        # A problem may quote a definition's text: masked by the set that goes on serving.
        message = mask_free_text(" ".join(str(error).split()), current_scanner(app))
        server.log.error("reload failed, keeping the previous API keys and definitions: %s", message)
        if _previous is not None:
            serving.remember_settings(_previous)
        return
    serving.remember_settings(state.settings)
    scanner = state.scanners.current
    server.log.info(
        "reloaded: %d API keys, %d definitions, version %s",
        len(state.settings.api_keys),
        len(scanner.definitions) if scanner is not None else 0,
        scanner.version if scanner is not None else "none",
    )


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    serving.enforce_memory_ceiling(worker, _settings.worker_max_rss_mb)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
