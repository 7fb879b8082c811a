"""The progress line of ``dlp scan``: files and bytes done, rate and time left, read from Spark's
status tracker while a batch runs (its finished tasks, each a partition of known files and bytes)
and from the batches already written."""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

POLL_SECONDS = 0.5


class BulkProgress:
    def __init__(self, tracker: Any, total_files: int, total_bytes: int, enabled: bool, stream: TextIO) -> None:
        self.tracker = tracker  # pyspark's StatusTracker
        self.total_files = total_files
        self.total_bytes = max(total_bytes, 1)
        self.enabled = enabled
        self.stream = stream
        self.done_files = 0
        self.done_bytes = 0
        self.batch: tuple[str, int, int] | None = None  # job group, files, bytes
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if enabled:
            self._thread = threading.Thread(target=self._poll, name="dlp-scan-progress", daemon=True)
            self._thread.start()

    def start_batch(self, group: str, files: int, size: int) -> None:
        with self._lock:
            self.batch = (group, files, size)

    def end_batch(self, files: int, size: int) -> None:
        with self._lock:
            self.batch = None
            self.done_files += files
            self.done_bytes += size
        self.show()

    def _share_of_batch(self, group: str) -> float:
        """Finished tasks ÷ tasks of the batch's stages (0 before Spark has planned them)."""
        done = total = 0
        for job_id in self.tracker.getJobIdsForGroup(group):
            job = self.tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job is not None else ():
                stage = self.tracker.getStageInfo(stage_id)
                if stage is not None:
                    done += stage.numCompletedTasks
                    total += stage.numTasks
        return done / total if total else 0.0

    def line(self) -> str:
        with self._lock:
            files, size = self.done_files, self.done_bytes
            batch = self.batch
        if batch is not None:
            share = self._share_of_batch(batch[0])
            files += int(batch[1] * share)
            size += int(batch[2] * share)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = size / elapsed
        left = (self.total_bytes - size) / rate if rate > 0 else float("inf")
        eta = f"{left:5.0f} s left" if left != float("inf") else "  ? s left"
        return (
            f"{files}/{self.total_files} files, {size / 1e6:.1f}/{self.total_bytes / 1e6:.1f} MB, "
            f"{rate / 1e6:.2f} MB/s, {eta}"
        )

    def show(self) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + "   ")
            self.stream.flush()

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.show()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.show()
            self.stream.write("\n")
            self.stream.flush()
