"""Problems found while loading definitions, each naming its file and field path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    source: str  # file name (or '<draft>' for a definition that came from a request)
    path: str  # dotted field path inside the definition, '' for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path}: {self.message}" if self.path else f"{self.source}: {self.message}"


class DefinitionError(ValueError):
    """One or more definitions are invalid; ``problems`` lists every one found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in SIT definitions"
        super().__init__("\n".join([heading, *(f"  {problem}" for problem in self.problems)]))


def flatten_messages(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """Turn marshmallow's nested error dict into ``(dotted.path, message)`` pairs.

    Marshmallow files errors of a ``Dict`` value under an extra ``value`` key and
    schema-level errors under ``_schema``; both are folded into the parent's path.
    """
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key in ("_schema", "value"):
                yield from flatten_messages(value, prefix)
            else:
                yield from flatten_messages(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from flatten_messages(item, prefix)
    else:
        yield prefix, str(messages)
