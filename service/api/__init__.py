"""The REST service: ``create_app(settings)`` builds a Flask app around one compiled scanner.

Nothing happens at import time. Routes live in one blueprint per resource; the OpenAPI
document is generated from the same marshmallow schemas that validate requests, and is
served at ``/openapi.json`` with a browsable page at ``/docs`` (assets served locally).
Every answer carries the security headers of ``headers``; every request is logged once,
by the app, on the ``dlp.access`` logger (see ``logsafe``).
"""

from __future__ import annotations

import http
import logging
import time
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from service.api.auth import authenticate
from service.api.body import bound_streamed_body
from service.api.docs import register_docs_page
from service.api.headers import add_security_headers
from service.api.logsafe import install_access_handler, log_access, safe_log_path, safe_method
from service.api.metrics import DEFINITIONS_LOADED, LATENCY, REQUESTS, record_definitions_version
from service.api.policy_schemas import EvaluateJsonSchema
from service.api.problems import (
    PROBLEM_MEDIA_TYPE,
    Problem,
    from_http_exception,
    from_problem,
    invalid_request,
    problem_response,
)
from service.api.routes import alerts as alert_routes
from service.api.routes import classify, evaluate, health, reload, sit_convert, sit_test, sits, ui
from service.api.schemas import ClassifyJsonSchema, ProblemSchema
from service.api.state import ScannerHolder, ServiceState, build_alerts, init_state, service_state
from service.api.tuning_schemas import ConvertJsonSchema, DraftJsonSchema
from service.config import Settings, load_settings
from service.engine import Scanner
from service.gateway.audit import AuditLog
from service.gateway.inspector import PolicyInspector
from service.runtime import build_policies, build_scanner
from service.summary.fingerprint import Fingerprinter

logger = logging.getLogger("dlp.api")

DOCS_BLUEPRINT = "api-docs"  # flask-smorest's blueprint for /openapi.json, which also carries /docs


class DlpApi(Api):
    """flask-smorest's Api, answering every HTTP error with problem+json and documenting it so."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        data = getattr(error, "data", None)
        if error.code == 422 and data and "messages" in data:
            # webargs' validation of query parameters
            return from_problem(invalid_request(_strip_location(data["messages"]), "parameters"))
        return from_http_exception(error, request.method, service_state().settings.max_body_bytes)

    def _register_responses(self) -> None:
        # flask-smorest documents its shared error responses as application/json; they are served as problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {"description": "Default error response", "content": {PROBLEM_MEDIA_TYPE: {"schema": self.ERROR_SCHEMA}}},
            lazy=True,
        )

    def _register_swagger_ui_rule(self, blueprint: Blueprint) -> None:
        path = self.config.get("OPENAPI_SWAGGER_UI_PATH")
        if path is not None:
            register_docs_page(blueprint, "/" + path.lstrip("/"), f"{blueprint.name}.openapi_json", self.spec.title)


def _strip_location(messages: Any) -> Any:
    # webargs nests messages under their location ('query', 'json'); the field path is enough.
    if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in {"query", "json", "form", "files"}:
        return next(iter(messages.values()))
    return messages


def create_app(settings: Settings | None = None, scanner: Scanner | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask("service.api", static_folder=None)
    app.config.update(
        API_TITLE="DLP classifier",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
        MAX_FORM_PARTS=1000,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # "…" in masked values, not "\u2026"
    scanner = scanner if scanner is not None else build_scanner(settings)
    holder = ScannerHolder(settings)
    holder.install(scanner)
    fingerprinter = Fingerprinter(settings.fingerprint_key)
    # Audit events of the REST service are off unless DLP_AUDIT_LOG names a file or '-'.
    audit = AuditLog.open(settings.audit_log) if settings.audit_log else None
    policies = build_policies(settings, scanner.definitions)
    inspector = PolicyInspector(scanner, policies, settings, fingerprinter, audit)
    alerts = build_alerts(settings, scanner)
    init_state(app, ServiceState(settings, holder, fingerprinter, inspector, alerts))
    DEFINITIONS_LOADED.set(len(scanner.definitions))
    record_definitions_version(scanner.version)

    _register_api(app, settings)
    app.register_blueprint(ui.blp)  # a page, not an API resource: kept out of the OpenAPI document
    app.register_error_handler(Problem, from_problem)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_release_body)
    install_access_handler()
    return app


def _register_api(app: Flask, settings: Settings) -> None:
    """The API's resources, with their schemas and security in the OpenAPI document."""
    api = DlpApi(
        app, spec_kwargs={"info": {"description": "Classifies documents against sensitive information types."}}
    )
    api.spec.components.schema("ClassifyRequest", schema=ClassifyJsonSchema)
    api.spec.components.schema("DraftRequest", schema=DraftJsonSchema)
    api.spec.components.schema("ConvertRequest", schema=ConvertJsonSchema)
    api.spec.components.schema("EvaluateRequest", schema=EvaluateJsonSchema)
    if settings.api_keys:
        api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
        api.spec.options["security"] = [{"bearer": []}]
    for blueprint in (
        classify.blp,
        evaluate.blp,
        sit_test.blp,
        sit_convert.blp,
        reload.blp,
        sits.blp,
        health.blp,
        alert_routes.blp,
        alert_routes.keys_blp,
    ):
        api.register_blueprint(blueprint)


def _start_request() -> None:
    g.started = time.perf_counter()
    settings = service_state().settings
    # Inbound alerts carry a sender's signature instead of an API key (checked by the route).
    if request.path.startswith("/v1/") and request.path != alert_routes.INBOUND_PATH:
        g.api_key = authenticate(settings)
    if request.blueprint == DOCS_BLUEPRINT and request.args:
        # The routes of the API refuse unknown query parameters through their schemas; these have none.
        raise invalid_request({name: ["Unknown field."] for name in request.args}, "parameters")
    # Before anything parses the body: a chunked body over the limit must be refused, not cut.
    g.body_buffer = bound_streamed_body(request.environ, settings.max_body_bytes)


def _finish_request(response: Response) -> Response:
    # The route template, not the path, keeps label values few and free of content.
    rule = request.url_rule.rule if request.url_rule is not None else None
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    REQUESTS.labels(
        route=rule or "unmatched", method=safe_method(request.method), status=str(response.status_code)
    ).inc()
    LATENCY.labels(route=rule or "unmatched").observe(elapsed)
    add_security_headers(
        response.headers,
        docs_page=request.endpoint == f"{DOCS_BLUEPRINT}.openapi_swagger_ui",
        ui_page=request.blueprint == ui.blp.name,
    )
    log_access(request.method, request.path, rule, response.status_code, response.content_length, elapsed * 1000)
    return response


def _release_body(error: BaseException | None) -> None:
    buffer = g.pop("body_buffer", None)
    if buffer is not None:
        buffer.close()


def _unexpected_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # reached only for errors raised outside flask-smorest's handler
        return from_http_exception(error, request.method, service_state().settings.max_body_bytes)
    # Log the type and the route, not the message nor the path: either may quote what the client sent.
    rule = request.url_rule.rule if request.url_rule is not None else None
    logger.error(
        "unexpected %s in %s %s",
        type(error).__name__,
        safe_method(request.method),
        safe_log_path(request.path, rule),
        exc_info=False,
    )
    return problem_response(500, "internal-error", "The service failed to answer this request; it has been logged.")
