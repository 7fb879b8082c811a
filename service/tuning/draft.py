"""A draft definition as people write it: our YAML, the same as JSON, or Purview rule-package
XML, holding one definition or several. Read into a DefinitionSet of its own, apart from
the loaded definitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from service.definitions.errors import Problem
from service.definitions.loader import duplicate_problems, parse_definition
from service.definitions.model import SitDefinition
from service.definitions.purview.importer import import_package
from service.definitions.purview.vocabulary import PurviewError
from service.definitions.sets import DefinitionSet

DRAFT_SOURCE = "<draft>"


class DraftFormat(StrEnum):
    YAML = "yaml"  # JSON is YAML too, and is read the same way
    JSON = "json"
    PURVIEW = "purview"


@dataclass(frozen=True)
class Draft:
    """The draft's definitions, and what reading it translated or left out (Purview XML)."""

    definitions: DefinitionSet
    notes: tuple[str, ...] = ()


class DraftError(ValueError):
    """The draft could not be read into definitions; ``problems`` say where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


def sniff_format(text: str) -> DraftFormat:
    """XML starts with a tag; everything else is read as YAML (of which JSON is a subset)."""
    return DraftFormat.PURVIEW if text.lstrip("\ufeff \t\r\n").startswith("<") else DraftFormat.YAML


def load_draft(text: str, draft_format: DraftFormat | None = None, max_definitions: int = 100) -> Draft:
    """The draft's definitions; raises ``DraftError`` with every problem found."""
    draft_format = draft_format or sniff_format(text)
    notes: tuple[str, ...] = ()
    if draft_format is DraftFormat.PURVIEW:
        definitions, notes = _purview_definitions(text)
    else:
        definitions = _yaml_definitions(text)
    if not definitions:
        raise DraftError([Problem(DRAFT_SOURCE, "", "the draft holds no definition")])
    if len(definitions) > max_definitions:
        message = f"the draft holds {len(definitions)} definitions, more than the limit of {max_definitions}"
        raise DraftError([Problem(DRAFT_SOURCE, "", message)])
    duplicates = duplicate_problems(definitions)
    if duplicates:
        raise DraftError(duplicates)
    return Draft(DefinitionSet(tuple(definitions)), notes)


def _yaml_definitions(text: str) -> list[SitDefinition]:
    try:
        documents = [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise DraftError([Problem(DRAFT_SOURCE, "", f"not valid YAML or JSON: {where}{problem}")]) from None
    raws: list[Any] = []
    for document in documents:
        raws.extend(document if isinstance(document, list) else [document])
    definitions: list[SitDefinition] = []
    problems: list[Problem] = []
    for position, raw in enumerate(raws):
        source = DRAFT_SOURCE if len(raws) == 1 else f"{DRAFT_SOURCE}[{position}]"
        definition, found = parse_definition(raw, source)
        problems.extend(found)
        if definition is not None:
            definitions.append(definition)
    if problems:
        raise DraftError(problems)
    return definitions


def _purview_definitions(text: str) -> tuple[list[SitDefinition], tuple[str, ...]]:
    try:
        imported = import_package(text.encode("utf-8"), DRAFT_SOURCE)
    except PurviewError as error:
        raise DraftError([Problem(DRAFT_SOURCE, "", problem) for problem in error.problems]) from None
    return imported.definitions, tuple(str(entry) for entry in imported.report)
