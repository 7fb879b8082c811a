"""The ``dlp`` command.

Exit status follows the secret scanners used in pre-commit hooks: for ``classify``
0 = nothing found at or above the threshold, 1 = something found, 2 = error. For
``sits validate`` and ``policy validate``: 0 = valid, 1 = problems found, 2 = error. Errors are one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from service.classify import Document, UnreadableDocument, classify
from service.cli_gateways import GatewayCliError, add_gateway_commands
from service.cli_output import Progress, RunSummary, print_report
from service.cli_policy import PolicyCliError, add_policy_commands
from service.cli_purview import PurviewCliError, add_purview_commands
from service.cli_tuning import add_test_command
from service.config import ConfigError, engine_setting, load_settings
from service.definitions import DefinitionError, DefinitionSet, UnknownSitError, load_definitions
from service.definitions.catalogue import render_catalogue
from service.definitions.describe import describe_sit
from service.definitions.lint import LintReport, Severity, lint_report
from service.definitions.loader import builtin_definitions_dir, read_definitions
from service.engine import ClassifyOptions, Scanner, compile_scanner
from service.engine.compiler import ENGINES
from service.engine.deadline import Deadline
from service.engine.report import Report
from service.engine.stream import classify_stream_with_excerpts
from service.extract import ExtractionLimits
from service.extract.detect import Kind, detect
from service.policy.errors import PolicyError
from service.runtime import build_policies, build_scanner
from service.summary.present import MatchTexts, PresentOptions, excerpt_margin, present_report

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_ERROR = 2
# Plain-text files above this size are classified in windows instead of read whole.
STREAM_THRESHOLD = 64 * 1024 * 1024


class CliError(Exception):
    """A problem to report as one line and exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except (CliError, PolicyCliError, GatewayCliError, PurviewCliError) as error:
        print(f"dlp: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except DefinitionError as error:
        print(f"dlp: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlp", description="Data-loss-prevention classifier.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_classify_command(commands)
    add_serve_command(commands)
    add_sits_commands(commands)
    add_policy_commands(commands)
    add_gateway_commands(commands)
    add_purview_commands(commands)
    return parser


def add_classify_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    classify_cmd = commands.add_parser("classify", help="classify files, directories or standard input")
    classify_cmd.add_argument("paths", nargs="+", metavar="PATH", help="files or directories; '-' reads standard input")
    classify_cmd.add_argument("--json", action="store_true", help="print each report as JSON (one line per document)")
    classify_cmd.add_argument(
        "--min-confidence", type=confidence, metavar="N", help="report matches at or above N (1-100)"
    )
    classify_cmd.add_argument(
        "--sits", metavar="SELECTOR", action="append", help="restrict to a SIT id, name or bundle (repeatable)"
    )
    classify_cmd.add_argument("--reveal", action="store_true", help="show matched values instead of masking them")
    classify_cmd.add_argument("--explain", action="store_true", help="also list candidates that did not match, and why")
    classify_cmd.add_argument("--time-limit", type=positive_float, metavar="SECONDS", help="time limit per document")
    classify_cmd.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: on a terminal, for many or large files)",
    )
    classify_cmd.add_argument(
        "--engine",
        choices=ENGINES,
        help="how regexes are scanned: auto (Hyperscan when installed), hyperscan or regex (default: DLP_ENGINE)",
    )
    add_definition_options(classify_cmd)
    classify_cmd.set_defaults(handler=run_classify)


def add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve_cmd = commands.add_parser("serve", help="run the REST service with gunicorn (settings from DLP_* variables)")
    serve_cmd.add_argument(
        "--bind", metavar="HOST:PORT", help="address to listen on (default 127.0.0.1:8080, or DLP_BIND)"
    )
    serve_cmd.add_argument(
        "--workers", type=positive_int, metavar="N", help="worker processes (default from CPU count)"
    )
    serve_cmd.set_defaults(handler=run_serve)


def add_sits_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sits_cmd = commands.add_parser("sits", help="list, show and validate SIT definitions")
    sits = sits_cmd.add_subparsers(dest="sits_command", required=True, metavar="COMMAND")
    list_cmd = sits.add_parser("list", help="list loaded SITs")
    list_cmd.add_argument("--category", help="only this category")
    list_cmd.add_argument("--bundle", help="only this bundle")
    list_cmd.add_argument("--json", action="store_true")
    add_definition_options(list_cmd)
    list_cmd.set_defaults(handler=run_sits_list)
    show_cmd = sits.add_parser("show", help="show one SIT by name or id")
    show_cmd.add_argument("sit", metavar="NAME|ID")
    show_cmd.add_argument("--json", action="store_true")
    add_definition_options(show_cmd)
    show_cmd.set_defaults(handler=run_sits_show)
    catalogue_cmd = sits.add_parser("catalogue", help="print the Markdown catalogue of SITs (docs/sits.md)")
    add_definition_options(catalogue_cmd)
    catalogue_cmd.set_defaults(handler=run_sits_catalogue)
    validate_cmd = sits.add_parser("validate", help="load, lint and run the examples of definitions")
    validate_cmd.add_argument(
        "dirs", nargs="*", type=Path, metavar="DIR", help="definition folders (default: built-in)"
    )
    validate_cmd.add_argument("--verbose", "-v", action="store_true", help="list passing examples too")
    validate_cmd.add_argument("--json", action="store_true", help="print the findings and counts as one JSON object")
    validate_cmd.set_defaults(handler=run_sits_validate)
    add_test_command(sits)


def add_definition_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--definitions",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also load SITs from DIR (repeatable)",
    )
    parser.add_argument("--no-builtin", action="store_true", help="do not load the built-in SITs")


def number_in_range(
    kind: type[int] | type[float], low: float, high: float | None = None, low_inclusive: bool = True
) -> Callable[[str], Any]:
    """An argparse type for a number within bounds, with a one-line message when it is not."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            noun = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a {noun}") from None
        if value < low or (value == low and not low_inclusive) or (high is not None and value > high):
            if high is not None:
                bounds = f"between {low:g} and {high:g}"
            else:
                bounds = f"at least {low:g}" if low_inclusive else f"greater than {low:g}"
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return value

    return parse


confidence = number_in_range(int, 1, 100)
positive_int = number_in_range(int, 1)
positive_float = number_in_range(float, 0, low_inclusive=False)


def load_selected_definitions(args: argparse.Namespace) -> DefinitionSet:
    directories = [] if args.no_builtin else [builtin_definitions_dir()]
    directories.extend(args.definitions)
    if not directories:
        raise CliError("no definitions: --no-builtin needs at least one --definitions DIR")
    return load_definitions(directories)


# -- classify ---------------------------------------------------------------------------


def run_classify(args: argparse.Namespace) -> int:
    try:
        engine = args.engine or engine_setting()
    except ConfigError as error:
        raise CliError(f"configuration: {error}") from None
    scanner = compile_scanner(load_selected_definitions(args), engine=engine)
    options = ClassifyOptions(
        min_confidence=args.min_confidence,
        sits=tuple(args.sits) if args.sits else None,
        explain=args.explain,
        time_limit=args.time_limit,
    )
    try:
        scanner.select(options.sits)
    except UnknownSitError as error:
        raise CliError(str(error)) from None
    inputs = list(expand_inputs(args.paths))
    progress = Progress(len(inputs), sum(size for _, _, size in inputs), args.progress)
    summary = RunSummary()
    status = EXIT_CLEAN
    for index, (name, path, size) in enumerate(inputs, start=1):
        try:
            report, texts = classify_input(scanner, name, path, size, options)
        except UnreadableDocument as error:
            print(f"{name}: cannot be read: {error}", file=sys.stderr if args.json else sys.stdout)
            summary.add_unreadable()
            report = None
        progress.advance(index, name, size)
        if report is None:
            status = EXIT_ERROR
            continue
        summary.add(report)
        if args.json:
            # Masking a document's summaries gets the document's own time limit, not the short
            # default meant for callers without one: a large file's summaries would fall back to bare values.
            masking = Deadline(options.time_limit or scanner.time_limit)
            shown = present_report(report, texts, scanner, PresentOptions(reveal=args.reveal, deadline=masking))
            print(json.dumps({"name": name, **shown}, ensure_ascii=False))
        else:
            print_report(sys.stdout, name, report, args.reveal, args.explain)
        status = max(status, exit_status(report))
    progress.close()
    if not args.json and len(inputs) > 1:
        summary.print(sys.stdout)
    return status


def classify_input(
    scanner: Scanner, name: str, path: Path | None, size: int, options: ClassifyOptions
) -> tuple[Report, MatchTexts]:
    """One input's report, and the text its matches are shown from.

    A plain-text file too large to hold is classified in overlapping windows straight from
    the file, keeping only the text near each match it returns.
    """
    if path is not None and size > STREAM_THRESHOLD and is_plain_text(path):
        margin = excerpt_margin(PresentOptions().context)
        chunks = read_text_chunks(path)
        streamed = classify_stream_with_excerpts(scanner, name, chunks, margin, options, size=size)
        return streamed.report, streamed.excerpts
    limits = ExtractionLimits()
    content = read_input(path, name, limits.max_input_bytes)
    classification = classify(scanner, [Document(content, name=name)], options, limits)
    return classification.report, classification.parts


def exit_status(report: Report) -> int:
    if not report.complete:
        return EXIT_ERROR
    return EXIT_FOUND if report.results else EXIT_CLEAN


def expand_inputs(paths: Sequence[str]) -> Iterator[tuple[str, Path | None, int]]:
    """(display name, path or None for standard input, size) for every file to classify, folders expanded."""
    for raw in paths:
        if raw == "-":
            yield "-", None, 0
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                yield str(file), file, file.stat().st_size
        elif path.exists():
            yield raw, path, path.stat().st_size
        else:
            raise CliError(f"{raw}: no such file or directory")


def is_plain_text(path: Path) -> bool:
    with path.open("rb") as stream:
        head = stream.read(4096)
    return detect(head, path.name) is Kind.TEXT


def read_text_chunks(path: Path, size: int = 1 << 20) -> Iterator[str]:
    """The file's text, a megabyte at a time (UTF-8; undecodable bytes become U+FFFD)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def read_input(path: Path | None, name: str, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes: enough for the extractor to report a file over the limit."""
    try:
        if path is None:
            return sys.stdin.buffer.read(limit + 1)
        with path.open("rb") as stream:
            return stream.read(limit + 1)
    except OSError as error:
        raise CliError(f"{name}: {error.strerror}") from None


# -- serve ------------------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> NoReturn:
    environ = dict(os.environ)
    if args.bind:
        environ["DLP_BIND"] = args.bind
    if args.workers:
        environ["DLP_WORKERS"] = str(args.workers)
    try:
        settings = load_settings(environ)
        scanner = build_scanner(settings)  # report bad definitions here, in one line, not from a worker
        build_policies(settings, scanner.definitions)
    except PolicyError as error:
        raise CliError(" ".join(str(error).split())) from None
    except ConfigError as error:
        raise CliError(f"configuration: {error}") from None
    config = Path(__file__).parent / "gunicorn.conf.py"
    command = [sys.executable, "-m", "gunicorn", "-c", str(config), "service.api.wsgi:application"]
    print(
        f"dlp: serving on http://{settings.bind} with {settings.workers} workers of {settings.threads} threads",
        file=sys.stderr,
    )
    sys.stderr.flush()
    os.execvpe(command[0], command, environ)  # replaces this process; gunicorn's status is ours


# -- sits -------------------------------------------------------------------------------


def run_sits_list(args: argparse.Namespace) -> int:
    definitions = load_selected_definitions(args)
    chosen = [
        d
        for d in definitions
        if (args.category is None or d.category.casefold() == args.category.casefold())
        and (args.bundle is None or args.bundle.casefold() in (b.casefold() for b in d.bundles))
    ]
    if args.json:
        print(json.dumps([describe_sit(d) for d in chosen], ensure_ascii=False, indent=2))
        return EXIT_CLEAN
    width = max((len(d.name) for d in chosen), default=4)
    for definition in sorted(chosen, key=lambda d: (d.category, d.name.casefold())):
        print(f"{definition.id}  {definition.name:<{width}}  {definition.category:<12} {', '.join(definition.bundles)}")
    print(f"{len(chosen)} SIT{'s' if len(chosen) != 1 else ''}", file=sys.stderr)
    return EXIT_CLEAN


def run_sits_show(args: argparse.Namespace) -> int:
    definition = load_selected_definitions(args).get(args.sit)
    if definition is None:
        raise CliError(f"unknown SIT {args.sit!r}")
    if args.json:
        print(json.dumps(describe_sit(definition, detailed=True), ensure_ascii=False, indent=2))
        return EXIT_CLEAN
    print(f"{definition.name}  ({definition.id})")
    print(f"  category: {definition.category}; bundles: {', '.join(definition.bundles) or '-'}")
    print(
        f"  checksum: {'yes' if definition.checksum else 'no'}; proximity: {definition.proximity}; "
        f"recommended confidence: {definition.recommended_confidence}"
    )
    print(f"  {definition.description}")
    print("  patterns:")
    for pattern in definition.patterns:
        print(f"    {pattern.confidence:>3}  {pattern.name}")
    print(f"  examples: {len(definition.examples.match)} match, {len(definition.examples.no_match)} no match")
    for reference in definition.references:
        print(f"  see {reference}")
    return EXIT_CLEAN


def run_sits_catalogue(args: argparse.Namespace) -> int:
    sys.stdout.write(render_catalogue(load_selected_definitions(args)))
    return EXIT_CLEAN


def run_sits_validate(args: argparse.Namespace) -> int:
    directories = args.dirs or [builtin_definitions_dir()]
    definitions, problems = read_definitions(directories)
    report = lint_report(definitions, problems)
    counts = _validate_counts(len(definitions), report)
    if args.json:
        findings = [finding.to_dict() for finding in report.findings]
        print(json.dumps({**counts, "findings": findings}, ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            print(finding)
        if args.verbose:
            for outcome in report.outcomes:
                if outcome.passed:
                    print(f"ok: {outcome.sit.source}: {outcome.label}: {outcome.detail}")
        errors, warnings = counts["errors"], counts["warnings"]
        print(
            f"{counts['sits']} SITs, {counts['examples']} examples: {counts['failed_examples']} failed; "
            f"{errors} lint error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}, "
            f"{counts['infos']} info"
        )
    return EXIT_FOUND if report.errors else EXIT_CLEAN


def _validate_counts(sits: int, report: LintReport) -> dict[str, int]:
    def count(severity: Severity) -> int:
        return sum(1 for finding in report.findings if finding.severity is severity)

    return {
        "sits": sits,
        "examples": len(report.outcomes),
        "failed_examples": sum(1 for outcome in report.outcomes if not outcome.passed),
        "errors": count(Severity.ERROR),
        "warnings": count(Severity.WARNING),
        "infos": count(Severity.INFO),
    }


if __name__ == "__main__":
    sys.exit(main())
