"""The driver of ``dlp scan``: a Spark session (``local[*]`` unless a master is configured), the
files listed and cut into batches, each batch one Spark job whose rows are journalled before the
next starts, Parquet and the summary at the end. The only module that imports pyspark."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from service.bulk.journal import Journal
from service.bulk.plan import batches, resolve_sources, spread
from service.bulk.progress import BulkProgress
from service.bulk.rows import FILE_COLUMNS, FINDING_COLUMNS, UNCHANGED, ddl
from service.bulk.summary import BulkSummary
from service.bulk.worker import ShippedDefinitions, Task, scan_contents, scan_local_files
from service.cli_inputs import InputFile
from service.cli_scan import ScanSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Settings a scan starts with unless the user's own (--conf, spark-defaults) say otherwise: no web
# UI and no console bar of Spark's (the scan draws its own), few shuffle partitions (tables only).
SESSION_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "16",
}
SUMMARY = "summary.json"


class BulkError(Exception):
    """A scan that cannot go on: one line for the command to print."""


def start_session(master: str | None, conf: Sequence[tuple[str, str]]) -> SparkSession:
    """``--master`` wins, then ``spark.master`` from ``--conf`` or from ``spark-submit``; without
    any, every core of this machine. Local workers run this interpreter, so they see this install."""
    from pyspark.sql import SparkSession

    settings = {**SESSION_DEFAULTS, **dict(conf)}
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # started by spark-submit, which set the master
    builder = SparkSession.builder.appName("dlp scan")
    if master:
        settings["spark.master"] = master
    elif "spark.master" not in settings and not submitted:
        settings["spark.master"] = "local[*]"
    local = settings.get("spark.master", "").startswith("local")
    if local and "spark.pyspark.python" not in settings and "PYSPARK_PYTHON" not in os.environ:
        os.environ["PYSPARK_PYTHON"] = sys.executable
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # A file's failure is a row of the results, not a page of executor logs.
    spark.sparkContext.setLogLevel("FATAL")
    return spark


@dataclass(frozen=True)
class ScanRequest:
    sources: Sequence[str]
    out: Path
    settings: ScanSettings
    definitions: ShippedDefinitions
    excludes: Sequence[str] = ()
    follow_symlinks: bool = False
    batch_files: int = 512
    batch_bytes: int = 512 * 1024 * 1024
    progress: bool = False


@dataclass
class ScanResult:
    summary: BulkSummary
    failed: bool  # some file of this run could not be read or classified


def run_scan(spark: SparkSession, request: ScanRequest, stream: TextIO | None = None) -> ScanResult:
    """Scan the request's sources into its results folder; what is already there with the same
    definitions (same path, same content) is not scanned again."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    stream = stream if stream is not None else sys.stderr
    context = spark.sparkContext
    sources = resolve_sources(request.sources, request.excludes, request.follow_symlinks)
    journal = Journal.open(request.out)
    version = request.definitions.version
    done = journal.done(version)
    run = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    shipped = context.broadcast(request.definitions)
    listed = [(uri, size) for uri, size in _list_uris(spark, sources.uris)] if sources.uris else []
    files = sources.local.files
    total_files = len(files) + len(listed)
    total_bytes = sum(item.size for item in files) + sum(size for _, size in listed)
    progress = BulkProgress(context.statusTracker(), total_files, total_bytes, request.progress, stream)
    result = ScanResult(BulkSummary(), failed=False)
    slices = max(1, context.defaultParallelism * 2)
    group = f"dlp-scan-{run}"
    try:
        for batch in batches(files, [f.size for f in files], request.batch_files, request.batch_bytes):
            task = Task(shipped.value, request.settings, run, {f.name: done[f.name] for f in batch if f.name in done})
            parts = [[_local(item) for item in part] for part in spread(batch, slices)]
            rdd = context.parallelize(parts, len(parts)).mapPartitions(_local_partition(task))
            _run_batch(context, journal, progress, group, rdd, len(batch), sum(f.size for f in batch), result)
        uri_sizes = dict(listed)
        uris = [uri for uri, _ in listed]
        for batch_uris in batches(uris, [uri_sizes[u] for u in uris], request.batch_files, request.batch_bytes):
            task = Task(shipped.value, request.settings, run, {u: done[u] for u in batch_uris if u in done})
            frame = spark.read.format("binaryFile").load(batch_uris).select("path", "content")
            rdd = frame.rdd.mapPartitions(_content_partition(task))
            size = sum(uri_sizes[u] for u in batch_uris)
            _run_batch(context, journal, progress, group, rdd, len(batch_uris), size, result)
    except (Py4JJavaError, PySparkException) as error:
        raise BulkError(f"Spark job failed: {_java_message(error)}") from None
    finally:
        progress.close()
    current_files, current_findings = journal.current()
    _write_parquet(spark, request.out, current_files, current_findings)
    summary = BulkSummary.of(current_files, current_findings)
    summary.scanned, summary.unchanged = result.summary.scanned, result.summary.unchanged
    (request.out / SUMMARY).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    result.summary = summary
    return result


def _run_batch(
    context: Any,
    journal: Journal,
    progress: BulkProgress,
    group: str,
    rdd: Any,
    count: int,
    size: int,
    result: ScanResult,
) -> None:
    context.setJobGroup(group, f"dlp scan: {count} files")
    progress.start_batch(group, count, size)
    rows: list[dict[str, Any]] = rdd.collect()
    files: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for row in rows:
        (files if row.pop("kind") == "file" else findings).append(row)
    recorded = [row for row in files if row["status"] != UNCHANGED]
    journal.append(recorded, findings)
    result.summary.unchanged += len(files) - len(recorded)
    result.summary.scanned += len(recorded)
    result.failed = result.failed or any(row["status"] == "error" for row in recorded)
    progress.end_batch(count, size)


def _local(item: InputFile) -> tuple[str, str, int]:
    assert item.path is not None
    return item.name, str(item.path), item.size


def _local_partition(task: Task) -> Any:
    def scan(parts: Iterator[list[tuple[str, str, int]]]) -> Iterator[dict[str, Any]]:
        for part in parts:
            yield from scan_local_files(task, part)

    return scan


def _content_partition(task: Task) -> Any:
    def scan(rows: Iterator[Any]) -> Iterator[dict[str, Any]]:
        yield from scan_contents(task, ((row.path, bytes(row.content)) for row in rows))

    return scan


def _list_uris(spark: SparkSession, uris: list[str]) -> list[tuple[str, int]]:
    """Every file below the URIs, listed by Spark's binary-file source without reading content."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        frame = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(uris)
        return sorted((row.path, row.length) for row in frame.select("path", "length").collect())
    except (Py4JJavaError, PySparkException) as error:
        raise BulkError(f"cannot list {', '.join(uris)}: {_java_message(error)}") from None


def _java_message(error: Exception) -> str:
    text = str(error).strip().splitlines()
    line = next((item for item in text if "Exception:" in item), text[0] if text else type(error).__name__)
    return line.strip()[:500]


def _write_parquet(spark: SparkSession, out: Path, files: list[dict[str, Any]], findings: list[dict[str, Any]]) -> None:
    """The folder's current state as Parquet (the JSON-lines journal keeps every run)."""
    for name, columns, rows in (("files", FILE_COLUMNS, files), ("findings", FINDING_COLUMNS, findings)):
        data = [tuple(row.get(column) for column, _ in columns) for row in rows]
        frame = spark.createDataFrame(data, ddl(columns))
        frame.write.mode("overwrite").parquet(str((out / f"{name}.parquet").resolve()))
