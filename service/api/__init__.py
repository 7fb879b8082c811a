"""The REST service: ``create_app(settings)`` builds a Flask app around one compiled scanner.

Nothing happens at import time. Routes live in one blueprint per resource; the OpenAPI
document is generated from the same marshmallow schemas that validate requests, and is
served at ``/openapi.json`` with a browsable page at ``/docs``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from service.api.auth import authenticate
from service.api.metrics import DEFINITIONS_LOADED, LATENCY, REQUESTS
from service.api.problems import Problem, from_http_exception, from_problem, problem_response, validation_errors
from service.api.routes import classify, health, sits
from service.api.schemas import ClassifyJsonSchema, ProblemSchema
from service.api.state import ScannerHolder, ServiceState, init_state, service_state
from service.config import Settings, load_settings
from service.engine import Scanner
from service.runtime import build_scanner
from service.summary.fingerprint import Fingerprinter

logger = logging.getLogger("dlp.api")

SWAGGER_UI_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"


class DlpApi(Api):
    """flask-smorest's Api, answering every HTTP error with problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        data = getattr(error, "data", None)
        if error.code == 422 and data and "messages" in data:
            # webargs' validation of query parameters
            return problem_response(
                422,
                "invalid-request",
                "The request has invalid parameters.",
                errors=validation_errors(_strip_location(data["messages"])),
            )
        return from_http_exception(error, request.method, service_state().settings.max_body_bytes)


def _strip_location(messages: Any) -> Any:
    # webargs nests messages under their location ('query', 'json'); the field path is enough.
    if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in {"query", "json", "form", "files"}:
        return next(iter(messages.values()))
    return messages


def create_app(settings: Settings | None = None, scanner: Scanner | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask("service.api")
    app.config.update(
        API_TITLE="DLP classifier",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_CDN,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
        MAX_FORM_PARTS=1000,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # "…" in masked values, not "\u2026"
    holder = ScannerHolder(settings)
    holder.install(scanner if scanner is not None else build_scanner(settings))
    init_state(app, ServiceState(settings, holder, Fingerprinter(settings.fingerprint_key)))
    current = holder.current
    DEFINITIONS_LOADED.set(len(current.definitions) if current is not None else 0)

    api = DlpApi(
        app, spec_kwargs={"info": {"description": "Classifies documents against sensitive information types."}}
    )
    api.spec.components.schema("ClassifyRequest", schema=ClassifyJsonSchema)
    if settings.api_keys:
        api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
        api.spec.options["security"] = [{"bearer": []}]
    for blueprint in (classify.blp, sits.blp, health.blp):
        api.register_blueprint(blueprint)

    app.register_error_handler(Problem, from_problem)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_start_request)
    app.after_request(_record_request)
    return app


def _start_request() -> None:
    g.started = time.perf_counter()
    if request.path.startswith("/v1/"):
        g.api_key = authenticate(service_state().settings)


def _record_request(response: Response) -> Response:
    # The route template, not the path, keeps label values few and free of content.
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
    LATENCY.labels(route=route).observe(time.perf_counter() - g.get("started", time.perf_counter()))
    return response


def _unexpected_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # reached only for errors raised outside flask-smorest's handler
        return from_http_exception(error, request.method, service_state().settings.max_body_bytes)
    # Log the type and place, not the message: it may quote document content.
    logger.error("unexpected %s in %s %s", type(error).__name__, request.method, request.path, exc_info=False)
    return problem_response(500, "internal-error", "The service failed to answer this request; it has been logged.")
