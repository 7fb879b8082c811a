"""Watching the definition folders: what counts as a change, and the master's timer."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import watch
from service.config import Settings
from tests.fixtures.custom_sits import write_custom_sit


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    directory = tmp_path / "custom"
    directory.mkdir()
    write_custom_sit(directory, "ALPHA")
    return directory


@pytest.fixture
def disarmed() -> Iterator[None]:
    yield
    watch.stop_watching()
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_a_change_an_addition_and_a_removal_are_each_seen_once(folder: Path) -> None:
    changes: list[int] = []
    watcher = watch.DefinitionsWatch([folder], lambda: changes.append(1))
    assert watcher.poll() is False
    (folder / "notes.txt").write_text("not a definition")
    assert watcher.poll() is False  # only definition files count
    write_custom_sit(folder, "BETA")
    assert watcher.poll() is True and watcher.poll() is False
    path = folder / "alpha.yaml"
    path.write_text(path.read_text() + "# edited\n")  # the size changes even within one clock tick
    assert watcher.poll() is True
    path.unlink()
    assert watcher.poll() is True
    assert len(changes) == 3


def test_a_folder_that_disappears_or_appears_is_a_change(tmp_path: Path) -> None:
    missing = tmp_path / "later"
    watcher = watch.DefinitionsWatch([missing], lambda: None)
    missing.mkdir()
    assert watcher.poll() is True


def test_the_master_signals_itself_when_a_file_changes(
    folder: Path, monkeypatch: pytest.MonkeyPatch, disarmed: None
) -> None:
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(watch.os, "kill", lambda pid, sig: sent.append((pid, sig)))
    settings = Settings(definitions_dirs=(folder,), definitions_watch=True, definitions_watch_interval=0.1)
    assert watch.watch_in_master(settings, os.getpid())
    time.sleep(0.5)
    assert sent == []  # nothing changed: no reload
    write_custom_sit(folder, "BETA")
    deadline = time.monotonic() + 10
    while not sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sent == [(os.getpid(), signal.SIGHUP)]


def test_no_watch_unless_asked_for_or_without_folders(folder: Path, disarmed: None) -> None:
    assert not watch.watch_in_master(Settings(definitions_dirs=(folder,)), os.getpid())
    assert not watch.watch_in_master(Settings(definitions_watch=True), os.getpid())
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_forked_child_neither_polls_nor_signals(
    folder: Path, monkeypatch: pytest.MonkeyPatch, disarmed: None
) -> None:
    sent: list[int] = []
    monkeypatch.setattr(watch.os, "kill", lambda pid, sig: sent.append(pid))
    settings = Settings(definitions_dirs=(folder,), definitions_watch=True, definitions_watch_interval=3600)
    watch.watch_in_master(settings, os.getpid() + 100_000)  # as seen from a child: another pid armed it
    write_custom_sit(folder, "BETA")
    watch._tick(signal.SIGALRM, None)
    assert sent == []
