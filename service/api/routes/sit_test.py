"""``POST /v1/sits/test``: try a draft definition on samples before it goes live.

The draft (our YAML or JSON, or Purview rule-package XML) is compiled on its own, under the
limits of a classify request, and never touches the loaded definitions. The answer holds
the lint findings, the draft's own examples run, and for each sample what the draft finds
and, for every candidate that did not become a match, why.
"""

from __future__ import annotations

import json
from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from service.api.auth import require_permission
from service.api.body import body_too_large
from service.api.jsonbody import load_json
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem, invalid_request
from service.api.schemas import NoQuerySchema, ProblemSchema
from service.api.state import service_state
from service.api.tuning_schemas import DraftJsonSchema, DraftOptionsSchema, DraftTrialSchema
from service.classify import Document
from service.config import Settings
from service.engine import Scanner
from service.tuning import DraftError, DraftFormat, DraftLimits, load_draft, try_draft

blp = Blueprint("sit-test", __name__, url_prefix="/v1", description="Try draft definitions on samples.")

REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/DraftRequest"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "definition": {"type": "string", "format": "binary"},
                    "sample": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "format": {"type": "string", "enum": ["yaml", "json", "purview"]},
                    "min_confidence": {"type": "integer"},
                    "reveal": {"type": "boolean"},
                },
                "required": ["definition"],
            }
        },
    },
}


@blp.route("/sits/test", methods=["POST"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True)
@blp.doc(
    requestBody=REQUEST_BODY,
    summary="Try a draft definition on samples",
    description=(
        'Post JSON `{"definition": ..., "samples": [...]}` (the definition as YAML, JSON or Purview XML text, '
        "or as a JSON object or list), or a multipart upload with a `definition` file and `sample` files "
        "(any supported document format). The draft is compiled on its own under the limits of a classify "
        "request; the loaded definitions are not changed."
    ),
)
@blp.response(200, DraftTrialSchema)
@blp.alt_response(400, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Malformed JSON.")
@blp.alt_response(401, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Missing or invalid API key.")
@blp.alt_response(403, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Reveal not allowed.")
@blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Body over the limit.")
@blp.alt_response(415, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Unsupported content type.")
@blp.alt_response(
    422, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Invalid request or unreadable draft."
)
def test_definition() -> dict[str, Any]:
    state = service_state()
    settings = state.settings
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        raise body_too_large(settings.max_body_bytes)
    options, draft_text, samples = _read_request(settings)
    reveal = bool(options.get("reveal", False))
    if reveal:
        if not settings.allow_reveal:
            raise Problem(403, "reveal-forbidden", "This server does not reveal values: it is configured to mask them.")
        require_permission(settings, g.get("api_key"), "reveal", "This API key may not reveal values.")
    try:
        draft = load_draft(draft_text, _format(options), settings.max_draft_sits)
        trial = try_draft(
            draft,
            samples,
            draft_limits(settings),
            min_confidence=options.get("min_confidence"),
            reveal=reveal,
            also_mask=_loaded(state.scanners.current),
        )
    except DraftError as error:
        raise invalid_draft(error) from None
    return trial.to_dict()


def draft_limits(settings: Settings) -> DraftLimits:
    return DraftLimits(
        request_time_limit=settings.request_time_limit,
        engine_time_limit=settings.time_limit,
        extraction=settings.extraction_limits,
        max_matches_per_sit=settings.max_matches_per_sit,
        max_matches=settings.max_matches,
        max_trace=settings.max_trace,
        context=settings.summary_context,
    )


def _loaded(scanner: Scanner | None) -> tuple[Scanner, ...]:
    return () if scanner is None else (scanner,)


def _format(options: dict[str, Any]) -> DraftFormat | None:
    given = options.get("format")
    return DraftFormat(given) if given else None


def _read_request(settings: Settings) -> tuple[dict[str, Any], str, list[Document]]:
    if request.mimetype == "application/json":
        raw = load_json(request.get_data(cache=False), settings.max_json_depth)
        if not isinstance(raw, dict):
            raise Problem(422, "invalid-request", "The JSON body must be an object with a 'definition' field.")
        body = load_options(DraftJsonSchema(), raw)
        definition = body.pop("definition")
        text = definition if isinstance(definition, str) else json.dumps(definition)
        if not isinstance(definition, str) and "format" not in body:
            body["format"] = "json"
        samples = [
            Document(sample["text"], name=sample["name"] or f"sample-{position}")
            for position, sample in enumerate(body.pop("samples"), start=1)
        ]
        return body, text, samples
    if request.mimetype == "multipart/form-data":
        return _read_multipart()
    raise Problem(415, "unsupported-media-type", "Send application/json or multipart/form-data.")


def _read_multipart() -> tuple[dict[str, Any], str, list[Document]]:
    form = {key: request.form.getlist(key)[-1] for key in request.form if key != "definition"}
    options = load_options(DraftOptionsSchema(), form)
    upload = request.files.get("definition")
    if upload is not None:
        content = upload.read()
    elif "definition" in request.form:
        content = request.form["definition"].encode("utf-8")
    else:
        raise Problem(
            422,
            "invalid-request",
            "A multipart request needs a 'definition' field.",
            errors=[{"field": "definition", "message": "Missing data for required field."}],
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(422, "invalid-draft", "The definition is not UTF-8 text.") from None
    samples = [
        Document(sample.read(), name=sample.filename or "sample", media_type=sample.mimetype or None)
        for sample in request.files.getlist("sample")
    ]
    return options, text, samples


def load_options(schema: Any, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema.load(raw)
    except ValidationError as error:
        raise invalid_request(error.messages) from None
    return loaded


def invalid_draft(error: DraftError) -> Problem:
    count = len(error.problems)
    return Problem(
        422,
        "invalid-draft",
        f"The draft could not be read: {count} problem{'s' if count != 1 else ''} (see errors).",
        errors=[
            {
                "field": f"{problem.source}: {problem.path}" if problem.path else problem.source,
                "message": problem.message,
            }
            for problem in error.problems
        ],
    )
