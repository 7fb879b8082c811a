"""The folder where every gunicorn process writes its metric samples, made ready before
prometheus-client is imported (it chooses between in-process and per-process samples then).

Imports nothing of the service, so ``gunicorn.conf.py`` can call it before anything that
imports prometheus-client.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_prepared = False


def prepare_metrics_dir() -> Path:
    """Name a fresh folder when none is configured; at the first call in a process, remove the
    samples an earlier run left (they would be added to this run's totals). Later calls (the
    configuration read again on SIGHUP) keep the samples: the master's and the workers' own."""
    global _prepared
    if not os.environ.get(ENV):
        os.environ[ENV] = tempfile.mkdtemp(prefix="dlp-metrics-")
    directory = Path(os.environ[ENV])
    if not _prepared:
        for stale in directory.glob("*.db"):
            stale.unlink()
        _prepared = True
    return directory
