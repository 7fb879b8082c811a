"""gunicorn settings for the DLP service, read from the same ``DLP_*`` settings as the app.

Run: ``gunicorn -c service/gunicorn.conf.py service.api.wsgi:application`` (``dlp serve``
does this). The app is preloaded so definitions compile once in the master; Prometheus
runs in multiprocess mode so ``/metrics`` sums every worker.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from service.config import load_settings

_settings = load_settings()

# Must be set before prometheus-client is first imported, i.e. before the app loads.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dlp-metrics-")

bind = [os.environ.get("DLP_BIND", _settings.bind)]
workers = _settings.workers
worker_class = "sync"
preload_app = True
timeout = max(30, int(_settings.time_limit * 3))
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level
# The path without its query string, status, size and time: never a body, a header or a value.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "dlp-classifier"
# Several services (and test runs) may share a machine; none needs the runtime control socket.
control_socket_disable = True


def on_starting(server: Any) -> None:
    # Samples left by an earlier run would be added to this run's totals.
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
