"""Credential tables: many "a value of a known shape near the vendor's name" SITs in one file.

Most vendor secrets are a value of a fixed alphabet and length, sometimes behind a fixed
prefix, that means something only next to the vendor's name. Writing each as a full
definition repeats the same elements and patterns a hundred times, so a table file gives
one row per SIT and this module expands every row into the ordinary definition document
the SIT schema checks. The expanded SITs are indistinguishable from hand-written ones:
same model, catalogue, explanations and examples.

A file is a table when its top level has ``rows``. Rows are checked with marshmallow
first; a problem names the table file and the row (``tables/ai.yaml: rows[3] (OpenAI
API key): length: ...``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from service.definitions.errors import Problem, flatten_messages
from service.definitions.schema import CONFIDENCE_RANGE, NON_EMPTY, MatchExampleSchema, NoMatchExampleField

# The alphabet of each charset, as a regex class, and the characters that must not touch
# the value on either side (so a longer run of the same alphabet is not cut into a match).
CHARSETS: Mapping[str, str] = {
    "hex": "0-9a-f",
    "hex_upper": "0-9A-F",
    "hex_any": "0-9a-fA-F",
    "digits": "0-9",
    "alnum": "A-Za-z0-9",
    "alnum_lower": "a-z0-9",
    "alnum_upper": "A-Z0-9",
    "base64": "A-Za-z0-9+/",
    "base64url": "A-Za-z0-9_-",
    "token": "A-Za-z0-9_-",
}
BOUNDARY = "A-Za-z0-9_-"
BASE64_BOUNDARY = "A-Za-z0-9_+/-"
UUID_SHAPE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Random values of these alphabets have entropy to spare; values that do not are words,
# identifiers or sequences that happen to fit the shape.
MIN_ENTROPY = 3.0
MAX_LENGTH = 512


class _StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class LengthField(fields.Field[tuple[int, ...]]):
    """A length, or a list of the lengths a value may have."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[int, ...]:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_LENGTH for i in items):
            raise ValidationError(f"must be a length or a list of lengths, 1 to {MAX_LENGTH}")
        return tuple(sorted(set(items)))


class RowExamplesMixin(_StrictSchema):
    match = fields.List(fields.Nested(MatchExampleSchema), required=True, validate=validate.Length(min=3))
    no_match = fields.List(NoMatchExampleField(), required=True, validate=validate.Length(min=3))


class RowSchema(RowExamplesMixin):
    name = fields.String(required=True, validate=NON_EMPTY)
    id = fields.UUID(required=True)
    description = fields.String(required=True, validate=NON_EMPTY)
    keywords = fields.List(fields.String(validate=NON_EMPTY), required=True, validate=NON_EMPTY)
    charset = fields.String(validate=validate.OneOf([*CHARSETS, "uuid"]))
    length = LengthField()
    regex = fields.String(validate=NON_EMPTY)
    prefix = fields.String(validate=NON_EMPTY)
    suffix = fields.String(validate=NON_EMPTY)
    # A value with a distinctive prefix or structure proves itself; otherwise the vendor's
    # name must be near it, and that is the only way it is reported.
    self_identifying = fields.Boolean(load_default=False)
    case_sensitive = fields.Boolean(load_default=True)
    validators = fields.List(fields.Raw(), load_default=list)
    proximity = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000))
    confidence = fields.Integer(strict=True, validate=CONFIDENCE_RANGE, load_default=85)
    references = fields.List(fields.String(validate=NON_EMPTY), required=True, validate=NON_EMPTY)
    bundles = fields.List(fields.String(validate=NON_EMPTY), load_default=list)

    @validates_schema
    def one_shape(self, data: dict[str, Any], **_: Any) -> None:
        if "regex" in data:
            clash = sorted({"charset", "length"} & set(data))
            if clash:
                raise ValidationError({key: ["give either regex or charset and length"] for key in clash})
            try:
                re.compile(data["regex"])
            except re.error as error:
                raise ValidationError({"regex": [f"does not compile: {error}"]}) from None
            return
        if "charset" not in data:
            raise ValidationError({"charset": ["a row needs a regex or a charset"]})
        if data["charset"] != "uuid" and "length" not in data:
            raise ValidationError({"length": ["a charset needs a length"]})
        if data["charset"] == "uuid" and "length" in data:
            raise ValidationError({"length": ["a UUID has its own length"]})
        if data.get("self_identifying") and "prefix" not in data and "suffix" not in data:
            raise ValidationError({"self_identifying": ["only a value with a fixed prefix or suffix, or a regex"]})


class TableDefaultsSchema(_StrictSchema):
    category = fields.String(required=True, validate=NON_EMPTY)
    bundles = fields.List(fields.String(validate=NON_EMPTY), required=True, validate=NON_EMPTY)
    proximity = fields.Integer(strict=True, load_default=120, validate=validate.Range(min=1, max=10_000))


class TableSchema(_StrictSchema):
    table = fields.Nested(TableDefaultsSchema, required=True)
    rows = fields.List(fields.Raw(), required=True, validate=NON_EMPTY)


# One schema per thread, reused: building nested schemas anew for every row is slow.
_schemas = threading.local()


def _row_schema() -> RowSchema:
    schema: RowSchema | None = getattr(_schemas, "row", None)
    if schema is None:
        schema = _schemas.row = RowSchema()
    return schema


def is_table(raw: Any) -> bool:
    return isinstance(raw, Mapping) and "rows" in raw


def expand_table(raw: Mapping[str, Any], source: str) -> tuple[list[tuple[dict[str, Any], str]], list[Problem]]:
    """Each valid row as ``(definition document, source label)``, and the problems of the others."""
    try:
        table = TableSchema().load(dict(raw))
    except ValidationError as error:
        return [], [Problem(source, path, message) for path, message in flatten_messages(error.messages)]
    documents: list[tuple[dict[str, Any], str]] = []
    problems: list[Problem] = []
    for index, row in enumerate(table["rows"]):
        label = _row_label(source, index, row)
        if not isinstance(row, Mapping):
            problems.append(Problem(label, "", "a row must be a mapping of fields"))
            continue
        try:
            data = _row_schema().load(dict(row))
        except ValidationError as error:
            problems.extend(Problem(label, path, message) for path, message in flatten_messages(error.messages))
            continue
        documents.append((row_definition(data, table["table"], dict(row)), label))
    return documents, problems


def _row_label(source: str, index: int, row: Any) -> str:
    name = row.get("name") if isinstance(row, Mapping) else None
    return f"{source}: rows[{index}] ({name})" if isinstance(name, str) and name else f"{source}: rows[{index}]"


def value_regex(data: Mapping[str, Any]) -> str:
    """The regex of the whole value, bounded so it is not a slice of a longer token."""
    if "regex" in data:
        body = data["regex"]
        boundary = BASE64_BOUNDARY
    elif data["charset"] == "uuid":
        body = UUID_SHAPE
        boundary = BOUNDARY
    else:
        alphabet = CHARSETS[data["charset"]]
        lengths = data["length"]
        if len(lengths) == 1:
            body = f"[{alphabet}]{{{lengths[0]}}}"
        elif list(lengths) == list(range(lengths[0], lengths[-1] + 1)):
            body = f"[{alphabet}]{{{lengths[0]},{lengths[-1]}}}"
        else:
            body = "(?:" + "|".join(f"[{alphabet}]{{{n}}}" for n in reversed(lengths)) + ")"
        boundary = BASE64_BOUNDARY if data["charset"] == "base64" else BOUNDARY
    prefix = re.escape(data.get("prefix", ""))
    suffix = re.escape(data.get("suffix", ""))
    padding = "={0,2}" if data.get("charset") == "base64" else ""
    return f"(?<![{boundary}]){prefix}{body}{padding}{suffix}(?![={boundary}])"


def _validators(data: Mapping[str, Any]) -> list[Any]:
    validators: list[Any] = ["not_placeholder"]
    # Only a bare shape needs entropy to tell it from words; a prefixed value already says
    # what it is, and a short digit string has too little entropy to measure.
    if not data["self_identifying"] and data.get("charset") not in {"digits", "uuid", None}:
        validators.append({"name": "looks_random", "params": {"min_entropy": MIN_ENTROPY}})
    return [*validators, *data["validators"]]


def row_definition(data: Mapping[str, Any], defaults: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The definition document a row stands for (checked afterwards by the SIT schema)."""
    keywords = {"keywords": {"terms": list(data["keywords"]), "style": "word"}}
    secret = {"regex": value_regex(data), "case_sensitive": data["case_sensitive"], "validators": _validators(data)}
    confidence = data["confidence"]
    if data["self_identifying"]:
        patterns: list[dict[str, Any]] = [
            {
                "name": "value in its vendor's context",
                "confidence": min(confidence + 10, 100),
                "primary": "secret",
                "supporting": {"match": "kw_vendor"},
            },
            {"name": "value by its format", "confidence": confidence, "primary": "secret"},
        ]
    else:
        patterns = [
            {
                "name": "value near its vendor's name",
                "confidence": confidence,
                "primary": "secret",
                "supporting": {"match": "kw_vendor"},
            },
        ]
    return {
        "id": raw["id"],
        "name": data["name"],
        "description": data["description"],
        "category": defaults["category"],
        "bundles": list(dict.fromkeys([*defaults["bundles"], *data["bundles"]])),
        "checksum": data["self_identifying"],
        "proximity": data.get("proximity", defaults["proximity"]),
        "recommended_confidence": confidence,
        "references": list(data["references"]),
        "elements": {"secret": secret, "kw_vendor": keywords},
        "patterns": patterns,
        "examples": {"match": list(raw["match"]), "no_match": list(raw["no_match"])},
    }
