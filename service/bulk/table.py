"""``dlp scan --table``: the columns of a Parquet, CSV or JSON table profiled the way cloud DLP
services profile data — per column and SIT, the findings, the distinct values and the share of
rows affected. Each cell is classified on its own, after its column's name: a column called
``ssn`` or ``customer_email`` is the keyword that a bare value in it lacks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from service.bulk.worker import ShippedDefinitions, scanner_for
from service.classify import Document, classify
from service.cli_output import plural
from service.cli_scan import ScanSettings
from service.summary.fingerprint import Fingerprinter

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

COLUMNS_FILE = "columns.jsonl"
READERS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
COLUMN_SCHEMA = "`column` string, sit_id string, sit_name string, confidence int, fingerprint string, row long"


class TableError(Exception):
    """A table that cannot be read: one line for the command to print."""


@dataclass(frozen=True)
class ColumnFinding:
    column: str
    sit_id: str
    sit_name: str
    findings: int
    unique: int
    rows: int
    share: float  # rows affected ÷ rows of the table
    confidence: int  # the highest

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def column_label(name: str) -> str:
    """A column's name as words: ``customerEmail`` and ``customer_email`` read ``customer email``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return re.sub(r"[_\-.]+", " ", spaced).strip()


def read_table(spark: SparkSession, path: str) -> DataFrame:
    from pyspark.errors import PySparkException

    kind = READERS.get(Path(path.rstrip("/")).suffix.lower())
    if kind is None:
        raise TableError(f"{path}: a table is .parquet, .csv or .json (JSON lines)")
    reader = spark.read.option("header", "true") if kind == "csv" else spark.read
    try:
        return reader.format(kind).load(path)
    except PySparkException as error:
        raise TableError(f"{path}: {str(error).splitlines()[0]}") from None


def _cells(definitions: ShippedDefinitions, settings: ScanSettings, columns: list[str]) -> Any:
    labels = [column_label(name) + ": " for name in columns]

    def scan(rows: Iterator[tuple[Any, int]]) -> Iterator[tuple[str, str, str, int, str, int]]:
        scanner = scanner_for(definitions, settings.options.sits)
        fingerprinter = Fingerprinter(settings.fingerprint_key)
        for row, index in rows:
            for name, label, value in zip(columns, labels, row, strict=True):
                if value is None:
                    continue
                text = label + str(value)
                report = classify(scanner, [Document(text, name=name)], settings.options).report
                for result in report.results:
                    for match in result.matches:
                        if match.start >= len(label):  # a value in the cell, not in its column's name
                            fingerprint = fingerprinter.fingerprint(match.normalized)
                            yield name, result.sit_id, result.sit_name, match.confidence, fingerprint, index

    return scan


def profile_table(
    spark: SparkSession, path: str, settings: ScanSettings, definitions: ShippedDefinitions
) -> tuple[int, list[str], list[ColumnFinding]]:
    """Rows, columns, and what each column holds."""
    from pyspark.sql import functions as F

    frame = read_table(spark, path)
    columns = frame.columns
    total = frame.count()
    shipped = spark.sparkContext.broadcast(definitions)
    cells = frame.rdd.map(tuple).zipWithIndex().mapPartitions(_cells(shipped.value, settings, columns))
    found = spark.createDataFrame(cells, COLUMN_SCHEMA)
    grouped = found.groupBy("column", "sit_id", "sit_name").agg(
        F.count(F.lit(1)).alias("findings"),
        F.countDistinct("fingerprint").alias("unique"),
        F.countDistinct("row").alias("rows"),
        F.max("confidence").alias("confidence"),
    )
    order = {name: position for position, name in enumerate(columns)}
    results = [
        ColumnFinding(
            column=row["column"],
            sit_id=row["sit_id"],
            sit_name=row["sit_name"],
            findings=row["findings"],
            unique=row["unique"],
            rows=row["rows"],
            share=round(row["rows"] / total, 6) if total else 0.0,
            confidence=row["confidence"],
        )
        for row in grouped.collect()
    ]
    results.sort(key=lambda item: (order[item.column], -item.findings, item.sit_name))
    return total, columns, results


def write_profile(spark: SparkSession, out: Path, results: list[ColumnFinding]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / COLUMNS_FILE).open("w", encoding="utf-8") as stream:
        for item in results:
            stream.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    schema = (
        "`column` string, sit_id string, sit_name string, findings long, unique long, rows long, "
        "share double, confidence int"
    )
    data = [tuple(item.to_dict().values()) for item in results]
    spark.createDataFrame(data, schema).write.mode("overwrite").parquet(str((out / "columns.parquet").resolve()))


def print_profile(out: TextIO, path: str, total: int, columns: list[str], results: list[ColumnFinding]) -> None:
    print(f"{path}: {plural(total, 'row')}, {plural(len(columns), 'column')}", file=out)
    if not results:
        print("no sensitive information found", file=out)
        return
    width = max(len("column"), *(len(item.column) for item in results))
    sit_width = max(len("SIT"), *(len(item.sit_name) for item in results))
    print(f"{'column':<{width}}  {'SIT':<{sit_width}}  {'findings':>8}  {'unique':>6}  {'rows':>7}", file=out)
    for item in results:
        print(
            f"{item.column:<{width}}  {item.sit_name:<{sit_width}}  {item.findings:>8}  {item.unique:>6}  "
            f"{item.share:>7.1%}",
            file=out,
        )
