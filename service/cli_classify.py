"""``dlp classify``, ``dlp git`` and ``dlp baseline create``: scanning trees and history the way CI
and pre-commit hooks expect.

Exit status: 0 = nothing found at or above the threshold, 1 = something found, 2 = a real failure
(a file that cannot be read, a document that hit the time limit, a corrupt file of a supported
format), each failure reported once on stderr and once as a record in the machine-readable output.
Binary files of no supported format are skipped and counted, unless ``--strict``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from service.cli_args import (
    CliError,
    add_definition_options,
    confidence,
    definition_directories,
    positive_float,
    positive_int,
)
from service.cli_baseline import BaselineError, load_baseline, write_baseline
from service.cli_findings import Finding
from service.cli_formats import FORMATS, Writer, make_writer
from service.cli_git import GitError, added_texts, history_command, staged_command
from service.cli_inputs import IGNORE_FILE, InputError, collect_inputs
from service.cli_output import Progress, RunSummary, plural
from service.cli_parallel import default_jobs, scan_files
from service.cli_scan import Origin, Outcome, ScanSettings, scan_text
from service.config import ConfigError, engine_setting, load_settings
from service.definitions import UnknownSitError, load_definitions
from service.engine import ClassifyOptions, Scanner, compile_scanner
from service.engine.compiler import ENGINES

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_ERROR = 2
DEFAULT_BASELINE = Path(".dlp-baseline.json")
# Fingerprints must be the same from one run to the next for baselines to work; without a
# configured key the command line uses this fixed one (the service draws a random key instead).
DEFAULT_CLI_FINGERPRINT_KEY = b"dlp-classifier command-line fingerprints, version 1"


def add_scan_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    classify_cmd = commands.add_parser("classify", help="classify files, directories or standard input")
    classify_cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories; '-' reads standard input")
    _add_tree_options(classify_cmd)
    _add_scan_options(classify_cmd)
    classify_cmd.set_defaults(handler=run_classify)

    git_cmd = commands.add_parser("git", help="classify the lines each commit added, or the staged changes")
    git_cmd.add_argument("repository", nargs="?", default=".", type=Path, metavar="REPO", help="default: .")
    which = git_cmd.add_mutually_exclusive_group()
    which.add_argument("--since", metavar="REF", help="only commits after REF (REF..HEAD)")
    which.add_argument("--staged", action="store_true", help="the staged changes (for a pre-commit hook)")
    git_cmd.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="paths not to report")
    _add_scan_options(git_cmd)
    git_cmd.set_defaults(handler=run_git)

    baseline_cmd = commands.add_parser("baseline", help="record today's findings so that later runs report new ones")
    baseline = baseline_cmd.add_subparsers(dest="baseline_command", required=True, metavar="COMMAND")
    create_cmd = baseline.add_parser("create", help="write a baseline of the findings in PATHs (fingerprints only)")
    create_cmd.add_argument("paths", nargs="+", metavar="PATH")
    create_cmd.add_argument(
        "--out", type=Path, default=DEFAULT_BASELINE, metavar="FILE", help=f"default: {DEFAULT_BASELINE}"
    )
    _add_tree_options(create_cmd)
    _add_scan_options(create_cmd, outputs=False)
    create_cmd.set_defaults(handler=run_baseline_create)


def _add_tree_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip paths matching GLOB (gitignore syntax)"
    )
    parser.add_argument("--follow-symlinks", action="store_true", help="follow symlinks inside folders")
    parser.add_argument(
        "--jobs", "-j", type=positive_int, metavar="N", help="worker processes (default: every core)"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: on a terminal, for many or large files)",
    )


def _add_scan_options(parser: argparse.ArgumentParser, outputs: bool = True) -> None:
    if outputs:
        parser.add_argument("--format", choices=FORMATS, default=None, help="output format (default: text)")
        parser.add_argument("--json", action="store_true", help="same as --format jsonl")
        parser.add_argument("--quiet", "-q", action="store_true", help="print only findings (and failures)")
        parser.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings not in FILE")
        parser.add_argument("--reveal", action="store_true", help="show matched values instead of masking them")
        parser.add_argument(
            "--explain", action="store_true", help="also list candidates that did not match, and why"
        )
    parser.add_argument(
        "--strict", action="store_true", help="binary files of no supported format are failures, not skipped"
    )
    parser.add_argument("--min-confidence", type=confidence, metavar="N", help="report matches at or above N (1-100)")
    parser.add_argument(
        "--sits", metavar="SELECTOR", action="append", help="restrict to a SIT id, name or bundle (repeatable)"
    )
    parser.add_argument("--time-limit", type=positive_float, metavar="SECONDS", help="time limit per document")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="how regexes are scanned: auto (Hyperscan when installed), hyperscan or regex (default: DLP_ENGINE)",
    )
    add_definition_options(parser)


@dataclass(frozen=True)
class Prepared:
    scanner: Scanner
    settings: ScanSettings
    directories: list[Path]
    engine: str


def fingerprint_key() -> bytes:
    try:
        settings = load_settings()
    except ConfigError as error:
        raise CliError(f"configuration: {error}") from None
    return settings.fingerprint_key if settings.fingerprint_key_configured else DEFAULT_CLI_FINGERPRINT_KEY


def prepare(args: argparse.Namespace, records: bool) -> Prepared:
    try:
        engine = args.engine or engine_setting()
    except ConfigError as error:
        raise CliError(f"configuration: {error}") from None
    directories = definition_directories(args)
    scanner = compile_scanner(load_definitions(directories), engine=engine)
    options = ClassifyOptions(
        min_confidence=args.min_confidence,
        sits=tuple(args.sits) if args.sits else None,
        explain=getattr(args, "explain", False),
        time_limit=args.time_limit,
    )
    try:
        scanner.select(options.sits)
    except UnknownSitError as error:
        raise CliError(str(error)) from None
    key = fingerprint_key()
    baseline: frozenset[tuple[str, str, str]] = frozenset()
    if getattr(args, "baseline", None) is not None:
        try:
            baseline = load_baseline(args.baseline, key)
        except BaselineError as error:
            raise CliError(f"baseline: {error}") from None
    settings = ScanSettings(
        options=options,
        fingerprint_key=key,
        reveal=getattr(args, "reveal", False),
        strict=args.strict,
        records=records,
        baseline=baseline,
    )
    return Prepared(scanner, settings, directories, engine)


def output_format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "jsonl"):
        raise CliError("--json is --format jsonl; give one of them")
    return "jsonl" if args.json else (args.format or "text")


def _writer(args: argparse.Namespace, format_name: str, prepared: Prepared, many: bool) -> Writer:
    """The output writer the command line's options ask for, on standard output."""
    return make_writer(
        format_name,
        sys.stdout,
        reveal=args.reveal,
        explain=args.explain,
        quiet=args.quiet,
        many=many,
        definition=prepared.scanner.definitions.get,
    )


def run_classify(args: argparse.Namespace) -> int:
    format_name = output_format(args)
    prepared = prepare(args, records=format_name in ("json", "jsonl", "sarif"))
    outcomes, summary, total = _scan_tree(args, prepared)
    writer = _writer(args, format_name, prepared, many=total > 1)
    return _report(outcomes, summary, writer, args.quiet, format_name)


def _scan_tree(args: argparse.Namespace, prepared: Prepared) -> tuple[Iterator[Outcome], RunSummary, int]:
    try:
        inputs = collect_inputs(args.paths, args.exclude, args.follow_symlinks)
    except InputError as error:
        raise CliError(str(error)) from None
    summary = RunSummary(
        symlinks_skipped=inputs.symlinks_skipped, special_skipped=inputs.special_skipped, excluded=inputs.excluded
    )
    files = inputs.files
    progress = Progress(len(files), sum(item.size for item in files), args.progress)
    jobs = args.jobs or default_jobs()

    def outcomes() -> Iterator[Outcome]:
        scanned = scan_files(prepared.scanner, files, prepared.settings, jobs, prepared.directories, prepared.engine)
        for outcome in scanned:
            progress.advance(outcome.name, outcome.size)
            yield outcome
        progress.close()

    return outcomes(), summary, len(files)


def _report(outcomes: Iterable[Outcome], summary: RunSummary, writer: Writer, quiet: bool, format_name: str) -> int:
    status = EXIT_CLEAN
    for outcome in outcomes:
        summary.add(outcome)
        if outcome.failed:
            # One line per document however many of its parts failed: the path is named once.
            print(f"dlp: error: {outcome.name}: {'; '.join(outcome.problems)}", file=sys.stderr)
            status = EXIT_ERROR
        elif outcome.findings:
            status = max(status, EXIT_FOUND)
        writer.outcome(outcome)
    writer.finish(summary)
    if format_name != "text" and not quiet:
        print(f"dlp: {summary.headline()}", file=sys.stderr)
    return status


def run_baseline_create(args: argparse.Namespace) -> int:
    prepared = prepare(args, records=False)
    outcomes, summary, _ = _scan_tree(args, prepared)
    findings: list[Finding] = []
    status = EXIT_CLEAN
    for outcome in outcomes:
        summary.add(outcome)
        findings.extend(outcome.findings)
        if outcome.failed:
            print(f"dlp: error: {outcome.name}: {'; '.join(outcome.problems)}", file=sys.stderr)
            status = EXIT_ERROR
    try:
        count = write_baseline(args.out, findings, prepared.settings.fingerprint_key)
    except BaselineError as error:
        raise CliError(f"baseline: {error}") from None
    print(f"wrote {args.out}: {plural(count, 'finding')} ({summary.headline()})", file=sys.stderr)
    return status


def run_git(args: argparse.Namespace) -> int:
    format_name = output_format(args)
    prepared = prepare(args, records=format_name in ("json", "jsonl", "sarif"))
    repository: Path = args.repository
    if not repository.is_dir():
        raise CliError(f"{repository}: no such directory")
    arguments = staged_command() if args.staged else history_command(args.since)
    ignore = _git_ignore_spec(repository, args.exclude)
    summary = RunSummary()
    writer = _writer(args, format_name, prepared, many=True)

    def outcomes() -> Iterator[Outcome]:
        try:
            for added in added_texts(repository, arguments):
                if ignore.match_file(added.path):
                    summary.excluded += 1
                    continue
                origin = Origin(added.commit, added.date)
                yield scan_text(prepared.scanner, added.path, added.text, added.numbers, origin, prepared.settings)
        except GitError as error:
            raise CliError(f"git: {error}") from None

    return _report(outcomes(), summary, writer, args.quiet, format_name)


def _git_ignore_spec(repository: Path, excludes: Sequence[str]) -> pathspec.PathSpec[Any]:
    try:
        lines = (repository / IGNORE_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return pathspec.GitIgnoreSpec.from_lines([*excludes, *lines])
