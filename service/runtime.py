"""Builds the scanner the service and the CLI run on, from settings."""

from __future__ import annotations

from service.config import Settings
from service.definitions import load_definitions
from service.definitions.loader import builtin_definitions_dir
from service.engine import Scanner, compile_scanner


def build_scanner(settings: Settings) -> Scanner:
    """Load the built-in definitions (unless turned off) and the configured folders, and compile them."""
    directories = [builtin_definitions_dir()] if settings.builtin_definitions else []
    directories.extend(settings.definitions_dirs)
    return compile_scanner(load_definitions(directories), time_limit=settings.time_limit, engine=settings.engine)
