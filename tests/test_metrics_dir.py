"""The metrics folder gunicorn's processes share: named when missing, stale samples removed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import metrics_dir


def test_stale_samples_are_removed_at_start_up_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(metrics_dir.ENV, str(tmp_path))
    monkeypatch.setattr(metrics_dir, "_prepared", False)
    (tmp_path / "counter_1.db").write_bytes(b"old run")
    assert metrics_dir.prepare_metrics_dir() == tmp_path
    assert not (tmp_path / "counter_1.db").exists()
    (tmp_path / "counter_2.db").write_bytes(b"this run's master")
    metrics_dir.prepare_metrics_dir()  # the configuration read again on SIGHUP
    assert (tmp_path / "counter_2.db").exists()


def test_a_fresh_folder_is_named_when_none_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(metrics_dir.ENV, "")  # unset for the service; restored after the test
    monkeypatch.setattr(metrics_dir, "_prepared", True)
    directory = metrics_dir.prepare_metrics_dir()
    assert directory.is_dir() and directory.name.startswith("dlp-metrics-")
    directory.rmdir()
