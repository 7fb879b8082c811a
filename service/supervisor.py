"""How a worker asks the gunicorn master to reload: SIGHUP to the master, when there is one.

``service/gunicorn.conf.py`` tells each worker it forks who its master is. Without that (the
Flask test client, another WSGI server) there is no master to ask, and the app reloads its own
definitions instead. A worker whose parent is no longer that master (the master died and the
worker was re-parented) has no master either: a signal to another process must never be sent.
"""

from __future__ import annotations

import os
import signal

_master_pid: int | None = None


def attach_to_master(pid: int) -> None:
    global _master_pid
    _master_pid = pid


def master_pid() -> int | None:
    """The gunicorn master's pid when this process is one of its workers, else None."""
    if _master_pid is None or os.getppid() != _master_pid:
        return None
    return _master_pid


def ask_master_to_reload() -> bool:
    """Send SIGHUP to the master (which re-reads everything and replaces every worker); False
    when this process has no master."""
    pid = master_pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGHUP)
    return True
