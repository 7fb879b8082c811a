"""Marshmallow schemas of the REST API: they validate requests and generate the OpenAPI document."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

CONFIDENCE = validate.Range(min=1, max=100)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class ClassifyOptionsSchema(StrictSchema):
    """Options shared by every way of posting a document (JSON body, form fields or query string)."""

    min_confidence = fields.Integer(
        validate=CONFIDENCE, metadata={"description": "Report matches at or above this confidence (1-100)."}
    )
    sits = fields.List(
        fields.String(validate=validate.Length(min=1)),
        metadata={"description": "Restrict to these SIT ids, names or bundle names."},
    )
    # No load_default: an option the client did not give must not override one it gave elsewhere.
    reveal = fields.Boolean(metadata={"description": "Show values unmasked, if allowed (default false)."})
    context = fields.Integer(
        validate=validate.Range(min=0, max=2000),
        metadata={"description": "Characters of context on each side of a match in summaries."},
    )
    explain = fields.Boolean(metadata={"description": "Also return candidates that did not match (default false)."})


class ClassifyJsonSchema(ClassifyOptionsSchema):
    text = fields.String(required=True, metadata={"description": "The text to classify."})
    name = fields.String(load_default="text", validate=validate.Length(min=1, max=512))


class ClassifyQuerySchema(ClassifyOptionsSchema):
    """The same options as query parameters (for raw and multipart bodies); ``sits`` is comma-separated."""

    sits = fields.String(metadata={"description": "Comma-separated SIT ids, names or bundle names."})  # type: ignore[assignment]


class SitRefSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class HighlightSchema(Schema):
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["match", "keyword", "masked"]))


class SummarySchema(Schema):
    text = fields.String(required=True)
    highlights = fields.List(fields.Nested(HighlightSchema), required=True)


class EvidenceSchema(Schema):
    element = fields.String(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    text = fields.String(required=True)


class MatchSchema(Schema):
    part = fields.String(required=True)
    start = fields.Integer(required=True, metadata={"description": "Code-point offset into the part's text."})
    end = fields.Integer(required=True)
    confidence = fields.Integer(required=True)
    pattern = fields.String(required=True)
    value = fields.String(required=True, metadata={"description": "Masked unless revealed."})
    fingerprint = fields.String(metadata={"description": "Keyed hash of the value, stable across documents."})
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)
    summary = fields.Nested(SummarySchema, required=True)


class ResultSchema(Schema):
    sit = fields.Nested(SitRefSchema, required=True)
    confidence = fields.Integer(required=True)
    count = fields.Integer(required=True)
    unique_count = fields.Integer(required=True)
    matches = fields.List(fields.Nested(MatchSchema), required=True)
    truncated = fields.Boolean(
        required=True,
        metadata={"description": "True when fewer matches are listed than were found; the counts stay exact."},
    )


class PartErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class PartSchema(Schema):
    name = fields.String(required=True)
    media_type = fields.String(required=True)
    chars = fields.Integer(required=True)
    size = fields.Integer()
    error = fields.Nested(PartErrorSchema)


class StatsSchema(Schema):
    parts = fields.Integer(required=True)
    chars = fields.Integer(required=True)
    bytes = fields.Integer(required=True)
    sits_scanned = fields.Integer(required=True)
    elapsed_ms = fields.Float(required=True)
    engine_timeouts = fields.Integer(required=True)
    incomplete_sits = fields.Integer(required=True)
    matches_found = fields.Integer(required=True)
    matches_returned = fields.Integer(required=True)


class MissSchema(Schema):
    element = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["absent", "too_far", "excluded", "too_many"]))
    distance = fields.Integer(metadata={"description": "too_far: characters to the nearest occurrence."})
    proximity = fields.Integer(metadata={"description": "too_far: the window it had to be in."})


class PatternMissSchema(Schema):
    pattern = fields.String(required=True)
    confidence = fields.Integer(required=True)
    missing = fields.List(fields.Nested(MissSchema), required=True)


class RejectionSchema(Schema):
    sit = fields.Nested(SitRefSchema, required=True)
    part = fields.String(required=True)
    element = fields.String(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    value = fields.String(required=True)
    stage = fields.String(
        required=True,
        validate=validate.OneOf(["check", "placeholder", "validator", "pattern", "overlap", "confidence"]),
        metadata={
            "description": "check: an additional check or filter; placeholder: a mock-up, redaction or sample "
            "value; validator: a checksum or structure validator; pattern: no pattern held; overlap: a better "
            "match of the SIT overlaps; confidence: below the minimum confidence."
        },
    )
    reason = fields.String(required=True)
    validator = fields.String(metadata={"description": "placeholder, validator: the validator that failed."})
    patterns = fields.List(
        fields.Nested(PatternMissSchema),
        metadata={"description": "pattern, confidence: the patterns that did not hold, and what each missed."},
    )
    confidence = fields.Integer(metadata={"description": "confidence: the match's confidence."})
    threshold = fields.Integer(metadata={"description": "confidence: the minimum it did not reach."})


class IncompleteSitSchema(Schema):
    sit = fields.Nested(SitRefSchema, required=True)
    part = fields.String(required=True)
    reason = fields.String(required=True)
    message = fields.String(required=True)


DEFINITIONS_VERSION = {
    "description": "The version (a content hash) of the definitions loaded: equal sets have equal versions."
}


class ReportSchema(Schema):
    definitions_version = fields.String(
        required=True,
        metadata={"description": "The version (a content hash) of the definitions that produced this answer."},
    )
    results = fields.List(fields.Nested(ResultSchema), required=True)
    parts = fields.List(fields.Nested(PartSchema), required=True)
    complete = fields.Boolean(
        required=True,
        metadata={
            "description": "False when a part has an error or a SIT is incomplete: nothing can be said about what "
            "was not read. A gateway must treat false as a failure (block or hold), never as clean."
        },
    )
    incomplete = fields.List(
        fields.Nested(IncompleteSitSchema),
        required=True,
        metadata={"description": "SITs that ran out of time in a part; the other SITs answered for it."},
    )
    truncated = fields.Boolean(required=True, metadata={"description": "True when some result lists fewer matches."})
    stats = fields.Nested(StatsSchema, required=True)
    trace = fields.List(fields.Nested(RejectionSchema), metadata={"description": "Only with explain."})
    trace_truncated = fields.Boolean(metadata={"description": "Only with explain: the trace was cut."})


class NoQuerySchema(StrictSchema):
    """For routes without query parameters: any parameter is refused rather than ignored."""


class SitQuerySchema(StrictSchema):
    category = fields.String()
    bundle = fields.String()


class PatternInfoSchema(Schema):
    name = fields.String(required=True)
    confidence = fields.Integer(required=True)
    primary = fields.String(required=True)


class SitSummarySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.String(required=True)
    bundles = fields.List(fields.String(), required=True)
    checksum = fields.Boolean(required=True)
    recommended_confidence = fields.Integer(required=True)


class SitDetailSchema(SitSummarySchema):
    proximity = fields.Integer(required=True)
    patterns = fields.List(fields.Nested(PatternInfoSchema), required=True)
    elements = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    references = fields.List(fields.String(), required=True)
    examples = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class BundleSchema(Schema):
    name = fields.String(required=True)
    sits = fields.List(fields.Nested(SitRefSchema), required=True)


class SitListSchema(Schema):
    definitions_version = fields.String(required=True, metadata=DEFINITIONS_VERSION)
    sits = fields.List(fields.Nested(SitSummarySchema), required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)
    sits = fields.Integer()
    definitions_version = fields.String(metadata=DEFINITIONS_VERSION)


class ReloadSchema(Schema):
    status = fields.String(
        required=True,
        metadata={
            "description": "reloaded: this process serves the new set; reloading: the workers are being "
            "replaced by ones that serve it; unchanged: the definitions on disk are those already loaded."
        },
    )
    definitions_version = fields.String(
        required=True, metadata={"description": "The version of the definitions just compiled."}
    )
    previous_version = fields.String(
        required=True, metadata={"description": "The version that was serving when the reload was asked for."}
    )
    sits = fields.Integer(required=True, metadata={"description": "SITs in the new set."})


class ProblemFieldSchema(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details, as served with ``application/problem+json``."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(ProblemFieldSchema))
