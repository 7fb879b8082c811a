"""``dlp purview import`` and ``dlp purview export``: rule-package XML in and out.

Both print what was translated or left out, one line per element, so nothing is lost
without a word. Errors are one line and exit status 2, as for every ``dlp`` command.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from service.definitions import DefinitionError, UnknownSitError, load_definitions
from service.definitions.loader import builtin_definitions_dir
from service.definitions.purview import (
    PurviewError,
    ReportEntry,
    export_definitions,
    import_package,
    write_definitions,
)

MAX_PACKAGE_BYTES = 10_000_000


class PurviewCliError(Exception):
    """A problem to report as one line and exit status 2."""


def add_purview_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purview = commands.add_parser("purview", help="import and export Purview rule-package XML")
    actions = purview.add_subparsers(dest="purview_command", required=True, metavar="COMMAND")
    importing = actions.add_parser("import", help="read a rule package; write one definition file per Entity")
    importing.add_argument("file", type=Path, metavar="FILE.xml")
    importing.add_argument("--out", type=Path, metavar="DIR", help="write the definitions here (default: summary)")
    importing.set_defaults(handler=run_import)
    exporting = actions.add_parser("export", help="write SITs as a rule package")
    exporting.add_argument("--sits", metavar="SELECTOR", nargs="+", action="extend", help="SIT ids, names or bundles")
    exporting.add_argument("--definitions", type=Path, action="append", default=[], metavar="DIR")
    exporting.add_argument("--no-builtin", action="store_true", help="do not load the built-in SITs")
    exporting.add_argument("--out", type=Path, required=True, metavar="FILE.xml")
    exporting.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    try:
        with args.file.open("rb") as stream:
            data = stream.read(MAX_PACKAGE_BYTES + 1)
        result = import_package(data, args.file.name)
    except OSError as error:
        raise PurviewCliError(f"{args.file}: {error.strerror}") from None
    except PurviewError as error:
        raise PurviewCliError(str(error)) from None
    if args.out is not None:
        for path in write_definitions(result.raw, args.out, args.file.name):
            print(f"wrote {path}")
    else:
        for definition in result.definitions:
            counts = f"{plural(len(definition.patterns), 'pattern')}, {plural(len(definition.elements), 'element')}"
            print(f"{definition.id}  {definition.name}  ({counts})")
    print_report(result.report)
    print(f"{len(result.definitions)} SITs imported; {summary(result.report)}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    directories = [] if args.no_builtin else [builtin_definitions_dir()]
    directories.extend(args.definitions)
    if not directories:
        raise PurviewCliError("no definitions: --no-builtin needs at least one --definitions DIR")
    try:
        definitions = load_definitions(directories)
        chosen = definitions.select(args.sits) if args.sits else tuple(definitions)
    except (DefinitionError, UnknownSitError) as error:
        raise PurviewCliError(str(error).replace("\n", "; ")) from None
    result = export_definitions(chosen)
    try:
        args.out.write_text(result.xml, encoding="utf-8")
    except OSError as error:
        raise PurviewCliError(f"{args.out}: {error.strerror}") from None
    print_report(result.report)
    print(f"wrote {args.out}: {len(result.exported)} of {len(chosen)} SITs; {summary(result.report)}")
    return 0


def print_report(report: list[ReportEntry]) -> None:
    for entry in report:
        print(f"  {entry}", file=sys.stdout)


def summary(report: list[ReportEntry]) -> str:
    counts = Counter(str(entry.action) for entry in report)
    return ", ".join(f"{counts[action]} {action}" for action in ("translated", "renamed", "dropped"))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
