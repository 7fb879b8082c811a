"""Masking counts against the caller's deadline: an operator's super-linear regex cannot stretch it."""

from __future__ import annotations

import time

from service.definitions import load_builtin_definitions, load_definitions
from service.definitions.sets import DefinitionSet
from service.engine import compile_scanner
from service.engine.deadline import Deadline
from service.engine.document import Part
from service.engine.scanner import ClassifyOptions
from service.summary.present import PresentOptions, present_report
from tests.conftest import DEFINITION_FIXTURES

TOKEN = "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"
PARTS = 20


def test_a_backtracking_custom_regex_near_every_match_cannot_outlast_the_deadline() -> None:
    custom = load_definitions([DEFINITION_FIXTURES / "catastrophic_prefiltered"])
    definitions = DefinitionSet((*load_builtin_definitions(), *custom))
    scanner = compile_scanner(definitions, engine="regex")
    # Each part: a token, then right after it a run that makes the custom regex backtrack.
    parts = [Part(f"p{i}", f"pat={TOKEN} " + "a" * 200 + "!") for i in range(PARTS)]
    report = scanner.classify(parts, ClassifyOptions(sits=("GitHub personal access token",)))
    assert report.result_for("GitHub personal access token") is not None
    budget = 0.5
    started = time.monotonic()
    data = present_report(report, parts, scanner, PresentOptions(deadline=Deadline(budget)))
    elapsed = time.monotonic() - started
    # Generous bound (shared machines): a fixed time per part would take at least PARTS times longer.
    assert elapsed < PARTS * budget / 2
    matches = data["results"][0]["matches"]
    assert len(matches) == PARTS
    for match in matches:
        # Out of time, the summary shrinks to the masked match: less is shown, never more.
        assert match["summary"]["text"] == "…ghp_****…(40)…"
        assert TOKEN not in str(match)
