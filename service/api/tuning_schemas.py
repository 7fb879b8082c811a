"""Schemas of ``POST /v1/sits/test`` (a draft definition and samples in, what it finds and why out) and
``POST /v1/sits/convert`` (a draft or a loaded SIT in, the same as YAML or Purview XML out)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.api.schemas import CONFIDENCE, RejectionSchema, ReportSchema, SitRefSchema, StrictSchema

FORMATS = ["yaml", "json", "purview"]
TARGET_FORMATS = ["yaml", "purview"]


class DraftField(fields.Field[object]):
    """The draft as text (YAML, JSON or Purview XML), or as a parsed JSON object or list."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> object:
        if isinstance(value, (str, dict, list)) and value:
            return value
        raise ValidationError("A definition as text (YAML, JSON or Purview XML), or as a JSON object or list.")


class SampleSchema(StrictSchema):
    name = fields.String(load_default=None, validate=validate.Length(min=1, max=512))
    text = fields.String(required=True)


class SampleField(fields.Field[object]):
    """A sample: a plain string, or an object with ``text`` and an optional ``name``."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> object:
        if isinstance(value, str):
            return {"name": None, "text": value}
        if isinstance(value, dict):
            return SampleSchema().load(value)
        raise ValidationError("A sample is a string or an object with 'text'.")


class DraftOptionsSchema(StrictSchema):
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={"description": "The draft's format; by default XML is recognised by its first tag, else YAML/JSON."},
    )
    min_confidence = fields.Integer(
        validate=CONFIDENCE, metadata={"description": "Report matches at or above this confidence (1-100)."}
    )
    reveal = fields.Boolean(metadata={"description": "Show values unmasked, if allowed (default false)."})


class DraftJsonSchema(DraftOptionsSchema):
    definition = DraftField(required=True, metadata={"description": "The draft definition(s)."})
    samples = fields.List(
        SampleField(),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Texts to try the draft on: strings or {name, text} objects."},
    )


class LintFindingSchema(Schema):
    severity = fields.String(required=True)
    source = fields.String(required=True)
    sit = fields.String(required=True)
    path = fields.String(required=True)
    message = fields.String(required=True)
    code = fields.String(required=True)
    timed_out = fields.Boolean(metadata={"description": "A check that runs the definition reached its time limit."})


class ExampleOutcomeSchema(Schema):
    sit = fields.Nested(SitRefSchema, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["match", "no_match"]))
    index = fields.Integer(required=True)
    passed = fields.Boolean(required=True)
    detail = fields.String(required=True)


class SampleOutcomeSchema(ReportSchema):
    name = fields.String(required=True)
    error = fields.String(metadata={"description": "Only when the sample could not be read."})
    not_matched = fields.List(
        fields.Nested(RejectionSchema),
        metadata={"description": "Every candidate that did not become a match, and why."},
    )
    not_matched_truncated = fields.Boolean()


class DraftTrialSchema(Schema):
    passed = fields.Boolean(required=True, metadata={"description": "No lint error and every example as expected."})
    definitions = fields.List(fields.Nested(SitRefSchema), required=True)
    definitions_version = fields.String(required=True)
    import_notes = fields.List(
        fields.String(), required=True, metadata={"description": "Purview XML: what was translated or left out."}
    )
    lint = fields.List(fields.Nested(LintFindingSchema), required=True)
    examples = fields.List(fields.Nested(ExampleOutcomeSchema), required=True)
    samples = fields.List(fields.Nested(SampleOutcomeSchema), required=True)
    elapsed_ms = fields.Float(required=True)


class ConvertJsonSchema(StrictSchema):
    definition = fields.String(
        validate=validate.Length(min=1), metadata={"description": "A draft as YAML, JSON or Purview XML text."}
    )
    sit = fields.String(
        validate=validate.Length(min=1, max=512),
        metadata={"description": "Instead of a draft: the id or name of a loaded SIT, to start a draft from."},
    )
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={"description": "The draft's format; by default XML is recognised by its first tag, else YAML/JSON."},
    )
    to = fields.String(
        required=True,
        validate=validate.OneOf(TARGET_FORMATS),
        metadata={"description": "`yaml` (our definition format) or `purview` (a rule package)."},
    )

    @validates_schema
    def one_source(self, data: dict[str, object], **_: object) -> None:
        if ("definition" in data) == ("sit" in data):
            raise ValidationError("Give either 'definition' or 'sit'.", "definition")
        if "sit" in data and "format" in data:
            raise ValidationError("'format' describes a 'definition'; a loaded SIT has none.", "format")


class ConversionSchema(Schema):
    format = fields.String(required=True, metadata={"description": "The format of `text`: `yaml` or `purview`."})
    text = fields.String(required=True, metadata={"description": "The definitions, ready to save or to edit."})
    definitions = fields.List(fields.Nested(SitRefSchema), required=True)
    notes = fields.List(
        fields.String(), required=True, metadata={"description": "What the conversion translated or left out."}
    )
