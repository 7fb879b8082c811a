"""Reads SIT definition files (one YAML file per SIT) into a checked ``DefinitionSet``.

Every file is read and checked before anything is reported, so a maintainer sees all
problems of all files at once, each with its file, field path and what is wrong.
"""

from __future__ import annotations

import importlib.resources
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from service.definitions import parsed_cache
from service.definitions.errors import DefinitionError, Problem, flatten_messages
from service.definitions.model import SitDefinition
from service.definitions.schema import SitSchema, build_definition
from service.definitions.semantics import check_semantics
from service.definitions.sets import DefinitionSet
from service.definitions.tables import expand_table, is_table

DEFINITION_SUFFIXES = (".yaml", ".yml")

# A schema instance builds its nested schemas once and keeps them; a new instance per
# definition rebuilt (deep-copied) them 411 times, a third of start-up. One per thread,
# since a reload may read definitions while a request thread reads a draft.
_schemas = threading.local()


def _sit_schema() -> SitSchema:
    schema: SitSchema | None = getattr(_schemas, "sit", None)
    if schema is None:
        schema = _schemas.sit = SitSchema()
    return schema
MAX_DEFINITION_FILE_BYTES = 1_000_000


def builtin_definitions_dir() -> Path:
    """The definitions shipped with the service (the ``sit_definitions`` folder)."""
    return Path(str(importlib.resources.files("sit_definitions")))


def parse_definition(raw: Any, source: str) -> tuple[SitDefinition | None, list[Problem]]:
    """Check one already-parsed document; return the definition or the problems found."""
    if not isinstance(raw, Mapping):
        return None, [Problem(source, "", "a definition must be a mapping of fields")]
    try:
        data = _sit_schema().load(dict(raw))
    except ValidationError as error:
        return None, [Problem(source, path, message) for path, message in flatten_messages(error.messages)]
    definition, problems = check_semantics(build_definition(data, source))
    if problems:
        return None, [Problem(source, path, message) for path, message in problems]
    return definition, []


# libyaml's parser, when PyYAML was built with it, reads the library seven times faster than
# the pure-Python one: start-up of every command and worker is mostly this parse.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str, source: str) -> tuple[Any, list[Problem]]:
    try:
        return yaml.load(text, Loader=_SAFE_LOADER), []
    except yaml.YAMLError as error:
        where = ""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f"line {mark.line + 1}, column {mark.column + 1}: "
        problem = getattr(error, "problem", None) or str(error)
        return None, [Problem(source, "", f"not valid YAML: {where}{problem}")]


def parse_definition_text(text: str, source: str) -> tuple[SitDefinition | None, list[Problem]]:
    raw, problems = _parse_yaml(text, source)
    if problems:
        return None, problems
    return parse_definition(raw, source)


def parse_definitions_text(text: str, source: str) -> tuple[list[SitDefinition], list[Problem]]:
    """A definition file or a credential table (see ``tables``): every SIT it holds."""
    raw, problems = _parse_yaml(text, source)
    if problems:
        return [], problems
    if not is_table(raw):
        definition, problems = parse_definition(raw, source)
        return ([definition] if definition is not None else []), problems
    documents, problems = expand_table(raw, source)
    definitions: list[SitDefinition] = []
    for document, label in documents:
        definition, found = parse_definition(document, label)
        problems.extend(found)
        if definition is not None:
            definitions.append(definition)
    return definitions, problems


def _read_text(path: Path, source: str) -> tuple[str | None, list[Problem]]:
    try:
        if path.stat().st_size > MAX_DEFINITION_FILE_BYTES:
            return None, [Problem(source, "", f"file is larger than {MAX_DEFINITION_FILE_BYTES} bytes")]
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError:
        return None, [Problem(source, "", "file is not UTF-8 text")]
    except OSError as error:
        return None, [Problem(source, "", f"cannot read file: {error.strerror}")]


def load_definitions_file(path: Path, display_name: str | None = None) -> tuple[list[SitDefinition], list[Problem]]:
    source = display_name or str(path)
    text, problems = _read_text(path, source)
    if text is None:
        return [], problems
    return parse_definitions_text(text, source)


def definition_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in DEFINITION_SUFFIXES and p.is_file())


def load_definitions(directories: Iterable[Path]) -> DefinitionSet:
    """Load every definition file below the directories; raise ``DefinitionError`` listing all problems.

    A library that loaded cleanly before, byte for byte the same, is read back from what was kept
    of it (``parsed_cache``) instead of being parsed and checked again.
    """
    directories = list(directories)
    sources = _definition_sources(directories)
    key = parsed_cache.cache_key(sources) if sources is not None else None
    kept = parsed_cache.load(key) if key is not None else None
    if kept is not None:
        return DefinitionSet(kept)
    definitions, problems = read_definitions(directories)
    problems.extend(duplicate_problems(definitions))
    if problems:
        raise DefinitionError(problems)
    if key is not None:
        parsed_cache.store(key, definitions)
    return DefinitionSet(tuple(definitions))


def _definition_sources(directories: Sequence[Path]) -> list[tuple[str, bytes]] | None:
    """Every definition file's display name and bytes, or None where one cannot be read as it is
    (a missing folder, an unreadable or oversized file): those are parsed, so that the problem is told."""
    sources: list[tuple[str, bytes]] = []
    try:
        for directory in directories:
            if not directory.is_dir():
                return None
            for path in definition_files(directory):
                if path.stat().st_size > MAX_DEFINITION_FILE_BYTES:
                    return None
                sources.append((_display_name(path, directory), path.read_bytes()))
    except OSError:
        return None
    return sources


def read_definitions(directories: Iterable[Path]) -> tuple[list[SitDefinition], list[Problem]]:
    """Every definition that loads, and the problems of the files that do not (clashes not looked for)."""
    definitions: list[SitDefinition] = []
    problems: list[Problem] = []
    for directory in directories:
        if not directory.is_dir():
            problems.append(Problem(str(directory), "", "definitions directory does not exist"))
            continue
        for path in definition_files(directory):
            found_definitions, found = load_definitions_file(path, _display_name(path, directory))
            problems.extend(found)
            definitions.extend(found_definitions)
    return definitions, problems


def load_builtin_definitions(extra_directories: Sequence[Path] = ()) -> DefinitionSet:
    return load_definitions([builtin_definitions_dir(), *extra_directories])


def duplicate_problems(definitions: Sequence[SitDefinition]) -> list[Problem]:
    """Ids and names must be unique across all loaded files: policies refer to them."""
    problems: list[Problem] = []
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for definition in definitions:
        if definition.id in seen_ids:
            problems.append(
                Problem(definition.source, "id", f"id {definition.id} is also used by {seen_ids[definition.id]}")
            )
        seen_ids.setdefault(definition.id, definition.source)
        key = definition.name.casefold()
        if key in seen_names:
            problems.append(
                Problem(definition.source, "name", f"name {definition.name!r} is also used by {seen_names[key]}")
            )
        seen_names.setdefault(key, definition.source)
    return problems


def _display_name(path: Path, directory: Path) -> str:
    # Relative names keep machine-specific paths out of messages and reports.
    try:
        return str(Path(directory.name) / path.relative_to(directory))
    except ValueError:
        return path.name
