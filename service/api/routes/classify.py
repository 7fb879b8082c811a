"""``POST /v1/classify``: a JSON text, one or more uploaded files, or a raw body → a Report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields

from service.api.auth import require_permission
from service.api.jsonbody import load_json
from service.api.metrics import record_classification
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem, invalid_request
from service.api.redact import looks_like_value
from service.api.routes.alerts import raise_alerts
from service.api.schemas import (
    ClassifyJsonSchema,
    ClassifyOptionsSchema,
    ClassifyQuerySchema,
    ProblemSchema,
    ReportSchema,
)
from service.api.state import service_state
from service.classify import Classification, Document, UnreadableDocument, classify
from service.config import Settings
from service.definitions import UnknownSitError
from service.engine import ClassifyOptions, Scanner
from service.engine.deadline import Deadline
from service.summary.present import PresentOptions, present_report

blp = Blueprint("classify", __name__, url_prefix="/v1", description="Classify documents.")

RAW_MEDIA_TYPES = ("text/plain", "application/octet-stream")
REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ClassifyRequest"}},
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


@blp.route("/classify", methods=["POST"])
@blp.arguments(ClassifyQuerySchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.doc(
    requestBody=REQUEST_BODY,
    summary="Classify a document",
    description=(
        'Post JSON `{"text": ...}`, a multipart upload (field `file`, repeatable) or a raw `text/plain` or '
        "`application/octet-stream` body. Options may be given in the query string (`sits` comma-separated) "
        "with any body form, and also in the JSON body or as multipart form fields; an option given in both "
        "places must have the same value (otherwise 422). Unknown query parameters are refused (422). "
        "Values are masked unless `reveal` is allowed by the server and the API key."
    ),
)
@blp.response(200, ReportSchema)
@blp.alt_response(
    400, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Malformed or too deeply nested JSON."
)
@blp.alt_response(401, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Missing or invalid API key.")
@blp.alt_response(403, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Reveal not allowed.")
@blp.alt_response(
    413, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Body over the configured limit."
)
@blp.alt_response(415, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Unsupported content type.")
@blp.alt_response(
    422,
    schema=ProblemSchema,
    content_type=PROBLEM_MEDIA_TYPE,
    description="Invalid or conflicting options, unknown parameter or SIT, or an unreadable document.",
)
def classify_document(query: dict[str, Any]) -> dict[str, Any]:
    # One budget for the whole request: extraction, scanning, masking and formatting all
    # draw on it, so the service answers before the worker's own time-out.
    deadline = Deadline(service_state().settings.request_time_limit)
    state = service_state()
    settings = state.settings
    options, documents = _read_request(query)
    if options.reveal:
        if not settings.allow_reveal:
            raise Problem(403, "reveal-forbidden", "This server does not reveal values: it is configured to mask them.")
        require_permission(settings, g.get("api_key"), "reveal", "This API key may not reveal values.")
    scanner = state.scanners.current
    if scanner is None:
        raise Problem(503, "not-ready", "Definitions are not loaded yet.")
    classification = _classify(scanner, documents, options, settings, deadline)
    record_classification(classification.report, classification.size)
    if state.alerts is not None:
        # Committed before the answer: an alert is never lost to a crash after the client was told.
        raise_alerts(state.alerts, classification.report)
    return present_report(
        classification.report,
        classification.parts,
        scanner,
        PresentOptions(
            reveal=options.reveal,
            context=options.context if options.context is not None else settings.summary_context,
            fingerprinter=state.fingerprinter,
            deadline=deadline,
        ),
    )


def _classify(
    scanner: Scanner, documents: list[Document], options: RequestOptions, settings: Settings, deadline: Deadline
) -> Classification:
    """The request's documents classified under the server's limits; bad selectors or
    unreadable documents as problems."""
    engine_options = ClassifyOptions(
        min_confidence=options.min_confidence,
        sits=options.sits,
        explain=options.explain,
        time_limit=settings.time_limit,
        max_matches_per_sit=settings.max_matches_per_sit,
        max_matches=settings.max_matches,
        max_trace=settings.max_trace,
    )
    try:
        return classify(scanner, documents, engine_options, settings.extraction_limits, deadline)
    except UnknownSitError as error:
        raise _unknown_sits(options.sits or (), error.selectors) from None
    except UnreadableDocument as error:
        raise Problem(
            422, "unreadable-document", f"The document could not be read: {_without_client_names(error, documents)}"
        ) from None


@dataclass(frozen=True)
class RequestOptions:
    """The options of one request, validated, from the query string and the body together."""

    min_confidence: int | None = None
    sits: tuple[str, ...] | None = None  # None: every SIT
    reveal: bool = False
    context: int | None = None  # None: the server's default
    explain: bool = False

    @classmethod
    def from_loaded(cls, loaded: dict[str, Any]) -> RequestOptions:
        """From the merged output of the options schemas (``sits`` already a list)."""
        sits = loaded.get("sits")
        return cls(
            min_confidence=loaded.get("min_confidence"),
            sits=tuple(sits) if sits else None,
            reveal=bool(loaded.get("reveal", False)),
            context=loaded.get("context"),
            explain=bool(loaded.get("explain", False)),
        )


def _read_request(query: dict[str, Any]) -> tuple[RequestOptions, list[Document]]:
    loaded, documents = read_body(query)
    return RequestOptions.from_loaded(loaded), documents


def read_body(
    query: dict[str, Any], json_schema: Schema | None = None, form_schema: Schema | None = None
) -> tuple[dict[str, Any], list[Document]]:
    """Options and documents from whichever body form the request uses.

    Query options apply to every body form; options in a JSON body (``json_schema``, with
    ``text`` and ``name``) or in form fields (``form_schema``; list fields may repeat) are
    merged with them, and a conflict between the two is refused rather than settled silently.
    The schemas default to those of ``/v1/classify``.
    """
    max_body_bytes = service_state().settings.max_body_bytes
    if request.content_length is not None and request.content_length > max_body_bytes:
        # Refuse before reading: the limit protects memory, not just the engine.
        raise Problem(
            413, "body-too-large", f"The request body is larger than the configured limit of {max_body_bytes} bytes."
        )
    json_schema = json_schema or ClassifyJsonSchema()
    form_schema = form_schema or ClassifyOptionsSchema()
    query = dict(query)
    if isinstance(query.get("sits"), str):
        query["sits"] = [s.strip() for s in query["sits"].split(",") if s.strip()]
    media_type = request.mimetype
    if media_type == "application/json":
        raw = load_json(request.get_data(cache=False), service_state().settings.max_json_depth)
        if not isinstance(raw, dict):
            raise Problem(422, "invalid-request", "The JSON body must be an object with a 'text' field.")
        body = _load(json_schema, raw)
        text = body.pop("text")
        name = body.pop("name")
        return _merge(query, body, "the JSON body"), [Document(text, name=name)]
    if media_type == "multipart/form-data":
        uploads = request.files.getlist("file")
        form = {key: request.form.getlist(key) for key in request.form}
        repeatable = {name for name, field in form_schema.fields.items() if isinstance(field, fields.List)}
        form_options = _load(form_schema, {k: (v if k in repeatable else v[-1]) for k, v in form.items()})
        if not uploads:
            raise Problem(
                422,
                "invalid-request",
                "A multipart request needs at least one 'file' field.",
                errors=[{"field": "file", "message": "Missing file."}],
            )
        documents = [
            Document(upload.read(), name=upload.filename or "upload", media_type=upload.mimetype or None)
            for upload in uploads
        ]
        return _merge(query, form_options, "the form fields"), documents
    if media_type in RAW_MEDIA_TYPES:
        return query, [Document(request.get_data(cache=False), name="body", media_type=media_type)]
    raise Problem(
        415,
        "unsupported-media-type",
        "Send application/json, multipart/form-data, text/plain or application/octet-stream.",
    )


def _merge(query: dict[str, Any], body: dict[str, Any], where: str) -> dict[str, Any]:
    conflicts = sorted(name for name in query.keys() & body.keys() if query[name] != body[name])
    if conflicts:
        raise Problem(
            422,
            "conflicting-options",
            f"Options given both in the query string and in {where} must agree: {', '.join(conflicts)} differ.",
            errors=[{"field": name, "message": f"Differs between the query string and {where}."} for name in conflicts],
        )
    return {**query, **body}


def _unknown_sits(given: Sequence[str], unknown: tuple[str, ...]) -> Problem:
    # The selectors are the client's strings (possibly a secret pasted in the wrong field): say where, not what.
    missing = set(unknown)
    positions = [index for index, selector in enumerate(given) if selector in missing]
    return Problem(
        422,
        "unknown-sit",
        f"Unknown SIT selector ({len(positions)} of {len(given)} given): "
        "GET /v1/sits and GET /v1/bundles list the ids, names and bundles loaded.",
        errors=[
            {"field": f"sits.{index}", "message": "No SIT id, name or bundle has this value."} for index in positions
        ],
    )


def _without_client_names(error: UnreadableDocument, documents: list[Document]) -> str:
    """The reasons, with every uploaded file name that could be a value replaced by its position."""
    message = str(error)
    for number, document in enumerate(documents, start=1):
        if looks_like_value(document.name):
            message = message.replace(document.name, f"file {number}")
    return message


def _load(schema: Any, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema.load(raw)
    except ValidationError as error:
        raise invalid_request(error.messages) from None
    return loaded
