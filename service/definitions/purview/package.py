"""The parts of a parsed rule package, indexed by id, and the package-wide limit checks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from service.definitions.purview import limits
from service.definitions.purview.vocabulary import DEFAULT_LANGUAGE, PurviewError, q


@dataclass
class Package:
    entities: list[ET.Element] = field(default_factory=list)
    regexes: dict[str, ET.Element] = field(default_factory=dict)
    keywords: dict[str, ET.Element] = field(default_factory=dict)
    validators: dict[str, ET.Element] = field(default_factory=dict)
    filters: dict[str, ET.Element] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # entity id → name
    descriptions: dict[str, str] = field(default_factory=dict)


def index_package(root: ET.Element, source: str) -> Package:
    rules = root.find(q("Rules"))
    if rules is None:
        raise PurviewError([f"{source}: RulePackage has no Rules element"])
    package = Package()
    kinds = {"Regex": package.regexes, "Keyword": package.keywords}
    kinds |= {"Validators": package.validators, "Filters": package.filters}
    problems: list[str] = []
    for child in rules:
        tag = child.tag.rpartition("}")[2]
        if tag == "Entity":
            package.entities.append(child)
        elif tag in kinds:
            ident = child.get("id")
            if not ident:
                problems.append(f"{source}: Rules/{tag}: has no id")
            elif ident in kinds[tag]:
                problems.append(f"{source}: Rules/{tag}[@id='{ident}']: id is used twice")
            else:
                kinds[tag][ident] = child
        elif tag == "LocalizedStrings":
            _read_strings(child, package)
    problems.extend(f"{source}: {problem}" for problem in limit_problems(package))
    if problems:
        raise PurviewError(problems)
    return package


def _read_strings(strings: ET.Element, package: Package) -> None:
    for resource in strings.findall(q("Resource")):
        ident = resource.get("idRef", "")
        for tag, target in (("Name", package.names), ("Description", package.descriptions)):
            text = _localized(resource.findall(q(tag)))
            if text:
                target[ident] = text


def _localized(items: list[ET.Element]) -> str:
    """The default language's text, else English, else the first given."""
    preferred = [i for i in items if i.get("default") == "true"]
    preferred += [i for i in items if i.get("langcode", "").lower() == DEFAULT_LANGUAGE]
    for item in preferred:
        if (item.text or "").strip():
            return " ".join((item.text or "").split())
    return next((" ".join((i.text or "").split()) for i in items if (i.text or "").strip()), "")


def limit_problems(package: Package) -> list[str]:
    """Every published limit the package breaks, each naming the element."""
    problems: list[str] = []
    if len(package.entities) > limits.MAX_CUSTOM_SITS:
        problems.append(f"Rules: {len(package.entities)} entities; Purview allows at most {limits.MAX_CUSTOM_SITS}")
    for ident, element in package.regexes.items():
        problem = limits.regex_length_problem(element.text or "")
        if problem:
            problems.append(f"Rules/Regex[@id='{ident}']: {problem}")
    for ident, element in package.keywords.items():
        terms = [term.text or "" for term in element.iter(q("Term"))]
        for index, _code, message in limits.term_problems(terms):
            where = "" if index is None else f"/Term[{index + 1}]"
            problems.append(f"Rules/Keyword[@id='{ident}']{where}: {message}")
    for entity in package.entities:
        referenced = {ref.get("idRef", "") for ref in entity.iter() if ref.get("idRef") in package.regexes}
        problem = limits.distinct_regex_problem({package.regexes[ident].text or "" for ident in referenced})
        if problem:
            problems.append(f"Rules/Entity[@id='{entity.get('id')}']: {problem}")
    return problems
