"""The definition file document a loaded definition was read from: a tuner's starting point.

A definition remembers its source as ``<folder name>/<path in folder>`` (and, for a row of a
credential table, ``: rows[i] (name)``); the document is read again from that file, so what
comes back is what its author wrote, not a rendering of the compiled model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from service.definitions.loader import MAX_DEFINITION_FILE_BYTES
from service.definitions.model import SitDefinition
from service.definitions.tables import expand_table, is_table

ROW_MARK = ": rows["


def definition_document(definition: SitDefinition, directories: Sequence[Path]) -> dict[str, Any] | None:
    """The document of ``definition`` in its file under one of ``directories``; None if not found."""
    file_part = definition.source.split(ROW_MARK, 1)[0]
    for directory in directories:
        prefix = directory.name + "/"
        if not file_part.startswith(prefix):
            continue
        path = directory / file_part[len(prefix) :]
        document = _document_in(path, definition)
        if document is not None:
            return document
    return None


def _document_in(path: Path, definition: SitDefinition) -> dict[str, Any] | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_DEFINITION_FILE_BYTES:
            return None
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if is_table(raw):
        documents, _ = expand_table(raw, definition.source)
        candidates: list[Any] = [document for document, _ in documents]
    else:
        candidates = [raw]
    for candidate in candidates:
        if isinstance(candidate, Mapping) and str(candidate.get("id")) == definition.id:
            return dict(candidate)
    return None
