"""Our definitions → one Purview rule package.

Elements become shared processors: two SITs' elements that would write the same XML
share one, and an element name another SIT already uses for something else gets a
numbered suffix. Everything about the package is derived from the definitions, so
exporting the same definitions twice gives the same bytes.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from service.definitions.model import (
    AnyRequirement,
    MatchRequirement,
    Pattern,
    RegexElement,
    Requirement,
    SitDefinition,
    requirement_elements,
)
from service.definitions.purview import limits
from service.definitions.purview.elements_out import Processor, build_processor
from service.definitions.purview.vocabulary import NAMESPACE, Action, ReportEntry, Unrepresentable, q

DEFAULT_LANGUAGE = "en-us"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dlp-classifier:purview-export")
_ORDER = ("Entity", "Regex", "Keyword", "Validators", "Filters")
ET.register_namespace("", NAMESPACE)  # write the rule-package namespace as the default one


@dataclass
class ExportResult:
    xml: str
    report: list[ReportEntry] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)  # names of the SITs in the package


class _Ids:
    """Package-wide processor ids: shared by equal processors, unique otherwise."""

    def __init__(self) -> None:
        self.by_signature: dict[str, str] = {}
        self.taken: set[str] = set()
        self.parts: dict[str, list[ET.Element]] = {tag: [] for tag in _ORDER}

    def allocate(self, name: str, processor: Processor) -> str:
        signature = processor.signature()
        if processor.function_id:
            return processor.function_id
        if signature in self.by_signature:
            return self.by_signature[signature]
        ident, number = name, 2
        while ident in self.taken:
            ident, number = f"{name}.{number}", number + 1
        self.taken.add(ident)
        self.by_signature[signature] = ident
        for part in processor.with_id(ident):
            self.parts[part.tag.rpartition("}")[2]].append(part)
        return ident


def export_definitions(definitions: Iterable[SitDefinition]) -> ExportResult:
    chosen = list(definitions)
    ids = _Ids()
    report: list[ReportEntry] = []
    exported: list[SitDefinition] = []
    for definition in chosen:
        entity = _entity(definition, ids, report)
        if entity is not None:
            ids.parts["Entity"].append(entity)
            exported.append(definition)
    root = _package(exported, ids)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return ExportResult(text, report, [d.name for d in exported])


def _entity(definition: SitDefinition, ids: _Ids, report: list[ReportEntry]) -> ET.Element | None:
    where = f"{definition.source or definition.name}: "
    regexes = {e.pattern for e in definition.elements.values() if isinstance(e, RegexElement)}
    problem = limits.distinct_regex_problem(regexes)
    if problem:
        report.append(ReportEntry(Action.DROPPED, f"{where}elements", f"{problem}; SIT left out"))
        return None
    processors = _processors(definition, report, where)
    entity = ET.Element(q("Entity"), {"id": definition.id})
    entity.set("patternsProximity", str(max(1, definition.proximity)))
    entity.set("recommendedConfidence", str(definition.recommended_confidence))
    for index, pattern in enumerate(definition.patterns):
        path = f"{where}patterns.{index}"
        missing = [n for n in [pattern.primary, *requirement_elements(pattern.supporting)] if n not in processors]
        if missing:
            report.append(ReportEntry(Action.DROPPED, path, f"uses {', '.join(missing)}; pattern left out"))
            continue
        entity.append(_pattern(pattern, processors, ids))
        if pattern.proximity is not None and pattern.proximity != definition.proximity:
            message = f"proximity {pattern.proximity}: Purview has one proximity per entity ({definition.proximity})"
            report.append(ReportEntry(Action.DROPPED, f"{path}.proximity", message))
    if not len(entity):
        report.append(ReportEntry(Action.DROPPED, where.rstrip(": "), "no pattern could be exported; SIT left out"))
        return None
    return entity


def _processors(definition: SitDefinition, report: list[ReportEntry], where: str) -> dict[str, tuple[str, Processor]]:
    primaries = {pattern.primary for pattern in definition.patterns}
    processors: dict[str, tuple[str, Processor]] = {}
    for name, element in definition.elements.items():
        path = f"{where}elements.{name}"
        try:
            processor = build_processor(element, primary=name in primaries)
        except Unrepresentable as problem:
            report.append(ReportEntry(Action.DROPPED, f"{path}.{problem.path}".rstrip("."), problem.reason))
            continue
        report.extend(ReportEntry(Action.TRANSLATED, path, note) for note in processor.notes)
        report.extend(ReportEntry(Action.DROPPED, path, note) for note in processor.dropped)
        processors[name] = (name, processor)
    return processors


def _pattern(pattern: Pattern, processors: dict[str, tuple[str, Processor]], ids: _Ids) -> ET.Element:
    def ident(name: str) -> str:
        return ids.allocate(*processors[name])

    item = ET.Element(q("Pattern"), {"confidenceLevel": str(pattern.confidence)})
    primary = ident(pattern.primary)
    if processors[pattern.primary][1].has_filters:
        item.set("filters", f"{primary}.filters")
    ET.SubElement(item, q("IdMatch"), {"idRef": primary})
    supporting = pattern.supporting
    if isinstance(supporting, AnyRequirement) and supporting.max is None and supporting.min == len(supporting.of) > 1:
        item.extend(_requirement(child, ident) for child in supporting.of)  # all of them: Purview's plain list
    elif supporting is not None:
        item.append(_requirement(supporting, ident))
    return item


def _requirement(requirement: Requirement, ident: Callable[[str], str]) -> ET.Element:
    if isinstance(requirement, MatchRequirement):
        return ET.Element(q("Match"), {"idRef": ident(requirement.element)})
    group = ET.Element(q("Any"), {"minMatches": str(requirement.min)})
    if requirement.max is not None:
        group.set("maxMatches", str(requirement.max))
    group.extend(_requirement(child, ident) for child in requirement.of)
    return group


def _package(definitions: list[SitDefinition], ids: _Ids) -> ET.Element:
    root = ET.Element(q("RulePackage"))
    pack_id = uuid.uuid5(_ID_NAMESPACE, ",".join(sorted(d.id for d in definitions)))
    pack = ET.SubElement(root, q("RulePack"), {"id": str(pack_id)})
    ET.SubElement(pack, q("Version"), {"major": "1", "minor": "0", "build": "0", "revision": "0"})
    ET.SubElement(pack, q("Publisher"), {"id": str(uuid.uuid5(_ID_NAMESPACE, "publisher"))})
    details = ET.SubElement(pack, q("Details"), {"defaultLangCode": DEFAULT_LANGUAGE})
    localized = ET.SubElement(details, q("LocalizedDetails"), {"langcode": DEFAULT_LANGUAGE})
    for tag, text in (("PublisherName", "DLP classifier"), ("Name", "DLP classifier SITs")):
        ET.SubElement(localized, q(tag)).text = text
    ET.SubElement(localized, q("Description")).text = "Sensitive information types exported by the DLP classifier."
    rules = ET.SubElement(root, q("Rules"))
    for tag in _ORDER:
        rules.extend(ids.parts[tag])
    strings = ET.SubElement(rules, q("LocalizedStrings"))
    for definition in definitions:
        resource = ET.SubElement(strings, q("Resource"), {"idRef": definition.id})
        for tag, text in (("Name", definition.name), ("Description", definition.description)):
            ET.SubElement(resource, q(tag), {"default": "true", "langcode": DEFAULT_LANGUAGE}).text = text
    return root
