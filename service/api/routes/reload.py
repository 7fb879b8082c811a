"""``POST /v1/sits/reload``: compile the definitions again and serve them, or say why not.

The process that receives the request compiles the new set itself, so a broken definition is
answered at once (422, naming the file) while the running set goes on serving. Under gunicorn a
compiled set is then handed to the master (SIGHUP): it reloads the settings, the API keys and the
definitions and replaces every worker, each finishing the requests it holds on the set they
started with; the answer is 202. Outside gunicorn the app's own scanner is swapped (200).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import RAISE

from service.api.auth import require_permission
from service.api.metrics import RELOADS
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem
from service.api.schemas import NoQuerySchema, ProblemSchema, ReloadSchema
from service.api.state import compile_definitions, reload_state, service_state
from service.config import ConfigError
from service.definitions import DefinitionError
from service.engine import Scanner
from service.summary.free_text import mask_free_text
from service.supervisor import ask_master_to_reload

logger = logging.getLogger("dlp.api")

blp = Blueprint("reload", __name__, url_prefix="/v1", description="Reload the definitions.")

MAX_LISTED_PROBLEMS = 50  # a folder of broken files must not make a huge answer


@blp.route("/sits/reload", methods=["POST"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.doc(
    summary="Reload the definitions",
    description=(
        "Compiles the built-in definitions (unless turned off) and the configured folders. A broken "
        "definition leaves the running set serving and is answered with 422 naming the file. Under gunicorn "
        "the master then replaces every worker (202, status `reloading`): poll `GET /readyz` until its "
        "`definitions_version` is the one answered. Without keys configured anyone may reload; with keys, "
        "a key with the `admin` permission is needed."
    ),
)
@blp.response(200, ReloadSchema, description="This process serves the new set, or the set is unchanged.")
@blp.alt_response(
    202, schema=ReloadSchema, description="Compiled; the workers are being replaced by ones that serve it."
)
@blp.alt_response(401, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Missing or invalid API key.")
@blp.alt_response(
    403, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="The key may not reload definitions."
)
@blp.alt_response(
    422,
    schema=ProblemSchema,
    content_type=PROBLEM_MEDIA_TYPE,
    description="A definition is broken (each problem names its file); the running set goes on serving.",
)
def reload_definitions() -> tuple[dict[str, Any], int]:
    state = service_state()
    require_permission(state.settings, g.get("api_key"), "admin", "This API key may not reload definitions.")
    current = state.scanners.current
    previous = current.version if current is not None else ""
    try:
        scanner = compile_definitions(state.settings)
    except DefinitionError as error:
        raise _not_reloaded(error, current) from None
    answer = {"definitions_version": scanner.version, "previous_version": previous, "sits": len(scanner.definitions)}
    if scanner.version == previous:
        # Nothing to swap: replacing every worker for the same set would only cost time.
        RELOADS.inc()
        return {"status": "unchanged", **answer}, 200
    if ask_master_to_reload():
        logger.info("definitions %s compiled; the master replaces the workers serving %s", scanner.version, previous)
        return {"status": "reloading", **answer}, 202
    try:
        reload_state(current_app, state.settings, scanner)
    except ConfigError as error:  # the alert rules, checked against the new definitions
        raise Problem(
            422, "invalid-alert-rules", f"Not reloaded: {error}. The set loaded before goes on serving."
        ) from None
    logger.info("definitions reloaded: %s replaces %s", scanner.version, previous)
    return {"status": "reloaded", **answer}, 200


def _not_reloaded(error: DefinitionError, current: Scanner | None) -> Problem:
    """The problems, each naming its file, with any value they might quote masked (by the set
    still serving); logged once, the same way."""
    problems = error.problems
    listed = [
        {"field": mask_free_text(_where(p.source, p.path), current), "message": mask_free_text(p.message, current)}
        for p in problems[:MAX_LISTED_PROBLEMS]
    ]
    first = f"{listed[0]['field']}: {listed[0]['message']}" if listed else "no problem listed"
    kept = f"version {current.version}" if current is not None else "nothing"
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    logger.error("definitions reload failed, keeping %s: %s; first: %s", kept, count, " ".join(first.split()))
    return Problem(
        422,
        "invalid-definitions",
        f"The definitions were not reloaded ({count}; the first: {first}). The set loaded before ({kept}) "
        "goes on serving.",
        errors=listed,
    )


def _where(source: str, path: str) -> str:
    return f"{source}: {path}" if path else source
