"""Closed sets of the report are enums whose JSON form is their plain value, in every front end."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from service.api.schemas import RejectionSchema
from service.engine.report import IncompleteReason, RejectionStage
from service.summary.snippet import HighlightKind

VALUES = [
    (RejectionStage.CHECK, "check"),
    (RejectionStage.CONFIDENCE, "confidence"),
    (IncompleteReason.ENGINE_TIMEOUT, "engine_timeout"),
    (HighlightKind.MATCH, "match"),
    (HighlightKind.MASKED, "masked"),
]


@pytest.mark.parametrize(("member", "value"), VALUES)
def test_members_serialise_as_their_value(member: object, value: str) -> None:
    expected = json.dumps({"kind": value})
    assert json.dumps({"kind": member}) == expected
    assert Flask(__name__).json.dumps({"kind": member}) == expected
    assert f"{member}" == value


def test_the_stages_are_exactly_those_the_report_documents() -> None:
    stages = {"check", "placeholder", "validator", "pattern", "overlap", "confidence"}
    assert {stage.value for stage in RejectionStage} == stages
    # The API documents the same set (the OpenAPI enum of a rejection's stage).
    assert set(RejectionSchema().fields["stage"].validate.choices) == stages
    assert {kind.value for kind in HighlightKind} == {"match", "keyword", "masked"}
