"""``POST /v1/sits/convert``: a draft, or a loaded SIT, as our YAML or as Purview rule-package XML.

What a tuner needs to start a draft from a built-in SIT and to take a finished one to
Purview. Nothing is loaded or changed; the answer is the text with what the conversion
translated or left out.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from service.api.body import body_too_large
from service.api.jsonbody import load_json
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem
from service.api.routes.sit_test import invalid_draft, load_options
from service.api.schemas import NoQuerySchema, ProblemSchema
from service.api.state import service_state
from service.api.tuning_schemas import ConversionSchema, ConvertJsonSchema
from service.definitions.loader import builtin_definitions_dir
from service.tuning import DraftError, DraftFormat
from service.tuning.convert import Conversion, TargetFormat, convert_definition, convert_draft

blp = Blueprint("sit-convert", __name__, url_prefix="/v1", description="Convert definitions between formats.")


@blp.route("/sits/convert", methods=["POST"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True)
@blp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConvertRequest"}}},
    },
    summary="Convert a draft or a loaded SIT to YAML or Purview XML",
    description=(
        'Post JSON `{"definition": <YAML, JSON or Purview XML text>, "to": "yaml" | "purview"}`, or '
        '`{"sit": <id or name of a loaded SIT>, "to": ...}` to start a draft from it. The answer holds the '
        "text and the notes of what was translated or left out; nothing is loaded."
    ),
)
@blp.response(200, ConversionSchema)
@blp.alt_response(400, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Malformed JSON.")
@blp.alt_response(401, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Missing or invalid API key.")
@blp.alt_response(
    404, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="No SIT with this id or name."
)
@blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Body over the limit.")
@blp.alt_response(415, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Unsupported content type.")
@blp.alt_response(
    422, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Invalid request or unreadable draft."
)
def convert() -> dict[str, Any]:
    state = service_state()
    settings = state.settings
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        raise body_too_large(settings.max_body_bytes)
    if request.mimetype != "application/json":
        raise Problem(415, "unsupported-media-type", "Send application/json.")
    raw = load_json(request.get_data(cache=False), settings.max_json_depth)
    if not isinstance(raw, dict):
        raise Problem(422, "invalid-request", "The JSON body must be an object with 'definition' or 'sit', and 'to'.")
    body = load_options(ConvertJsonSchema(), raw)
    target = TargetFormat(body["to"])
    try:
        if "sit" in body:
            conversion = _convert_loaded(body["sit"], target)
        else:
            given = body.get("format")
            conversion = convert_draft(
                body["definition"], DraftFormat(given) if given else None, target, settings.max_draft_sits
            )
    except DraftError as error:
        raise invalid_draft(error) from None
    return {
        "format": str(conversion.target),
        "text": conversion.text,
        "definitions": [{"id": d.id, "name": d.name} for d in conversion.definitions],
        "notes": list(conversion.notes),
    }


def _convert_loaded(selector: str, target: TargetFormat) -> Conversion:
    state = service_state()
    scanner = state.scanners.current
    if scanner is None:
        raise Problem(503, "not-ready", "Definitions are not loaded yet.")
    definition = scanner.definitions.get(selector)
    if definition is None:
        # The selector is the client's string: it is not repeated (it may be a value pasted in the wrong field).
        raise Problem(404, "unknown-sit", "No SIT has this id or name; GET /v1/sits lists them.")
    settings = state.settings
    directories = [builtin_definitions_dir()] if settings.builtin_definitions else []
    directories.extend(settings.definitions_dirs)
    return convert_definition(definition, directories, target)
