"""``/v1/sits`` and ``/v1/bundles``: the loaded definitions."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE

from service.api.problems import PROBLEM_MEDIA_TYPE, Problem
from service.api.schemas import (
    BundleSchema,
    NoQuerySchema,
    ProblemSchema,
    SitDetailSchema,
    SitListSchema,
    SitQuerySchema,
)
from service.api.state import service_state
from service.definitions import DefinitionSet
from service.definitions.describe import describe_sit

blp = Blueprint("sits", __name__, url_prefix="/v1", description="The loaded sensitive information types.")


def _definitions() -> DefinitionSet:
    scanner = service_state().scanners.current
    if scanner is None:
        raise Problem(503, "not-ready", "Definitions are not loaded yet.")
    return scanner.definitions


@blp.route("/sits", methods=["GET"])
@blp.arguments(SitQuerySchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, SitListSchema)
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Unknown query parameter.")
def list_sits(query: dict[str, Any]) -> dict[str, Any]:
    """List SITs, optionally only one category or bundle, with the version of the loaded set."""
    category = query.get("category", "").casefold()
    bundle = query.get("bundle", "").casefold()
    definitions = _definitions()  # once: a reload may swap the set while this request runs
    sits = [
        describe_sit(d)
        for d in definitions
        if (not category or d.category.casefold() == category)
        and (not bundle or bundle in (b.casefold() for b in d.bundles))
    ]
    return {"definitions_version": definitions.version, "sits": sits}


@blp.route("/sits/<path:sit_id>", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, SitDetailSchema)
@blp.alt_response(
    404, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="No SIT with this id or name."
)
def get_sit(sit_id: str) -> dict[str, Any]:
    """One SIT, by id or by name."""
    definition = _definitions().get(sit_id)
    if definition is None:
        # The id is the client's string: it is not repeated (it may be a value pasted into a URL).
        raise Problem(404, "unknown-sit", "No SIT has this id or name; GET /v1/sits lists them.")
    return describe_sit(definition, detailed=True)


@blp.route("/bundles", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, BundleSchema(many=True))
def list_bundles() -> list[dict[str, Any]]:
    """Bundles (such as "All credentials") and their SITs; a bundle name selects its SITs in classify."""
    return [
        {"name": name, "sits": [{"id": d.id, "name": d.name} for d in members]}
        for name, members in _definitions().bundles.items()
    ]
