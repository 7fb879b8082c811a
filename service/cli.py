"""The ``dlp`` command.

Exit status follows the secret scanners used in pre-commit hooks: for ``classify`` and ``git``
0 = nothing found at or above the threshold, 1 = something found, 2 = a real failure
(``service.cli_classify``). For
``sits validate`` and ``policy validate``: 0 = valid, 1 = problems found, 2 = error. Errors are one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from service.cli_alerts import add_alert_commands
from service.cli_args import CliError, add_definition_options, load_selected_definitions, positive_int
from service.cli_bulk import add_bulk_commands
from service.cli_classify import add_scan_commands
from service.cli_gateways import GatewayCliError, add_gateway_commands
from service.cli_policy import PolicyCliError, add_policy_commands
from service.cli_purview import PurviewCliError, add_purview_commands
from service.cli_tuning import add_test_command
from service.config import ConfigError, load_settings
from service.definitions import DefinitionError
from service.definitions.catalogue import render_catalogue
from service.definitions.describe import describe_sit
from service.definitions.lint import LintReport, Severity, lint_report
from service.definitions.loader import builtin_definitions_dir, read_definitions
from service.policy.errors import PolicyError
from service.runtime import build_policies, build_scanner

__all__ = ["CliError", "build_parser", "main"]

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_ERROR = 2


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
    add_scan_commands(commands)
    add_bulk_commands(commands)
    add_serve_command(commands)
    add_sits_commands(commands)
    add_policy_commands(commands)
    add_gateway_commands(commands)
    add_purview_commands(commands)
    add_alert_commands(commands)
    return parser


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
