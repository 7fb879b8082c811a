"""Imported definitions written as our definition files, one YAML file per SIT."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


class _PlainDumper(yaml.SafeDumper):
    """Writes a list used twice in full both times: a definition file has no YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


HEADER = "# Imported from a Purview rule package ({source}); edit freely, it is an ordinary definition file.\n"


def definition_yaml(raw: Mapping[str, Any], source: str) -> str:
    body = yaml.dump(dict(raw), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=1000)
    return HEADER.format(source=source) + body


def write_definitions(raw: Mapping[str, Mapping[str, Any]], directory: Path, source: str) -> list[Path]:
    """Write ``<stem>.yaml`` for every definition; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, definition in raw.items():
        path = directory / f"{stem}.yaml"
        path.write_text(definition_yaml(definition, source), encoding="utf-8")
        written.append(path)
    return written


def definitions_yaml(raws: Sequence[Mapping[str, Any]], header: str) -> str:
    """Several definitions as one YAML stream, a document each, under a comment ``header``."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    documents = [
        yaml.dump(dict(raw), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=1000) for raw in raws
    ]
    return comment + "---\n".join(documents)
