"""``/v1/sits`` and ``/v1/bundles``: the loaded definitions."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from service.api.problems import Problem
from service.api.schemas import BundleSchema, ProblemSchema, SitDetailSchema, SitQuerySchema, SitSummarySchema
from service.api.state import service_state
from service.definitions import DefinitionSet, SitDefinition
from service.definitions.model import FunctionElement, KeywordElement

blp = Blueprint("sits", __name__, url_prefix="/v1", description="The loaded sensitive information types.")


def _definitions() -> DefinitionSet:
    scanner = service_state().scanners.current
    if scanner is None:
        raise Problem(503, "not-ready", "Definitions are not loaded yet.")
    return scanner.definitions


def sit_summary(definition: SitDefinition) -> dict[str, Any]:
    return {
        "id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "category": definition.category,
        "bundles": list(definition.bundles),
        "checksum": definition.checksum,
        "recommended_confidence": definition.recommended_confidence,
    }


def _element_kind(element: object) -> str:
    if isinstance(element, KeywordElement):
        return "keywords"
    if isinstance(element, FunctionElement):
        return f"function {element.function}"
    return "regex"


@blp.route("/sits", methods=["GET"])
@blp.arguments(SitQuerySchema, location="query", as_kwargs=False)
@blp.response(200, SitSummarySchema(many=True))
@blp.alt_response(422, schema=ProblemSchema, description="Unknown query parameter.")
def list_sits(query: dict[str, Any]) -> list[dict[str, Any]]:
    """List SITs, optionally only one category or bundle."""
    category = query.get("category", "").casefold()
    bundle = query.get("bundle", "").casefold()
    return [
        sit_summary(d)
        for d in _definitions()
        if (not category or d.category.casefold() == category)
        and (not bundle or bundle in (b.casefold() for b in d.bundles))
    ]


@blp.route("/sits/<path:sit_id>", methods=["GET"])
@blp.response(200, SitDetailSchema)
@blp.alt_response(404, schema=ProblemSchema, description="No SIT with this id or name.")
def get_sit(sit_id: str) -> dict[str, Any]:
    """One SIT, by id or by name."""
    definition = _definitions().get(sit_id)
    if definition is None:
        raise Problem(404, "unknown-sit", f"No SIT has the id or name {sit_id!r}.")
    return {
        **sit_summary(definition),
        "proximity": definition.proximity,
        "patterns": [{"name": p.name, "confidence": p.confidence, "primary": p.primary} for p in definition.patterns],
        "elements": {name: _element_kind(element) for name, element in definition.elements.items()},
        "references": list(definition.references),
        "examples": {"match": len(definition.examples.match), "no_match": len(definition.examples.no_match)},
    }


@blp.route("/bundles", methods=["GET"])
@blp.response(200, BundleSchema(many=True))
def list_bundles() -> list[dict[str, Any]]:
    """Bundles (such as "All credentials") and their SITs; a bundle name selects its SITs in classify."""
    return [
        {"name": name, "sits": [{"id": d.id, "name": d.name} for d in members]}
        for name, members in _definitions().bundles.items()
    ]
