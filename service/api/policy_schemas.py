"""Marshmallow schemas of ``/v1/evaluate`` and ``/v1/policies``: the channel a document is
evaluated for, the verdict and the policies loaded."""

from __future__ import annotations

from marshmallow import fields, validate

from service.api.schemas import SitRefSchema, StrictSchema
from service.policy.model import Action, ChannelKind, Direction

SHORT = validate.Length(min=1, max=320)  # the longest mail address RFC 5321 allows
MAX_RECIPIENTS = 1000
# Answers hold actions as their plain values (the verdict's JSON form), documented as an enum.
ACTIONS = validate.OneOf([str(action) for action in Action])


class ChannelFieldsSchema(StrictSchema):
    """The policy and the channel to evaluate for; every field is optional."""

    policy = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Default: DLP_POLICY."})
    kind = fields.Enum(
        ChannelKind, by_value=True, metadata={"description": "Channel kind the policy sees (default api)."}
    )
    direction = fields.Enum(Direction, by_value=True)
    method = fields.String(validate=validate.Length(min=1, max=16), metadata={"description": "HTTP method."})
    url_host = fields.String(validate=SHORT, metadata={"description": "Host of the URL the document goes to."})
    content_type = fields.String(validate=SHORT)
    sender = fields.String(validate=SHORT, metadata={"description": "Mail envelope sender."})
    recipients = fields.List(
        fields.String(validate=SHORT),
        validate=validate.Length(max=MAX_RECIPIENTS),
        metadata={"description": "Mail envelope recipients."},
    )


class EvaluateJsonSchema(ChannelFieldsSchema):
    text = fields.String(required=True, metadata={"description": "The text to evaluate."})
    name = fields.String(load_default="text", validate=validate.Length(min=1, max=512))


class EvaluateQuerySchema(ChannelFieldsSchema):
    """The same fields as query parameters; ``recipients`` is comma-separated."""

    recipients = fields.String(metadata={"description": "Comma-separated mail recipients."})  # type: ignore[assignment]


class FindingSchema(StrictSchema):
    sit = fields.Nested(SitRefSchema, required=True)
    confidence = fields.Integer(required=True)
    count = fields.Integer(required=True, metadata={"description": "Matches at the rule's confidence."})
    unique_count = fields.Integer(required=True)
    fingerprints = fields.List(
        fields.String(), required=True, metadata={"description": "Keyed hashes of the values (never the values)."}
    )


class RuleHitSchema(StrictSchema):
    rule = fields.String(required=True)
    action = fields.String(required=True, validate=ACTIONS)
    reason = fields.String(required=True)
    findings = fields.List(fields.Nested(FindingSchema), required=True)


class VerdictSchema(StrictSchema):
    action = fields.String(
        required=True, validate=ACTIONS, metadata={"description": "The strictest action of the rules that fired."}
    )
    policy = fields.String(required=True)
    complete = fields.Boolean(required=True)
    incomplete = fields.List(fields.String(), required=True, metadata={"description": "Why, when not complete."})
    rules = fields.List(fields.Nested(RuleHitSchema), required=True)
    definitions_version = fields.String(required=True)
    elapsed_ms = fields.Float(required=True)
    version = fields.String(required=True, metadata={"description": "Of the definitions and policies together."})


class PolicySummarySchema(StrictSchema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    rules = fields.List(fields.String(), required=True)
    default = fields.Boolean(required=True, metadata={"description": "Used when a request names no policy."})
