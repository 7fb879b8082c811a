"""A draft, or a loaded definition, written out as our YAML or as Purview rule-package XML.

The converters are those of ``dlp purview import/export``; what they translate or leave
out comes back as notes, so a conversion never loses anything without a word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from service.definitions.errors import Problem
from service.definitions.model import SitDefinition
from service.definitions.purview import PurviewError, definitions_yaml, export_definitions, import_package
from service.tuning.draft import DRAFT_SOURCE, DraftError, DraftFormat, load_draft, sniff_format
from service.tuning.source import definition_document


class TargetFormat(StrEnum):
    YAML = "yaml"
    PURVIEW = "purview"


@dataclass(frozen=True)
class Conversion:
    text: str
    target: TargetFormat
    definitions: tuple[SitDefinition, ...]
    notes: tuple[str, ...] = ()


YAML_HEADER = "Definitions in the classifier's YAML format; edit freely.\nConverted from {what}."


def convert_draft(
    text: str, source_format: DraftFormat | None, target: TargetFormat, max_definitions: int = 100
) -> Conversion:
    """The draft in ``target``'s format; raises ``DraftError`` when it cannot be read."""
    source_format = source_format or sniff_format(text)
    draft = load_draft(text, source_format, max_definitions)
    definitions = tuple(draft.definitions)
    if target is TargetFormat.PURVIEW:
        exported = export_definitions(definitions)
        return Conversion(exported.xml, target, definitions, (*draft.notes, *(str(e) for e in exported.report)))
    if source_format is DraftFormat.PURVIEW:
        raws: list[Mapping[str, Any]] = list(_imported_raws(text))
        what = "a Purview rule package"
    else:
        raws = _yaml_raws(text)
        what = "a YAML or JSON draft"
    return Conversion(definitions_yaml(raws, YAML_HEADER.format(what=what)), target, definitions, draft.notes)


def convert_definition(definition: SitDefinition, directories: Sequence[Path], target: TargetFormat) -> Conversion:
    """A loaded definition as a starting point for a draft."""
    if target is TargetFormat.PURVIEW:
        exported = export_definitions([definition])
        return Conversion(exported.xml, target, (definition,), tuple(str(e) for e in exported.report))
    document = definition_document(definition, directories)
    if document is None:
        raise DraftError([Problem(definition.source or DRAFT_SOURCE, "", "the definition's file cannot be read")])
    header = YAML_HEADER.format(what=f"the loaded definition {definition.name!r} ({definition.source})")
    return Conversion(definitions_yaml([document], header), target, (definition,))


def _imported_raws(text: str) -> list[dict[str, Any]]:
    try:
        return list(import_package(text.encode("utf-8"), DRAFT_SOURCE).raw.values())
    except PurviewError as error:  # load_draft has read it already; kept for a clear error all the same
        raise DraftError([Problem(DRAFT_SOURCE, "", problem) for problem in error.problems]) from None


def _yaml_raws(text: str) -> list[Mapping[str, Any]]:
    raws: list[Mapping[str, Any]] = []
    for document in yaml.safe_load_all(text):  # load_draft has parsed and checked it already
        if document is None:
            continue
        raws.extend(document if isinstance(document, list) else [document])
    return raws
