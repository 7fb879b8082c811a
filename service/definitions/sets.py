"""A loaded set of definitions, with look-ups by id, name and bundle."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from service.definitions.model import SitDefinition
from service.definitions.version import definitions_version


class UnknownSitError(LookupError):
    """A SIT selector (id, name or bundle name) matches nothing loaded."""

    def __init__(self, selectors: Iterable[str]) -> None:
        self.selectors = tuple(selectors)
        super().__init__("unknown SIT, id or bundle: " + ", ".join(repr(s) for s in self.selectors))


@dataclass(frozen=True)
class DefinitionSet:
    definitions: tuple[SitDefinition, ...]
    _by_key: dict[str, SitDefinition] = field(init=False, repr=False, compare=False)
    _bundles: dict[str, tuple[SitDefinition, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, SitDefinition] = {}
        bundles: dict[str, list[SitDefinition]] = {}
        for definition in self.definitions:
            by_key[definition.id.casefold()] = definition
            by_key.setdefault(definition.name.casefold(), definition)
            for bundle in definition.bundles:
                bundles.setdefault(bundle, []).append(definition)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_bundles", {name: tuple(members) for name, members in sorted(bundles.items())})

    def __iter__(self) -> Iterator[SitDefinition]:
        return iter(self.definitions)

    def __len__(self) -> int:
        return len(self.definitions)

    @cached_property
    def version(self) -> str:
        """A hash of the definitions' content: equal sets have equal versions in every process."""
        return definitions_version(self.definitions)

    def get(self, id_or_name: str) -> SitDefinition | None:
        return self._by_key.get(id_or_name.strip().casefold())

    @property
    def bundles(self) -> dict[str, tuple[SitDefinition, ...]]:
        return dict(self._bundles)

    def bundle(self, name: str) -> tuple[SitDefinition, ...] | None:
        key = name.strip().casefold()
        for bundle_name, members in self._bundles.items():
            if bundle_name.casefold() == key:
                return members
        return None

    def select(self, selectors: Iterable[str]) -> tuple[SitDefinition, ...]:
        """Resolve ids, names and bundle names to definitions; raise ``UnknownSitError`` for misses."""
        chosen: dict[str, SitDefinition] = {}
        unknown: list[str] = []
        for selector in selectors:
            single = self.get(selector)
            members = (single,) if single is not None else self.bundle(selector)
            if members is None:
                unknown.append(selector)
                continue
            for definition in members:
                chosen[definition.id] = definition
        if unknown:
            raise UnknownSitError(unknown)
        return tuple(d for d in self.definitions if d.id in chosen)
