"""The parts of ``dlp scan`` that need no Spark: the journal's repair after a kill, batches and the
spread of files over partitions, column labels, and the command without the spark extra."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.bulk.journal import FILES, FINDINGS, Journal
from service.bulk.plan import batches, is_uri, resolve_sources, spread
from service.bulk.table import column_label
from service.cli import main
from service.cli_inputs import InputError, InputFile

ROOT = Path(__file__).resolve().parents[2]


def file_row(path: str, run: str, digest: str | None = "sha256:1", version: str = "v1") -> dict[str, object]:
    return {"path": path, "run": run, "status": "clean", "content_hash": digest, "definitions_version": version}


def test_opening_a_journal_drops_a_torn_line_and_findings_of_files_never_recorded(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path)
    journal.append([file_row("a", "r1")], [{"path": "a", "run": "r1", "fingerprint": "f1"}])
    # A run killed between writing its findings and its file rows, and mid-line.
    with (tmp_path / FINDINGS).open("a") as stream:
        stream.write(json.dumps({"path": "b", "run": "r2", "fingerprint": "f2"}) + "\n")
    with (tmp_path / FILES).open("a") as stream:
        stream.write('{"path": "c", "run": "r2", "sta')
    reopened = Journal.open(tmp_path)
    assert reopened.repaired == 2
    assert [row["path"] for row in reopened.files] == ["a"]
    assert [row["path"] for row in reopened.findings] == ["a"]
    assert (tmp_path / FILES).read_text().count("\n") == 1  # repaired on disk, ready to append to
    assert Journal.open(tmp_path).repaired == 0


def test_done_files_are_those_of_the_same_definitions_with_a_content_hash(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path)
    journal.append([file_row("a", "r1"), file_row("b", "r1", digest=None), file_row("c", "r1", version="v0")], [])
    assert journal.done("v1") == {"a": "sha256:1"}


def test_the_current_state_is_each_path_latest_run(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path)
    journal.append([file_row("a", "r1")], [{"path": "a", "run": "r1", "fingerprint": "old"}])
    journal.append([file_row("a", "r2")], [{"path": "a", "run": "r2", "fingerprint": "new"}])
    files, findings = journal.current()
    assert [row["run"] for row in files] == ["r2"]
    assert [row["fingerprint"] for row in findings] == ["new"]


def test_batches_hold_at_most_so_many_files_and_bytes() -> None:
    sizes = [10, 10, 50, 10, 10, 10]
    assert list(batches(list("abcdef"), sizes, max_files=3, max_bytes=60)) == [["a", "b"], ["c", "d"], ["e", "f"]]
    assert list(batches(["big"], [500], max_files=3, max_bytes=60)) == [["big"]]


def test_spread_balances_bytes_and_keeps_input_order_within_a_partition() -> None:
    items = [InputFile(f"f{n}", Path(f"f{n}"), size) for n, size in enumerate([100, 1, 1, 1, 60, 40])]
    parts = spread(items, 2)
    assert sorted(sum(item.size for item in part) for part in parts) == [101, 102]
    assert all([item.name for item in part] == sorted(item.name for item in part) for part in parts)
    assert sorted(item.name for part in parts for item in part) == sorted(item.name for item in items)


def test_sources_are_folders_globs_or_uris(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.log").write_text("y")
    resolved = resolve_sources([str(tmp_path / "*.txt"), "s3a://bucket/dump/"], [], False)
    assert [item.name for item in resolved.local.files] == [str(tmp_path / "a.txt")]
    assert resolved.uris == ["s3a://bucket/dump/"]
    assert is_uri("abfss://c@account.dfs.core.windows.net/x") and not is_uri(str(tmp_path))
    with pytest.raises(InputError, match="no file matches"):
        resolve_sources([str(tmp_path / "*.pdf")], [], False)


def test_column_names_read_as_words() -> None:
    assert column_label("customer_email") == "customer email"
    assert column_label("customerSSN") == "customer SSN"
    assert column_label("ssn") == "ssn"


def test_without_the_spark_extra_dlp_scan_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import service.cli_bulk

    real = service.cli_bulk.importlib.util.find_spec
    monkeypatch.setattr(
        service.cli_bulk.importlib.util, "find_spec", lambda name: None if name == "pyspark" else real(name)
    )
    assert main(["scan", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "dlp: error: dlp scan runs on Apache Spark" in err and "pip install -e '.[spark]'" in err


def test_dlp_scan_needs_sources_or_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["scan", "--out", str(tmp_path)]) == 2
    assert "give SOURCE… to scan files, or --table PATH" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--out", str(tmp_path), "--conf", "novalue"]) == 2
    assert "--conf 'novalue': expected KEY=VALUE" in capsys.readouterr().err


def test_the_command_line_does_not_import_pyspark() -> None:
    code = "import sys, service.cli; sys.exit('pyspark' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


class FakeTracker:
    """Spark's status tracker (its camel-case names) for one batch of four tasks, one of them finished."""

    class Job:
        stageIds = (0,)

    class Stage:
        numTasks = 4
        numCompletedTasks = 1

    def getJobIdsForGroup(self, group: str) -> list[int]:
        return [0] if group == "batch" else []

    def getJobInfo(self, job_id: int) -> Job:
        return self.Job()

    def getStageInfo(self, stage_id: int) -> Stage:
        return self.Stage()


def test_progress_counts_written_batches_and_the_finished_tasks_of_the_running_one() -> None:
    import io

    from service.bulk.progress import BulkProgress

    stream = io.StringIO()
    progress = BulkProgress(FakeTracker(), total_files=100, total_bytes=10_000_000, enabled=True, stream=stream)
    progress.end_batch(20, 2_000_000)
    progress.start_batch("batch", 40, 4_000_000)
    line = progress.line()
    progress.close()
    assert line.startswith("30/100 files, 3.0/10.0 MB, ")  # 20 written + a quarter of 40
    assert "MB/s" in line and "s left" in line
    assert stream.getvalue().endswith("\n")
