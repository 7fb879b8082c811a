"""``POST /v1/evaluate``: a document and a channel → the verdict of a policy; ``GET /v1/policies``."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE

from service.api.policy_schemas import (
    ChannelFieldsSchema,
    EvaluateJsonSchema,
    EvaluateQuerySchema,
    PolicySummarySchema,
    VerdictSchema,
)
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem
from service.api.routes.classify import read_body
from service.api.schemas import NoQuerySchema, ProblemSchema
from service.api.state import service_state
from service.gateway.inspector import PolicyInspector
from service.policy.errors import UnknownPolicyError
from service.policy.model import Channel, ChannelKind

blp = Blueprint("evaluate", __name__, url_prefix="/v1", description="Decide by a policy.")

# The REST API is a gateway of its own in the verdict metrics, whatever channel is simulated.
METRICS_GATEWAY = "api"
REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/EvaluateRequest"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                "required": ["file"],
            }
        },
        "text/plain": {"schema": {"type": "string"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _inspector() -> PolicyInspector:
    return service_state().inspector


@blp.route("/evaluate", methods=["POST"])
@blp.arguments(EvaluateQuerySchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.doc(
    requestBody=REQUEST_BODY,
    summary="Decide whether a document may pass",
    description=(
        "Post a document as to `/v1/classify` (JSON `text`, multipart `file`, or a raw body) with a policy name "
        "(`policy`, default the configured one) and optional channel fields (`kind`, `direction`, `method`, "
        "`url_host`, `content_type`, `sender`, `recipients`) in the query string, the JSON body or form fields. "
        "The answer is the verdict: the strictest action of the rules that fired, each rule with the findings "
        "behind it (SITs, counts, fingerprints; never values). A document that could not be read completely is "
        "decided by the rules' `on_incomplete`."
    ),
)
@blp.response(200, VerdictSchema)
@blp.alt_response(400, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Malformed JSON.")
@blp.alt_response(401, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Missing or invalid API key.")
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="No policy of that name.")
@blp.alt_response(
    413, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Body over the configured limit."
)
@blp.alt_response(415, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Unsupported content type.")
@blp.alt_response(
    422, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Invalid, unknown or conflicting fields."
)
def evaluate_document(query: dict[str, Any]) -> dict[str, Any]:
    query = dict(query)
    if isinstance(query.get("recipients"), str):
        query["recipients"] = [r.strip() for r in query["recipients"].split(",") if r.strip()]
    loaded, documents = read_body(query, EvaluateJsonSchema(), ChannelFieldsSchema())
    inspector = _inspector()
    try:
        verdict = inspector.inspect(documents, _channel(loaded), policy=loaded.get("policy"), gateway=METRICS_GATEWAY)
    except UnknownPolicyError:
        # The name is the client's string: say what is missing, not what was sent.
        raise Problem(404, "unknown-policy", "No policy of that name is loaded: GET /v1/policies lists them.") from None
    return {**verdict.to_dict(), "version": inspector.version}


def _channel(loaded: dict[str, Any]) -> Channel:
    method = loaded.get("method")
    host = loaded.get("url_host")
    content_type = loaded.get("content_type")
    return Channel(
        kind=loaded.get("kind", ChannelKind.API),
        direction=loaded.get("direction"),
        method=method.upper() if method else None,
        url_host=host.lower().rstrip(".") if host else None,
        content_type=content_type.split(";", 1)[0].strip().lower() if content_type else None,
        sender=loaded.get("sender"),
        recipients=tuple(loaded.get("recipients", ())),
    )


@blp.route("/policies", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, PolicySummarySchema(many=True))
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Unknown query parameter.")
def list_policies() -> list[dict[str, Any]]:
    """The policies loaded, and which one is used when a request names none."""
    inspector = _inspector()
    default = inspector.policy().name
    return [
        {
            "name": policy.name,
            "description": policy.description,
            "rules": [rule.name for rule in policy.rules],
            "default": policy.name == default,
        }
        for policy in inspector.policies
    ]
