"""Argument types and options shared by the ``dlp`` commands, and the error they report."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.definitions import DefinitionSet, load_definitions
from service.definitions.loader import builtin_definitions_dir


class CliError(Exception):
    """A problem to report as one line and exit status 2."""


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


def definition_directories(args: argparse.Namespace) -> list[Path]:
    directories = [] if args.no_builtin else [builtin_definitions_dir()]
    directories.extend(args.definitions)
    if not directories:
        raise CliError("no definitions: --no-builtin needs at least one --definitions DIR")
    return directories


def load_selected_definitions(args: argparse.Namespace) -> DefinitionSet:
    return load_definitions(definition_directories(args))


def deferred(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A command handler imported only when its command runs: a command's code (servers, databases,
    cryptography) then costs nothing to the start-up of every other command."""

    def run(args: argparse.Namespace) -> int:
        handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return handler(args)

    run.__qualname__ = run.__name__ = name
    return run
