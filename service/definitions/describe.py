"""A definition as shown to people and programs (the API's and the CLI's JSON)."""

from __future__ import annotations

from typing import Any

from service.definitions.model import FunctionElement, KeywordElement, SitDefinition


def element_kind(element: object) -> str:
    if isinstance(element, KeywordElement):
        return "keywords"
    if isinstance(element, FunctionElement):
        return f"function {element.function}"
    return "regex"


def describe_sit(definition: SitDefinition, detailed: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "category": definition.category,
        "bundles": list(definition.bundles),
        "checksum": definition.checksum,
        "recommended_confidence": definition.recommended_confidence,
    }
    if detailed:
        data.update(
            proximity=definition.proximity,
            patterns=[{"name": p.name, "confidence": p.confidence, "primary": p.primary} for p in definition.patterns],
            elements={name: element_kind(element) for name, element in definition.elements.items()},
            references=list(definition.references),
            examples={"match": len(definition.examples.match), "no_match": len(definition.examples.no_match)},
        )
    return data
