"""Health, readiness and metrics: open to probes and scrapers (metrics may require a key)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from marshmallow import RAISE
from prometheus_client import CONTENT_TYPE_LATEST

from service.api.auth import authenticate, require_permission
from service.api.metrics import DEFINITIONS_LOADED, render_metrics
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem
from service.api.schemas import HealthSchema, NoQuerySchema, ProblemSchema
from service.api.state import service_state

blp = Blueprint("health", __name__, description="Health, readiness and metrics.")


@blp.route("/healthz", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, HealthSchema)
def healthz() -> dict[str, Any]:
    """The process is alive."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Definitions not loaded.")
def readyz() -> dict[str, Any]:
    """Definitions are loaded and compiled: the service can classify."""
    scanner = service_state().scanners.current
    if scanner is None:
        raise Problem(503, "not-ready", "Definitions are not loaded yet.")
    return {"status": "ready", "sits": len(scanner.definitions), "definitions_version": scanner.version}


@blp.route("/metrics", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, content_type=CONTENT_TYPE_LATEST, description="Prometheus metrics, summed over all workers.")
@blp.alt_response(
    401, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="A key is required and missing."
)
@blp.alt_response(
    403, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="The key may not read metrics."
)
def metrics() -> Response:
    """Prometheus metrics."""
    state = service_state()
    if state.settings.metrics_require_key:
        key = authenticate(state.settings)
        require_permission(state.settings, key, "metrics", "This API key may not read metrics.")
    scanner = state.scanners.current
    DEFINITIONS_LOADED.set(len(scanner.definitions) if scanner is not None else 0)
    return Response(
        render_metrics(), mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
