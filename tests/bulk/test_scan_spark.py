"""``dlp scan`` on the real pyspark in local mode, over a generated tree of mixed formats with planted
values, a corrupt file, an unreadable file and a zip bomb: the findings are those of ``dlp classify``
on the same tree, failures are rows, a re-run skips what is done, a killed run resumes to the same
results, a ``file://`` URI is read by Spark's binary-file source, and a table is profiled by column.

One Spark session serves the module (``local[2]``, no UI, few shuffle partitions).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.bulk.journal import FILES, FINDINGS, Journal
from service.bulk.spark import ScanRequest, ScanResult, run_scan, start_session
from service.bulk.table import profile_table, write_profile
from service.bulk.worker import ShippedDefinitions
from service.cli import main
from service.cli_classify import DEFAULT_CLI_FINGERPRINT_KEY
from service.cli_scan import ScanSettings
from service.definitions import load_builtin_definitions
from service.engine import ClassifyOptions
from tests.cli.test_cli_tree import make_unreadable
from tests.fixtures.make_documents import ratio_zip
from tests.fixtures.mixed_tree import Planted, make_tree

ROOT = Path(__file__).resolve().parents[2]
GITHUB = "GitHub personal access token"
SSN = "U.S. social security number (SSN)"
EMAIL = "Email address"

Key = tuple[str, str, int, int, str, str]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = start_session("local[2]", [("spark.sql.shuffle.partitions", "2")])
    yield session
    session.stop()


@pytest.fixture(scope="module")
def definitions() -> ShippedDefinitions:
    return ShippedDefinitions.from_folders(True, [], "auto", load_builtin_definitions().version)


@pytest.fixture(scope="module")
def settings(monkeypatch_module: pytest.MonkeyPatch) -> ScanSettings:
    return ScanSettings(options=ClassifyOptions(), fingerprint_key=DEFAULT_CLI_FINGERPRINT_KEY)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DLP_FINGERPRINT_KEY", raising=False)  # the command line's fixed key, in every process
        yield patch


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Planted, list[str], Path]:
    root = tmp_path_factory.mktemp("bulk") / "tree"
    planted = make_tree(root, files=300)
    (root / "broken.docx").write_bytes(b"PK\x03\x04" + b"not a zip archive" * 20)
    (root / "bomb.zip").write_bytes(ratio_zip())
    unreadable, extra = make_unreadable(root)
    return root, planted, extra, unreadable


def request(
    tree: tuple[Path, Planted, list[str], Path], out: Path, definitions: ShippedDefinitions, settings: ScanSettings
) -> ScanRequest:
    root, _, extra, _ = tree
    return ScanRequest(
        sources=[str(root)],
        out=out,
        settings=settings,
        definitions=definitions,
        follow_symlinks="--follow-symlinks" in extra,
        batch_files=64,
    )


def keys_of_rows(rows: list[dict[str, Any]], prefix: str = "") -> Counter[Key]:
    return Counter(
        (
            row["path"].removeprefix(prefix),
            row["part"].removeprefix(prefix),
            row["start"],
            row["end"],
            row["sit_id"],
            row["fingerprint"],
        )
        for row in rows
    )


def classify_keys(paths: list[str], extra: list[str], capsys: pytest.CaptureFixture[str]) -> Counter[Key]:
    status = main(["classify", *paths, "--format", "jsonl", "--jobs", "1", *extra])
    assert status == 2  # the tree has failures
    keys: Counter[Key] = Counter()
    for line in capsys.readouterr().out.splitlines():
        record = json.loads(line)
        for result in record.get("results", []):
            for match in result["matches"]:
                fingerprint = match["fingerprint"]
                keys[
                    (record["name"], match["part"], match["start"], match["end"], result["sit"]["id"], fingerprint)
                ] += 1
    return keys


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def first_run(
    spark: Any,
    tree: tuple[Path, Planted, list[str], Path],
    definitions: ShippedDefinitions,
    settings: ScanSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, ScanResult]:
    out = tmp_path_factory.mktemp("results")
    return out, run_scan(spark, request(tree, out, definitions, settings))


def test_findings_equal_those_of_dlp_classify_on_the_same_tree(
    first_run: tuple[Path, ScanResult], tree: tuple[Path, Planted, list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out, result = first_run
    root, planted, extra, _ = tree
    findings = rows(out / FINDINGS)
    expected = classify_keys([str(root)], extra, capsys)
    assert sum(expected.values()) > 250
    assert keys_of_rows(findings) == expected
    # Every format of the tree gave findings, archives and mail unpacked on the executors.
    suffixes = {Path(row["path"]).name.split(".", 1)[1] for row in findings}
    assert suffixes >= {"txt", "py", "json", "csv", "html", "eml", "zip", "tar.gz", "docx", "xlsx", "pdf"}
    assert any("/a/creds.txt" in row["part"] for row in findings)
    # The summary counts distinct leaked values by fingerprint across files.
    summary = json.loads((out / "summary.json").read_text())
    github = next(sit for sit in summary["sits"] if sit["sit"] == GITHUB)
    assert github["unique"] == len(planted.tokens) < github["findings"]
    assert summary["findings"] == len(findings)
    assert summary["files"] == planted.files + 3
    assert result.summary.scanned == planted.files + 3
    assert all(row["value"].count("*") >= 4 for row in findings)  # masked


def test_a_corrupt_file_an_unreadable_file_and_a_zip_bomb_are_rows_of_errors(
    first_run: tuple[Path, ScanResult], tree: tuple[Path, Planted, list[str], Path]
) -> None:
    out, result = first_run
    root, _, _, unreadable = tree
    files = {row["path"]: row for row in rows(out / FILES)}
    failed = {path: row["errors"] for path, row in files.items() if row["status"] == "error"}
    assert set(failed) == {str(root / "broken.docx"), str(root / "bomb.zip"), str(unreadable)}
    assert failed[str(root / "broken.docx")][0].startswith("cannot be read: zip archive could not be read")
    assert "compression_ratio" in failed[str(root / "bomb.zip")][0]
    assert failed[str(unreadable)][0].startswith("cannot be read: ")
    assert files[str(unreadable)]["content_hash"] is None
    assert result.failed
    clean = files[str(next(root.glob("share*/dept*/service*.log")))]
    assert clean["status"] == "clean" and clean["parts"] == 1 and clean["content_hash"].startswith("sha256:")
    assert {row["definitions_version"] for row in files.values()} == {load_builtin_definitions().version}


def test_the_parquet_output_holds_the_same_rows(spark: Any, first_run: tuple[Path, ScanResult]) -> None:
    out, _ = first_run
    findings = [row.asDict() for row in spark.read.parquet(str(out / "findings.parquet")).collect()]
    assert keys_of_rows(findings) == keys_of_rows(rows(out / FINDINGS))
    files = spark.read.parquet(str(out / "files.parquet"))
    assert files.count() == len(rows(out / FILES))
    assert set(files.columns) >= {"path", "status", "parts", "errors", "bytes", "seconds", "content_hash"}


def test_a_rerun_skips_every_file_it_has_scanned(
    spark: Any,
    first_run: tuple[Path, ScanResult],
    tree: tuple[Path, Planted, list[str], Path],
    definitions: ShippedDefinitions,
    settings: ScanSettings,
) -> None:
    out, first = first_run
    before = rows(out / FINDINGS)
    again = run_scan(spark, request(tree, out, definitions, settings))
    # Only the file that could not be read (it has no content to recognise) is tried again.
    assert again.summary.scanned == 1
    assert again.summary.unchanged == first.summary.files - 1
    assert rows(out / FINDINGS) == before
    assert again.summary.findings == first.summary.findings


def test_a_run_killed_half_way_resumes_to_the_same_results(
    spark: Any,
    first_run: tuple[Path, ScanResult],
    tree: tuple[Path, Planted, list[str], Path],
    definitions: ShippedDefinitions,
    settings: ScanSettings,
    tmp_path: Path,
) -> None:
    root, _, extra, _ = tree
    out = tmp_path / "killed"
    command = [sys.executable, "-c", "from service.cli import main; raise SystemExit(main())"]
    arguments = ["scan", str(root), "--out", str(out), "--master", "local[1]", "--batch-files", "16", *extra]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("DLP_FINGERPRINT_KEY", None)
    process = subprocess.Popen(
        [*command, *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and _lines(out / FILES) < 64:
            assert process.poll() is None, "the scan ended before it could be killed"
            time.sleep(0.2)
        assert process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)  # the driver and its JVM, mid-batch
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    done = _lines(out / FILES)
    assert 64 <= done < 303
    resumed = run_scan(spark, request(tree, out, definitions, settings))
    assert resumed.summary.unchanged >= done - 1  # what was written is not scanned again
    assert resumed.summary.scanned == resumed.summary.files - resumed.summary.unchanged
    first_out, _ = first_run
    current_files, current_findings = Journal.open(out).current()
    assert keys_of_rows(current_findings) == keys_of_rows(rows(first_out / FINDINGS))
    assert sorted(row["path"] for row in current_files) == sorted(
        row["path"] for row in Journal.open(first_out).current()[0]
    )


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_a_uri_is_read_by_spark_binary_file_source(
    spark: Any,
    first_run: tuple[Path, ScanResult],
    tree: tuple[Path, Planted, list[str], Path],
    definitions: ShippedDefinitions,
    settings: ScanSettings,
    tmp_path: Path,
) -> None:
    root, _, _, _ = tree
    folder = root / "share1"
    uri_request = ScanRequest([folder.as_uri()], tmp_path / "uri", settings, definitions)
    result = run_scan(spark, uri_request)
    findings = rows(tmp_path / "uri" / FINDINGS)
    assert all(row["path"].startswith("file:") for row in findings)
    local = [row for row in rows(first_run[0] / FINDINGS) if row["path"].startswith(str(folder) + "/")]
    assert local
    assert keys_of_rows(findings, prefix="file:") == keys_of_rows(local)
    assert result.summary.files == len(list(folder.rglob("*.*")))


def test_table_columns_are_profiled_with_counts_unique_counts_and_share_of_rows(
    spark: Any, definitions: ShippedDefinitions, settings: ScanSettings, tmp_path: Path
) -> None:
    numbers = [f"{500 + n}-{10 + n}-{1000 + n}" for n in range(8)]  # eight distinct SSNs
    data = [
        (
            numbers[n % 8],
            f"person{n}@corp{n % 3}.com",
            "called back, SSN 536-22-8726 confirmed" if n % 10 == 0 else "ok",
        )
        for n in range(40)
    ]
    table = tmp_path / "people.parquet"
    spark.createDataFrame(data, "ssn string, contact_email string, notes string").write.parquet(str(table))
    total, columns, results = profile_table(spark, str(table), settings, definitions)
    assert (total, columns) == (40, ["ssn", "contact_email", "notes"])
    found = {(item.column, item.sit_name): (item.findings, item.unique, item.rows, item.share) for item in results}
    assert found == {
        ("ssn", SSN): (40, 8, 40, 1.0),  # the column's name is the keyword the bare numbers lack
        ("contact_email", EMAIL): (40, 40, 40, 1.0),
        ("notes", SSN): (4, 1, 4, 0.1),
    }
    write_profile(spark, tmp_path / "profile", results)
    written = rows(tmp_path / "profile" / "columns.jsonl")
    assert [(row["column"], row["sit_name"], row["findings"]) for row in written] == [
        ("ssn", SSN, 40),
        ("contact_email", EMAIL, 40),
        ("notes", SSN, 4),
    ]
    assert spark.read.parquet(str(tmp_path / "profile" / "columns.parquet")).count() == 3
