"""Issuer alerts over HTTP: the outbox (``/v1/alerts``, admin permission), the receiving side
(``POST /v1/alerts/inbound``, authenticated by the sender's signature instead of an API key),
and the sender's public keys at a well-known URL (open, like GitHub's published keys)."""

from __future__ import annotations

import logging
from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from service.alerts.database import OutboxUnavailable
from service.alerts.receiver import InboundError
from service.alerts.service import AlertService
from service.alerts.signing import WELL_KNOWN_KEYS_PATH
from service.alerts.store import STATES
from service.api.auth import require_permission
from service.api.problems import PROBLEM_MEDIA_TYPE, Problem
from service.api.schemas import NoQuerySchema, ProblemSchema, StrictSchema
from service.api.state import service_state
from service.engine import Report

logger = logging.getLogger("dlp.api")

INBOUND_PATH = "/v1/alerts/inbound"

blp = Blueprint("alerts", __name__, url_prefix="/v1/alerts", description="Issuer alerts: outbox and inbound.")
keys_blp = Blueprint("alert-keys", __name__, description="The public keys alerts are signed with.")


class AlertSchema(Schema):
    id = fields.Integer(required=True)
    issuer = fields.String(required=True)
    fingerprint = fields.String(required=True)
    sit = fields.String(required=True)
    type = fields.String(required=True)
    token_sent = fields.String(required=True, metadata={"description": "'raw' or 'fingerprint'; never shown."})
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.Float(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.Float(required=True)
    delivered_at = fields.Float(allow_none=True)


class AlertListSchema(Schema):
    alerts = fields.List(fields.Nested(AlertSchema), required=True)


class AlertListQuerySchema(StrictSchema):
    state = fields.String(validate=validate.OneOf(STATES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=10_000))


class PurgeQuerySchema(StrictSchema):
    older_than = fields.Float(
        load_default=30 * 86400.0,
        validate=validate.Range(min=0),
        metadata={"description": "Delete delivered and dead alerts created more than this many seconds ago."},
    )


class AlertPurgeSchema(Schema):
    purged = fields.Integer(required=True)


class AlertRetrySchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True)


class AlertInboundStatsSchema(Schema):
    received = fields.Integer(required=True, metadata={"description": "Token reports received, duplicates included."})
    valid = fields.Integer(required=True, metadata={"description": "Distinct tokens found valid, each once."})
    processed = fields.Integer(required=True, metadata={"description": "Distinct valid tokens processed, each once."})
    pending = fields.Integer(required=True)
    dead = fields.Integer(required=True)


class AlertStatsSchema(Schema):
    outbox = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    inbound = fields.Nested(AlertInboundStatsSchema, allow_none=True)


class InboundResultSchema(Schema):
    sender = fields.String(required=True)
    duplicate_message = fields.Boolean(required=True)
    accepted = fields.Integer(required=True)
    new_valid = fields.Integer(required=True)


class PublicKeySchema(Schema):
    key_identifier = fields.String(required=True)
    key = fields.String(required=True)
    is_current = fields.Boolean(required=True)


class PublicKeysSchema(Schema):
    public_keys = fields.List(fields.Nested(PublicKeySchema), required=True)


def raise_alerts(alerts: AlertService, report: Report) -> None:
    """Commit the alerts a report calls for, or refuse the answer: a client told "done" must
    not have its alert lost."""
    try:
        alerts.alert_on(report)
    except OutboxUnavailable as error:
        logger.error("alert outbox unavailable: %s", error)
        raise Problem(503, "alert-outbox-unavailable", "The alert outbox cannot be written; try again later.") from None


def _admin_alerts() -> AlertService:
    state = service_state()
    require_permission(state.settings, g.get("api_key"), "admin", "This API key may not manage alerts.")
    if state.alerts is None:
        raise Problem(404, "alerts-not-configured", "No alert rules are configured (DLP_ALERT_RULES).")
    return state.alerts


def _outbox_call(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except OutboxUnavailable as error:
        logger.error("alert outbox unavailable: %s", error)
        raise Problem(503, "alert-outbox-unavailable", "The alert database cannot be read now.") from None


ERRORS = {
    401: "Missing or invalid API key.",
    403: "The key lacks the admin permission.",
    404: "No alert rules configured, or no such alert.",
}


def _document_errors(view: Any) -> Any:
    for status, description in ERRORS.items():
        view = blp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description=description)(
            view
        )
    return view


@blp.route("", methods=["GET"])
@blp.arguments(AlertListQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, AlertListSchema)
@_document_errors
def list_alerts(state: str | None = None, limit: int = 100) -> dict[str, Any]:
    """List alerts of the outbox, newest first (fingerprints only, never a token)."""
    alerts = _admin_alerts()
    return {"alerts": [a.describe() for a in _outbox_call(alerts.store.list_alerts, state, limit)]}


@blp.route("/<alert_id>", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, AlertSchema)
@_document_errors
def show_alert(alert_id: str) -> dict[str, Any]:
    """One alert: its state, attempts and last error."""
    alert = _outbox_call(_admin_alerts().store.get, _alert_number(alert_id))
    if alert is None:
        raise Problem(404, "alert-not-found", "No alert has this id.")
    described: dict[str, Any] = alert.describe()
    return described


@blp.route("/<alert_id>/retry", methods=["POST"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, AlertRetrySchema)
@_document_errors
def retry_alert(alert_id: str) -> dict[str, Any]:
    """Send a dead or waiting alert again at once, with a fresh count of attempts."""
    store = _admin_alerts().store
    number = _alert_number(alert_id)
    if not _outbox_call(store.retry, number):
        raise Problem(404, "alert-not-found", "No dead or pending alert has this id.")
    return {"id": number, "state": "pending"}


def _alert_number(alert_id: str) -> int:
    # A path segment, not a converter: the OpenAPI path stays {alert_id}; not a number is not an alert.
    if not alert_id.isascii() or not alert_id.isdigit() or len(alert_id) > 18:
        raise Problem(404, "alert-not-found", "No alert has this id.")
    return int(alert_id)


@blp.route("/purge", methods=["POST"])
@blp.arguments(PurgeQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, AlertPurgeSchema)
@_document_errors
def purge_alerts(older_than: float) -> dict[str, Any]:
    """Delete delivered and dead alerts older than ``older_than`` seconds (de-duplication marks stay
    for their window)."""
    alerts = _admin_alerts()
    purged = _outbox_call(alerts.store.purge, older_than)
    _outbox_call(alerts.store.forget_expired_marks, alerts.config.delivery.dedup_window)
    return {"purged": purged}


@blp.route("/stats", methods=["GET"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.response(200, AlertStatsSchema)
@_document_errors
def alert_stats() -> dict[str, Any]:
    """Alerts in the outbox by state, and the received / valid / processed figures of the inbound side."""
    alerts = _admin_alerts()
    inbound = _outbox_call(alerts.store.inbound_stats).to_dict() if alerts.receiver is not None else None
    return {"outbox": _outbox_call(alerts.store.counts), "inbound": inbound}


@blp.route("/inbound", methods=["POST"])
@blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@blp.doc(
    security=[],
    requestBody={
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "token": {"type": "string"},
                            "type": {"type": "string"},
                            "url": {"type": "string"},
                            "source": {"type": "string"},
                        },
                        "required": ["token", "type"],
                    },
                }
            }
        },
    },
    description=(
        "Alerts from a sender, in the shape of GitHub's secret-scanning partner program, signed: "
        "`DLP-Alert-Key-Identifier`, `DLP-Alert-Timestamp` and `DLP-Alert-Signature` (ECDSA P-256 or "
        "HMAC-SHA256 over the timestamp, '.', and the body). No API key: the signature authenticates."
    ),
)
@blp.response(200, InboundResultSchema)
@blp.alt_response(400, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Not JSON.")
@blp.alt_response(
    401,
    schema=ProblemSchema,
    content_type=PROBLEM_MEDIA_TYPE,
    description="Unsigned, unknown key id, bad signature or stale timestamp.",
)
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="No inbound configured.")
@blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Too many tokens.")
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="Not a list of tokens.")
def receive_alerts() -> dict[str, Any]:
    """Receive alerts about this issuer's tokens."""
    alerts = service_state().alerts
    if alerts is None or alerts.receiver is None:
        raise Problem(404, "alerts-inbound-not-configured", "This service receives no alerts (no 'inbound' rules).")
    receiver = alerts.receiver
    body = request.get_data(cache=False)
    try:
        result = _outbox_call(receiver.receive, request.headers, body)
    except InboundError as error:
        raise Problem(error.status, error.slug, str(error)) from None
    # The first attempt at once (an issuer revokes within seconds); failures wait for the worker.
    if result.new_valid:
        _outbox_call(receiver.process_due)
    answer: dict[str, Any] = result.to_dict()
    return answer


@keys_blp.route(WELL_KNOWN_KEYS_PATH, methods=["GET"])
@keys_blp.arguments(NoQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
@keys_blp.response(200, PublicKeysSchema)
@keys_blp.alt_response(
    404, schema=ProblemSchema, content_type=PROBLEM_MEDIA_TYPE, description="This service signs no alerts."
)
def public_keys() -> dict[str, Any]:
    """The ECDSA P-256 public keys alerts are signed with, each with its identifier."""
    alerts = service_state().alerts
    if alerts is None or alerts.ecdsa is None:
        raise Problem(404, "alerts-not-configured", "This service signs no alerts.")
    return alerts.public_keys_document()
