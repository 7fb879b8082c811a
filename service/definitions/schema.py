"""Marshmallow schemas for SIT definition files.

Loading is two steps: the schemas check the shape of every field (unknown keys are
errors), then ``check_semantics`` checks what the shape cannot: references between
elements and patterns, regex syntax, validator and function names and parameters.
Both steps collect every problem with its field path instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from service.definitions.model import (
    DEFAULT_PROXIMITY,
    AdditionalChecks,
    AnyRequirement,
    Examples,
    FunctionElement,
    KeywordElement,
    KeywordStyle,
    MatchExample,
    MatchRequirement,
    NoMatchExample,
    Normalization,
    Pattern,
    RegexElement,
    Requirement,
    SitDefinition,
    ValidatorRef,
    frozen_mapping,
)

CONFIDENCE_RANGE = validate.Range(min=1, max=100)
NON_EMPTY = validate.Length(min=1)
ELEMENT_NAME = validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_.-]*$", error="must be a name of letters, digits, _ . -")
MAX_REQUIREMENT_DEPTH = 8


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ValidatorRefField(fields.Field[ValidatorRef]):
    """``luhn`` or ``{name: weighted_checksum, params: {...}, group: secret}``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> ValidatorRef:
        if isinstance(value, str) and value:
            return ValidatorRef(name=value)
        if not isinstance(value, Mapping):
            raise ValidationError("must be a validator name or a mapping with 'name'")
        unknown = set(value) - {"name", "params", "group"}
        errors: dict[str, list[str]] = {key: ["unknown field"] for key in sorted(unknown)}
        name = value.get("name")
        if not isinstance(name, str) or not name:
            errors["name"] = ["a validator name is required"]
        params = value.get("params", {})
        if not isinstance(params, Mapping):
            errors["params"] = ["must be a mapping"]
        group = value.get("group")
        if group is not None and not isinstance(group, str):
            errors["group"] = ["must be a group name"]
        if errors:
            raise ValidationError(errors)
        return ValidatorRef(name=str(name), params=frozen_mapping(params), group=group)


class RequirementField(fields.Field[Requirement]):
    """Supporting evidence: ``{match: el}``, ``{any: {min, max, of}}``, ``{all: [...]}``.

    A bare element name inside ``of``/``all`` is short for ``{match: name}``, and a list
    is short for ``all``. Nesting is allowed, as in Purview's ``Any``.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Requirement:
        return parse_requirement(value, depth=0)


def parse_requirement(value: Any, depth: int) -> Requirement:
    if depth > MAX_REQUIREMENT_DEPTH:
        raise ValidationError(f"requirements nest deeper than {MAX_REQUIREMENT_DEPTH} levels")
    if isinstance(value, str):
        return MatchRequirement(value)
    if isinstance(value, list):
        children = _parse_children(value, depth)
        return AnyRequirement(of=children, min=len(children))
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValidationError("must be one of {match: element}, {any: {...}}, {all: [...]}")
    ((kind, body),) = value.items()
    if kind == "match":
        if not isinstance(body, str) or not body:
            raise ValidationError({"match": ["must be an element name"]})
        return MatchRequirement(body)
    if kind == "all":
        if not isinstance(body, list) or not body:
            raise ValidationError({"all": ["must be a non-empty list of requirements"]})
        try:
            children = _parse_children(body, depth)
        except ValidationError as error:
            raise ValidationError({"all": error.messages}) from None
        return AnyRequirement(of=children, min=len(children))
    if kind == "any":
        try:
            return _parse_any(body, depth)
        except ValidationError as error:
            raise ValidationError({"any": error.messages}) from None
    raise ValidationError({kind: ["unknown requirement; use match, any or all"]})


def _parse_children(items: list[Any], depth: int) -> tuple[Requirement, ...]:
    children: list[Requirement] = []
    errors: dict[int, Any] = {}
    for index, item in enumerate(items):
        try:
            children.append(parse_requirement(item, depth + 1))
        except ValidationError as error:
            errors[index] = error.messages
    if errors:
        raise ValidationError(errors)
    return tuple(children)


def _parse_any(body: Any, depth: int) -> AnyRequirement:
    if not isinstance(body, Mapping):
        raise ValidationError("must be a mapping with 'of' and optional 'min'/'max'")
    errors: dict[str, Any] = {key: ["unknown field"] for key in sorted(set(body) - {"of", "min", "max"})}
    of = body.get("of")
    children: tuple[Requirement, ...] = ()
    if not isinstance(of, list) or not of:
        errors["of"] = ["must be a non-empty list of requirements"]
    else:
        try:
            children = _parse_children(of, depth)
        except ValidationError as error:
            errors["of"] = error.messages
    maximum = body.get("max")
    if maximum is not None and (not isinstance(maximum, int) or isinstance(maximum, bool) or maximum < 0):
        errors["max"] = ["must be a whole number ≥ 0"]
    # With max 0 the requirement only excludes, so it holds when nothing is found.
    minimum = body.get("min", 0 if maximum == 0 else 1)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0:
        errors["min"] = ["must be a whole number ≥ 0"]
    elif isinstance(of, list) and minimum > len(of):
        errors["min"] = [f"is {minimum} but only {len(of)} requirements are listed"]
    elif isinstance(maximum, int) and maximum < minimum:
        errors["max"] = [f"is {maximum}, below min {minimum}"]
    if errors:
        raise ValidationError(errors)
    return AnyRequirement(of=children, min=minimum, max=maximum)


class ChecksSchema(StrictSchema):
    exclude_values = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    exclude_repeated_characters = fields.Boolean(load_default=False)
    starts_with = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    not_starts_with = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    ends_with = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    not_ends_with = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    required_prefixes = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    forbidden_prefixes = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    required_suffixes = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    forbidden_suffixes = fields.List(fields.String(validate=NON_EMPTY), load_default=list)

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> AdditionalChecks:
        return AdditionalChecks(
            exclude_values=frozenset(value.casefold() for value in data["exclude_values"]),
            exclude_repeated_characters=data["exclude_repeated_characters"],
            **{
                key: tuple(value)
                for key, value in data.items()
                if key not in {"exclude_values", "exclude_repeated_characters"}
            },
        )


class KeywordListSchema(StrictSchema):
    terms = fields.List(fields.String(validate=NON_EMPTY), required=True, validate=NON_EMPTY)
    style = fields.Enum(KeywordStyle, by_value=True, load_default=KeywordStyle.WORD)
    case_sensitive = fields.Boolean(load_default=False)


class ElementSchema(StrictSchema):
    """Exactly one of ``regex``, ``keywords`` or ``function``, with the options of that kind."""

    regex = fields.String(validate=NON_EMPTY)
    case_sensitive = fields.Boolean()
    validators = fields.List(ValidatorRefField())
    checks = fields.Nested(ChecksSchema)
    value_group = fields.String(validate=NON_EMPTY)
    normalize = fields.Enum(Normalization, by_value=True)
    keywords = fields.Nested(KeywordListSchema)
    function = fields.String(validate=NON_EMPTY)
    params = fields.Dict(keys=fields.String())

    REGEX_OPTIONS = frozenset({"case_sensitive", "validators", "checks", "value_group", "normalize"})
    FUNCTION_OPTIONS = frozenset({"params", "normalize"})

    @validates_schema
    def exactly_one_kind(self, data: dict[str, Any], **_: Any) -> None:
        kinds = [kind for kind in ("regex", "keywords", "function") if kind in data]
        if len(kinds) != 1:
            raise ValidationError("an element needs exactly one of 'regex', 'keywords' or 'function'")
        allowed = {"regex": self.REGEX_OPTIONS, "keywords": frozenset(), "function": self.FUNCTION_OPTIONS}[kinds[0]]
        misplaced = sorted(set(data) - allowed - {kinds[0]})
        if misplaced:
            raise ValidationError({key: [f"does not apply to a {kinds[0]} element"] for key in misplaced})


class PatternSchema(StrictSchema):
    confidence = fields.Integer(required=True, strict=True, validate=CONFIDENCE_RANGE)
    primary = fields.String(required=True, validate=NON_EMPTY)
    supporting = RequirementField()
    name = fields.String()
    proximity = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))


class MatchExampleSchema(StrictSchema):
    text = fields.String(required=True, validate=NON_EMPTY)
    confidence = fields.Integer(strict=True, validate=CONFIDENCE_RANGE)
    value = fields.String(validate=NON_EMPTY)


class NoMatchExampleField(fields.Field[NoMatchExample]):
    """A no-match example is a text, or ``{text: ..., why: ...}``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> NoMatchExample:
        if isinstance(value, str) and value:
            return NoMatchExample(text=value)
        if isinstance(value, Mapping) and set(value) <= {"text", "why"} and isinstance(value.get("text"), str):
            return NoMatchExample(text=value["text"], why=str(value.get("why", "")))
        raise ValidationError("must be a text or a mapping {text, why}")


class ExamplesSchema(StrictSchema):
    match = fields.List(fields.Nested(MatchExampleSchema), load_default=list)
    no_match = fields.List(NoMatchExampleField(), load_default=list)


class SitSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True, validate=NON_EMPTY)
    description = fields.String(required=True, validate=NON_EMPTY)
    category = fields.String(required=True, validate=NON_EMPTY)
    bundles = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    checksum = fields.Boolean(required=True)
    proximity = fields.Integer(strict=True, load_default=DEFAULT_PROXIMITY, validate=validate.Range(min=0, max=100_000))
    recommended_confidence = fields.Integer(required=True, strict=True, validate=CONFIDENCE_RANGE)
    references = fields.List(fields.String(validate=NON_EMPTY), load_default=list)
    elements = fields.Dict(
        keys=fields.String(validate=ELEMENT_NAME),
        values=fields.Nested(ElementSchema),
        required=True,
        validate=NON_EMPTY,
    )
    patterns = fields.List(fields.Nested(PatternSchema), required=True, validate=NON_EMPTY)
    examples = fields.Nested(ExamplesSchema, load_default=dict)


def build_definition(data: Mapping[str, Any], source: str) -> SitDefinition:
    """Turn schema-checked data into the frozen model."""
    elements = {name: _build_element(name, raw) for name, raw in data["elements"].items()}
    patterns = tuple(
        Pattern(
            confidence=raw["confidence"],
            primary=raw["primary"],
            supporting=raw.get("supporting"),
            name=raw.get("name") or f"{raw['primary']}@{raw['confidence']}",
            proximity=raw.get("proximity"),
        )
        for raw in data["patterns"]
    )
    examples_raw = data["examples"] if isinstance(data["examples"], Mapping) else {}
    examples = Examples(
        match=tuple(MatchExample(**raw) for raw in examples_raw.get("match", [])),
        no_match=tuple(examples_raw.get("no_match", [])),
    )
    return SitDefinition(
        id=str(data["id"]),
        name=data["name"],
        description=data["description"],
        category=data["category"],
        bundles=tuple(data["bundles"]),
        checksum=data["checksum"],
        proximity=data["proximity"],
        recommended_confidence=data["recommended_confidence"],
        references=tuple(data["references"]),
        elements=frozen_mapping(elements),
        patterns=patterns,
        examples=examples,
        source=source,
    )


def _build_element(name: str, raw: Mapping[str, Any]) -> RegexElement | KeywordElement | FunctionElement:
    if "regex" in raw:
        return RegexElement(
            name=name,
            pattern=raw["regex"],
            case_sensitive=raw.get("case_sensitive", True),
            validators=tuple(raw.get("validators", ())),
            checks=raw.get("checks") or AdditionalChecks(),
            value_group=raw.get("value_group"),
            normalize=raw.get("normalize", Normalization.NONE),
        )
    if "keywords" in raw:
        keywords = raw["keywords"]
        return KeywordElement(
            name=name,
            terms=tuple(keywords["terms"]),
            style=keywords["style"],
            case_sensitive=keywords["case_sensitive"],
        )
    return FunctionElement(
        name=name,
        function=raw["function"],
        params=frozen_mapping(raw.get("params")),
        normalize=raw.get("normalize", Normalization.NONE),
    )
