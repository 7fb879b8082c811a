"""``dlp scan``: bulk scanning of trees, globs and Spark-readable URIs, or the columns of a table,
on Apache Spark (``local[*]`` unless told otherwise). Spark is an optional extra; without it the
command says how to install it, in one line.

Exit status as ``dlp classify``: 0 = nothing found, 1 = findings, 2 = some file failed (each failure
is a row of ``files.jsonl`` and a line of the summary) or the scan could not run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from pathlib import Path

from service.bulk import SPARK_EXTRA_HINT
from service.bulk.worker import ShippedDefinitions
from service.cli_args import CliError, positive_int
from service.cli_classify import EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND, Prepared, _add_scan_options, prepare
from service.cli_inputs import InputError

JAVA_HINT = "apt-get install openjdk-17-jre-headless, or set JAVA_HOME"


def add_bulk_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan_cmd = commands.add_parser("scan", help="scan trees, globs or URIs in bulk on Apache Spark (local by default)")
    scan_cmd.add_argument("sources", nargs="*", metavar="SOURCE", help="folders, files, globs, or URIs Spark reads")
    scan_cmd.add_argument("--out", type=Path, required=True, metavar="RESULTS", help="results folder")
    scan_cmd.add_argument("--table", metavar="PATH", help="profile the columns of a .parquet, .csv or .json table")
    scan_cmd.add_argument("--master", metavar="URL", help="Spark master (default: spark.master, else local[*])")
    scan_cmd.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting (repeatable)"
    )
    scan_cmd.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip paths matching GLOB (gitignore syntax)"
    )
    scan_cmd.add_argument("--follow-symlinks", action="store_true", help="follow symlinks inside folders")
    scan_cmd.add_argument(
        "--batch-files", type=positive_int, default=512, metavar="N", help="files per Spark job (default 512)"
    )
    scan_cmd.add_argument(
        "--batch-mb", type=positive_int, default=512, metavar="MB", help="megabytes per Spark job (default 512)"
    )
    scan_cmd.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: on a terminal)",
    )
    _add_scan_options(scan_cmd, outputs=False)
    scan_cmd.set_defaults(handler=run_scan_command)


def spark_conf(pairs: list[str]) -> list[tuple[str, str]]:
    settings = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--conf {pair!r}: expected KEY=VALUE")
        settings.append((key.strip(), value))
    return settings


def require_spark() -> None:
    if importlib.util.find_spec("pyspark") is None:
        raise CliError(f"dlp scan runs on Apache Spark, which is not installed: {SPARK_EXTRA_HINT}")
    if shutil.which("java") is None and not _java_home():
        raise CliError(f"dlp scan needs Java 17 for Spark: {JAVA_HINT}")


def _java_home() -> bool:
    home = os.environ.get("JAVA_HOME")
    return home is not None and Path(home, "bin", "java").exists()


def shipped_definitions(args: argparse.Namespace, prepared: Prepared) -> ShippedDefinitions:
    return ShippedDefinitions.from_folders(
        builtin=not args.no_builtin,
        folders=args.definitions,
        engine=prepared.engine,
        version=prepared.scanner.version,
    )


def run_scan_command(args: argparse.Namespace) -> int:
    if bool(args.sources) == bool(args.table):
        raise CliError("dlp scan: give SOURCE… to scan files, or --table PATH to profile a table")
    conf = spark_conf(args.conf)
    require_spark()
    prepared = prepare(args, records=False)
    definitions = shipped_definitions(args, prepared)
    progress = args.progress if args.progress is not None else sys.stderr.isatty()

    from pyspark.errors import PySparkException

    from service.bulk.journal import JournalError
    from service.bulk.spark import BulkError, ScanRequest, run_scan, start_session
    from service.bulk.table import TableError, print_profile, profile_table, write_profile

    try:
        spark = start_session(args.master, conf)
    except PySparkException as error:
        raise CliError(f"cannot start Spark: {str(error).splitlines()[0]}") from None
    try:
        if args.table:
            total, columns, results = profile_table(spark, args.table, prepared.settings, definitions)
            write_profile(spark, args.out, results)
            print_profile(sys.stdout, args.table, total, columns, results)
            return EXIT_FOUND if results else EXIT_CLEAN
        request = ScanRequest(
            sources=args.sources,
            out=args.out,
            settings=prepared.settings,
            definitions=definitions,
            excludes=args.exclude,
            follow_symlinks=args.follow_symlinks,
            batch_files=args.batch_files,
            batch_bytes=args.batch_mb * 1024 * 1024,
            progress=progress,
        )
        result = run_scan(spark, request)
    except (BulkError, TableError, JournalError, InputError) as error:
        raise CliError(str(error)) from None
    finally:
        spark.stop()
    result.summary.print(sys.stdout)
    if result.failed:
        return EXIT_ERROR
    return EXIT_FOUND if result.summary.findings else EXIT_CLEAN
