"""The one place errors become ``application/problem+json`` (RFC 9457) responses."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

from service.api.logsafe import safe_method
from service.api.redact import describe_name, is_plain_identifier

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://dlp.invalid/problems/"  # a stable identifier, not a page to fetch


class Problem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: Iterable[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}


def problem_response(
    status: int,
    slug: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_problem(problem: Problem) -> Response:
    return problem_response(problem.status, problem.slug, problem.detail, problem.errors, problem.headers)


# Details for werkzeug's own errors, which otherwise describe themselves in HTML terms.
_HTTP_DETAILS = {
    400: ("bad-request", "The request could not be understood."),
    404: ("not-found", "There is no such resource. The API is described at /openapi.json."),
    405: ("method-not-allowed", "This resource does not support the {method} method."),
    413: ("body-too-large", "The request body is larger than the configured limit of {limit} bytes."),
    415: ("unsupported-media-type", "The request's content type is not supported here."),
}
UNKNOWN_FIELD = "Unknown field."  # marshmallow's message for a key its schema does not declare


def from_http_exception(error: HTTPException, method: str, body_limit: int) -> Response:
    status = error.code or 500
    slug, template = _HTTP_DETAILS.get(status, (HTTPStatus(status).phrase.lower().replace(" ", "-"), ""))
    shown_method = safe_method(method)
    if template:
        detail = template.format(method=shown_method if shown_method != "OTHER" else "requested", limit=body_limit)
    elif error.description and error.description == type(error).description:
        detail = error.description  # werkzeug's fixed text for this error, never built from the request
    else:
        detail = HTTPStatus(status).phrase + "."
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(status, slug, detail, headers=headers)


def validation_errors(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested messages into ``[{field, message}]`` with dotted field paths.

    A key is the client's when its schema does not declare it: it is named only if it is a
    plain identifier (a misspelt option), never when it could be a value pasted as a key.
    """
    found: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = key if isinstance(key, int) or is_plain_identifier(str(key)) else describe_name(str(key), "name")
            path = prefix if key == "_schema" else (f"{prefix}.{name}" if prefix else str(name))
            found.extend(validation_errors(value, path))
    elif isinstance(messages, list | tuple):
        for item in messages:
            found.extend(validation_errors(item, prefix))
    else:
        found.append({"field": prefix or "(body)", "message": str(messages)})
    return found


def invalid_request(messages: Any, what: str = "fields") -> Problem:
    """A 422 for schema validation messages, saying how many fields are unknown and how many invalid."""
    errors = validation_errors(messages)
    unknown = sum(1 for e in errors if e["message"] == UNKNOWN_FIELD)
    invalid = len({e["field"] for e in errors if e["message"] != UNKNOWN_FIELD})
    counts = []
    if unknown:
        counts.append(f"{unknown} unknown")
    if invalid:
        counts.append(f"{invalid} invalid")
    detail = f"The request has invalid {what}" + (f" ({', '.join(counts)})." if counts else ".")
    return Problem(422, "invalid-request", detail, errors=errors)
