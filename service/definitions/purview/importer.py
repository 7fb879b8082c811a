"""Purview rule package → our definitions: one definition per Entity.

Each entity gets its own copy of the processors it uses (ours are local to a SIT,
Purview's shared by the package). A pattern that uses something we cannot represent is
left out and named in the report; an entity left with no pattern is left out too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from service.definitions.loader import parse_definition
from service.definitions.model import SitDefinition
from service.definitions.purview import elements_in as el
from service.definitions.purview.package import Package, index_package
from service.definitions.purview.vocabulary import (
    IMPORTED_CATEGORY,
    Action,
    PurviewError,
    ReportEntry,
    Unrepresentable,
    q,
)
from service.definitions.purview.xmlsafe import parse_package


@dataclass
class ImportResult:
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)  # file stem → definition file content
    definitions: list[SitDefinition] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)


def import_package(data: bytes, source: str) -> ImportResult:
    """Read a rule package; ``PurviewError`` when it cannot be read at all."""
    package = index_package(parse_package(data, source), source)
    result = ImportResult()
    problems: list[str] = []
    for entity in package.entities:
        builder = EntityBuilder(package, entity, result.report)
        raw = builder.build()
        if raw is None:
            continue
        definition, found = parse_definition(raw, f"{source}#{builder.path}")
        problems.extend(str(problem) for problem in found)
        if definition is not None:
            result.raw[_file_stem(raw["name"], result.raw)] = raw
            result.definitions.append(definition)
    if problems:
        raise PurviewError(problems)
    return result


def _file_stem(name: str, taken: dict[str, Any]) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_") or "sit"
    candidate, number = stem, 2
    while candidate in taken:
        candidate, number = f"{stem}_{number}", number + 1
    return candidate


class EntityBuilder:
    def __init__(self, package: Package, entity: ET.Element, report: list[ReportEntry]) -> None:
        self.package = package
        self.entity = entity
        self.report = report
        self.ident = entity.get("id", "")
        self.path = f"Entity[@id='{self.ident}']"
        self.elements: dict[str, dict[str, Any]] = {}
        self.resolved: dict[str, list[str]] = {}  # processor id → element names
        self.primaries: list[tuple[str, tuple[str, ...]]] = []  # per pattern: primary element, filter ids

    def build(self) -> dict[str, Any] | None:
        patterns = []
        entity_filters = tuple(el.id_list(self.entity.get("filters")))
        for number, pattern in enumerate(self.entity.findall(q("Pattern")), start=1):
            where = f"{self.path}/Pattern[{number}]"
            try:
                patterns.extend(self._pattern(pattern, entity_filters, where))
            except Unrepresentable as problem:
                self._drop(f"{where}/{problem.path}" if problem.path else where, problem.reason, "pattern left out")
        if not patterns:
            self._drop(self.path, "no pattern could be imported", "entity left out")
            return None
        self._apply_filters(patterns)
        return self._definition(patterns)

    def _drop(self, path: str, reason: str, what: str) -> None:
        self.report.append(ReportEntry(Action.DROPPED, path, f"{reason}; {what}"))

    def _pattern(self, pattern: ET.Element, entity_filters: tuple[str, ...], where: str) -> list[dict[str, Any]]:
        confidence = _whole_number(pattern.get("confidenceLevel"), f"{where}/@confidenceLevel")
        id_match = pattern.find(q("IdMatch"))
        if id_match is None:
            raise Unrepresentable("", "has no IdMatch")
        primaries = self._resolve(id_match.get("idRef", ""))
        filters = entity_filters + tuple(el.id_list(pattern.get("filters")))
        for filter_id in filters:
            el.filter_checks(self.package, filter_id)  # raises when a filter cannot be represented
        children = [child for child in pattern if child.tag in (q("Match"), q("Any"))]
        supporting = self._all_of(children) if children else None
        if filters and any("regex" not in self.elements[primary] for primary in primaries):
            raise Unrepresentable("", "filters apply here to regex primaries only")
        built = []
        for primary in primaries:
            self.primaries.append((primary, filters))
            raw: dict[str, Any] = {"confidence": confidence, "primary": primary, "name": f"{primary}@{confidence}"}
            if supporting is not None:
                raw["supporting"] = supporting
            built.append(raw)
        return built

    def _resolve(self, ident: str) -> list[str]:
        if ident in self.resolved:
            return self.resolved[ident]
        notes: list[str] = []
        if ident in self.package.regexes:
            parts = {el.element_name(ident): el.regex_element(self.package, ident, notes)}
        elif ident in self.package.keywords:
            parts = el.keyword_parts(self.package, ident)
            if len(parts) > 1:
                notes.append(f"split into {', '.join(parts)}: one match style and case rule per list here")
        elif ident.startswith("Func_"):
            parts = {el.element_name(ident): el.function_element(ident)}
            if ident != "Func_expiration_date":
                notes.append(f"our date function, which also finds other date layouts than {ident}")
        elif any(entity.get("id") == ident for entity in self.package.entities):
            raise Unrepresentable(f"*[@idRef='{ident}']", "refers to another entity; a SIT here cannot require one")
        else:
            raise Unrepresentable(f"*[@idRef='{ident}']", "refers to nothing defined in the package")
        self._note_renames(ident, parts, notes)
        self.elements.update(parts)
        self.resolved[ident] = list(parts)
        return self.resolved[ident]

    def _note_renames(self, ident: str, parts: dict[str, Any], notes: list[str]) -> None:
        path = f"{self.path}/*[@idRef='{ident}']"
        for note in dict.fromkeys(notes):  # once each, in order
            self.report.append(ReportEntry(Action.TRANSLATED, path, note))
        if len(parts) == 1 and ident not in parts:
            self.report.append(ReportEntry(Action.RENAMED, path, f"element named {next(iter(parts))!r}"))

    def _all_of(self, children: list[ET.Element]) -> Any:
        items = [self._requirement(child) for child in children]
        return items[0] if len(items) == 1 else {"all": items}

    def _requirement(self, child: ET.Element) -> Any:
        if child.tag == q("Match"):
            ident = child.get("idRef", "")
            min_count = _whole_number(child.get("minCount", "1"), f"Match[@idRef='{ident}']/@minCount")
            if min_count > 1:
                raise Unrepresentable(
                    f"Match[@idRef='{ident}']", f"minCount {min_count}: a requirement here counts one occurrence"
                )
            names = self._resolve(ident)
            return names[0] if len(names) == 1 else {"any": {"min": 1, "of": names}}
        maximum = child.get("maxMatches")
        body: dict[str, Any] = {"min": _whole_number(child.get("minMatches", "0" if maximum == "0" else "1"), "Any")}
        if maximum is not None:
            body["max"] = _whole_number(maximum, "Any/@maxMatches")
        body["of"] = [self._requirement(item) for item in child if item.tag in (q("Match"), q("Any"))]
        return {"any": body}

    def _apply_filters(self, patterns: list[dict[str, Any]]) -> None:
        """Filters become checks on the primary; a copy of it where patterns filter it differently."""
        variants: dict[str, set[tuple[str, ...]]] = {}
        for primary, filters in self.primaries:
            variants.setdefault(primary, set()).add(filters)
        supporting = {name for pattern in patterns for name in _names(pattern.get("supporting"))}
        for pattern, (primary, filters) in zip(patterns, self.primaries, strict=True):
            if not filters:
                continue
            checks: dict[str, Any] = {}
            for filter_id in filters:
                for key, value in el.filter_checks(self.package, filter_id).items():
                    checks[key] = value if key not in checks or not isinstance(value, list) else checks[key] + value
            shared = len(variants[primary]) == 1 and primary not in supporting
            name = primary if shared else f"{primary}.{'.'.join(el.element_name(f) for f in filters)}"
            self.elements[name] = {**self.elements[primary], "checks": checks}
            pattern["primary"], pattern["name"] = name, f"{name}@{pattern['confidence']}"

    def _definition(self, patterns: list[dict[str, Any]]) -> dict[str, Any]:
        name = self.package.names.get(self.ident) or f"Purview entity {self.ident}"
        if self.ident not in self.package.names:
            self.report.append(ReportEntry(Action.TRANSLATED, self.path, f"no localized name; named {name!r}"))
        used = {n for p in patterns for n in [p["primary"], *_names(p.get("supporting"))]}
        return {
            "id": self.ident,
            "name": name,
            "description": self.package.descriptions.get(self.ident) or name,
            "category": IMPORTED_CATEGORY,
            # Purview lets any pattern fire on its primary alone; say so, or our linter refuses it.
            "checksum": any("supporting" not in pattern for pattern in patterns),
            "proximity": _whole_number(self.entity.get("patternsProximity", "300"), f"{self.path}/@patternsProximity"),
            "recommended_confidence": _whole_number(
                self.entity.get("recommendedConfidence") or str(min(p["confidence"] for p in patterns)),
                f"{self.path}/@recommendedConfidence",
            ),
            "elements": {key: value for key, value in self.elements.items() if key in used},
            "patterns": patterns,
        }


def _names(requirement: Any) -> list[str]:
    if requirement is None:
        return []
    if isinstance(requirement, str):
        return [requirement]
    if isinstance(requirement, list):
        return [name for item in requirement for name in _names(item)]
    ((kind, body),) = requirement.items()
    return _names(body["of"] if kind == "any" else body)


def _whole_number(value: str | None, path: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise PurviewError([f"{path}: {value!r} is not a whole number"]) from None
