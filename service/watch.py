"""Reload when a definition file changes: the gunicorn master polls the configured folders.

Every ``definitions_watch_interval`` seconds the master looks at the name, size and modification
time of every definition file under ``definitions_dirs`` (the built-in ones change only with the
package, which needs a restart anyway). When anything differs from the last look — a file
changed, added or removed — it sends itself SIGHUP: the reload is then exactly the one an
operator's ``kill -HUP`` starts, compiled in full before anything is swapped, and a broken file
leaves the running set serving. A file caught half-written fails that reload; the look after
the write completes sees a change again and reloads once more.

The poll runs from an interval timer (SIGALRM) in the master's main thread rather than from a
thread: the master forks workers, and a thread caught holding a lock at a fork can leave the
child stuck on it. Workers do not inherit the timer, and the handler does nothing in them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType

from service.config import Settings
from service.definitions.loader import definition_files

FilesState = frozenset[tuple[str, int, int]]


def files_state(directories: Iterable[Path]) -> FilesState:
    """(path, modification time in ns, size) of every definition file; a missing folder counts too."""
    entries: set[tuple[str, int, int]] = set()
    for directory in directories:
        try:
            paths = definition_files(directory) if directory.is_dir() else []
        except OSError:
            paths = []
        if not paths and not directory.is_dir():
            entries.add((str(directory), -1, -1))
        for path in paths:
            try:
                status = path.stat()
            except OSError:  # removed between listing and looking: the next look sees it gone
                continue
            entries.add((str(path), status.st_mtime_ns, status.st_size))
    return frozenset(entries)


class DefinitionsWatch:
    """Remembers what the files looked like; ``poll`` calls ``on_change`` when they differ."""

    def __init__(self, directories: Iterable[Path], on_change: Callable[[], None]) -> None:
        self.directories = tuple(directories)
        self.on_change = on_change
        self.seen = files_state(self.directories)

    def poll(self) -> bool:
        now = files_state(self.directories)
        if now == self.seen:
            return False
        self.seen = now
        self.on_change()
        return True


_watch: DefinitionsWatch | None = None
_watching_pid: int | None = None


def watch_in_master(settings: Settings, master_pid: int) -> bool:
    """(Re)arm the watch for ``settings`` in the master; off when not asked for or no folder is
    configured. Returns whether it is on. Call it before compiling: a change made while the
    compiler reads the files is then seen by the next look."""
    global _watch, _watching_pid
    signal.setitimer(signal.ITIMER_REAL, 0)
    if not settings.definitions_watch or not settings.definitions_dirs:
        _watch = None
        return False
    _watch = DefinitionsWatch(settings.definitions_dirs, lambda: os.kill(master_pid, signal.SIGHUP))
    _watching_pid = master_pid
    signal.signal(signal.SIGALRM, _tick)
    interval = settings.definitions_watch_interval
    signal.setitimer(signal.ITIMER_REAL, interval, interval)
    return True


def stop_watching() -> None:
    """In a freshly forked worker: no timer, and an alarm is ignored."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)


def _tick(signum: int, frame: FrameType | None) -> None:
    # A handler inherited by a child that forked just as the alarm came must not signal anyone.
    if _watch is None or os.getpid() != _watching_pid:
        return
    with contextlib.suppress(OSError):  # a folder being replaced: the next look tries again
        _watch.poll()
