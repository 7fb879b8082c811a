"""Marshmallow schemas for policy files: the shape of every field, unknown keys refused.

What the shape cannot tell (SIT and bundle names, rules that can never fire) is left to
the linter, which needs the loaded definitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from service.policy.model import Action, ChannelKind, Direction
from service.policy.rules import CONFIDENCE_LEVELS, INCOMPLETE_ACTIONS, ChannelCondition, Policy, Rule

NAME = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", error="must be 1-64 letters, digits, _ . - (no spaces)")
NON_EMPTY = validate.Length(min=1)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ConfidenceField(fields.Field[int]):
    """A confidence as a number (1-100) or a level: low, medium, high (65, 75, 85)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and value.lower() in CONFIDENCE_LEVELS:
            return CONFIDENCE_LEVELS[value.lower()]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
            return value
        raise ValidationError("must be a number from 1 to 100 or one of low, medium, high")


def _words() -> fields.List[str]:
    return fields.List(fields.String(validate=NON_EMPTY), validate=NON_EMPTY)


class ChannelConditionSchema(StrictSchema):
    kinds = fields.List(fields.Enum(ChannelKind, by_value=True), validate=NON_EMPTY)
    directions = fields.List(fields.Enum(Direction, by_value=True), validate=NON_EMPTY)
    methods = _words()
    url_hosts = _words()
    content_types = _words()
    sender_domains = _words()
    recipient_domains = _words()

    @post_load
    def build(self, data: dict[str, Any], **kwargs: Any) -> ChannelCondition:
        def lowered(name: str) -> tuple[str, ...] | None:
            values = data.get(name)
            return None if values is None else tuple(v.strip().lower().rstrip(".") for v in values)

        return ChannelCondition(
            kinds=frozenset(data["kinds"]) if "kinds" in data else None,
            directions=frozenset(data["directions"]) if "directions" in data else None,
            methods=frozenset(m.strip().upper() for m in data["methods"]) if "methods" in data else None,
            url_hosts=lowered("url_hosts"),
            content_types=lowered("content_types"),
            sender_domains=lowered("sender_domains"),
            recipient_domains=lowered("recipient_domains"),
        )


class ExceptionsField(fields.Field[tuple[ChannelCondition, ...]]):
    """``unless``: one set of channel conditions, or a list of them (any one excuses)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[ChannelCondition, ...]:
        items = [value] if isinstance(value, Mapping) else value
        if not isinstance(items, list) or not items:
            raise ValidationError("must be a mapping of channel conditions or a non-empty list of them")
        conditions: list[ChannelCondition] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(items):
            try:
                conditions.append(ChannelConditionSchema().load(item))
            except ValidationError as error:
                errors[index] = error.messages
        if errors:
            raise ValidationError(errors[0] if isinstance(value, Mapping) else errors)
        return tuple(conditions)


class RuleSchema(StrictSchema):
    name = fields.String(required=True, validate=NAME)
    action = fields.Enum(Action, by_value=True, required=True)
    sits = fields.List(fields.String(validate=NON_EMPTY), validate=NON_EMPTY)
    min_confidence = ConfidenceField()
    min_count = fields.Integer(load_default=1, validate=validate.Range(min=0))
    max_count = fields.Integer(validate=validate.Range(min=0))
    min_unique = fields.Integer(load_default=1, validate=validate.Range(min=0))
    where = fields.Nested(ChannelConditionSchema)
    unless = ExceptionsField()
    on_incomplete = fields.Enum(Action, by_value=True)

    @validates_schema
    def check_on_incomplete(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("on_incomplete") not in (None, *INCOMPLETE_ACTIONS):
            raise ValidationError("must be one of allow, audit, block", "on_incomplete")

    @post_load
    def build(self, data: dict[str, Any], **kwargs: Any) -> Rule:
        return Rule(
            name=data["name"],
            action=data["action"],
            sits=tuple(s.strip() for s in data.get("sits", ())),
            min_confidence=data.get("min_confidence"),
            min_count=data["min_count"],
            max_count=data.get("max_count"),
            min_unique=data["min_unique"],
            where=data.get("where", ChannelCondition()),
            unless=data.get("unless", ()),
            on_incomplete=data.get("on_incomplete"),
        )


class PolicySchema(StrictSchema):
    name = fields.String(required=True, validate=NAME)
    description = fields.String(load_default="")
    rules = fields.List(fields.Nested(RuleSchema), required=True)

    @validates_schema
    def unique_rule_names(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[str] = set()
        for rule in data.get("rules", ()):
            if rule.name in seen:
                raise ValidationError(f"rule name {rule.name!r} is used twice", "rules")
            seen.add(rule.name)

    @post_load
    def build(self, data: dict[str, Any], **kwargs: Any) -> Policy:
        return Policy(name=data["name"], rules=tuple(data["rules"]), description=data["description"])
