"""Behaviour of the engine on small purpose-built definitions (tests/fixtures/definitions/engine)."""

from __future__ import annotations

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from service.engine.report import Report

ORDER = "Test order token"
OVERLAP = "Test overlapping elements"


def classify(scanner: Scanner, text: str, **options: object) -> Report:
    return scanner.classify([Part("body", text)], ClassifyOptions(**options))  # type: ignore[arg-type]


def test_highest_confidence_pattern_wins(engine_scanner: Scanner) -> None:
    report = classify(engine_scanner, "order ref=ORD-1234 5678", min_confidence=1, sits=(ORDER,))
    result = report.result_for(ORDER)
    assert result is not None
    (match,) = result.matches
    assert match.confidence == 95
    assert match.pattern == "with order, ref and urgency"


def test_value_group_gives_offsets_and_value(engine_scanner: Scanner) -> None:
    text = "order ORD-1234 5678"
    result = classify(engine_scanner, text, sits=(ORDER,)).result_for(ORDER)
    assert result is not None
    (match,) = result.matches
    assert match.value == "1234 5678"
    assert text[match.start : match.end] == "1234 5678"


def test_evidence_names_elements_and_offsets(engine_scanner: Scanner) -> None:
    text = "ref=ORD-12345678 for order"
    result = classify(engine_scanner, text, sits=(ORDER,)).result_for(ORDER)
    assert result is not None
    evidence = {(e.element, text[e.start : e.end]) for e in result.matches[0].evidence}
    assert evidence == {("kw_order", "order"), ("kw_ref_string", "ref=")}


def test_keyword_outside_proximity_does_not_count(engine_scanner: Scanner) -> None:
    far = "order" + " " * 60 + "ORD-12345678"
    near = "order" + " " * 20 + "ORD-12345678"
    far_result = classify(engine_scanner, far, min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    near_result = classify(engine_scanner, near, min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    assert far_result is not None and far_result.confidence == 60
    assert near_result is not None and near_result.confidence == 75


def test_word_keyword_needs_word_boundaries(engine_scanner: Scanner) -> None:
    result = classify(engine_scanner, "reorders ORD-12345678", min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    assert result is not None and result.confidence == 60


def test_string_keyword_matches_inside_words(engine_scanner: Scanner) -> None:
    result = classify(engine_scanner, "order xref=ORD-12345678", min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    assert result is not None and result.confidence == 95


def test_case_sensitive_keyword(engine_scanner: Scanner) -> None:
    upper = classify(engine_scanner, "order ORD-12345678 URGENT", min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    lower = classify(engine_scanner, "order ORD-12345678 urgent", min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    assert upper is not None and upper.confidence == 95
    assert lower is not None and lower.confidence == 75


def test_keywords_are_case_insensitive_by_default(engine_scanner: Scanner) -> None:
    result = classify(engine_scanner, "ORDER ORD-12345678", min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    assert result is not None and result.confidence == 75


def test_max_zero_excludes_a_context(engine_scanner: Scanner) -> None:
    result = classify(engine_scanner, "demo order ORD-12345678", min_confidence=1, sits=(ORDER,)).result_for(ORDER)
    assert result is not None and result.confidence == 60


def test_default_minimum_is_the_recommended_confidence(engine_scanner: Scanner) -> None:
    assert classify(engine_scanner, "ORD-12345678", sits=(ORDER,)).result_for(ORDER) is None
    assert classify(engine_scanner, "ORD-12345678", min_confidence=60, sits=(ORDER,)).result_for(ORDER) is not None


def test_count_and_unique_count_use_normalized_values(engine_scanner: Scanner) -> None:
    text = "order ORD-1234 5678 order ORD-12345678 order ORD-1234-5678 order ORD-87654321"
    result = classify(engine_scanner, text, sits=(ORDER,)).result_for(ORDER)
    assert result is not None
    assert result.count == 4
    assert result.unique_count == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("order ORD-0000 0000", "excluded values"),
        ("order ORD-2222 2222", "repeats a single character"),
        ("order sample: ORD-12345678", "excluded prefix"),
    ],
)
def test_additional_checks_reject_with_a_reason(engine_scanner: Scanner, text: str, reason: str) -> None:
    report = classify(engine_scanner, text, min_confidence=1, sits=(ORDER,), explain=True)
    assert report.result_for(ORDER) is None
    assert report.trace is not None
    assert any(r.stage == "check" and reason in r.reason for r in report.trace)


def test_explanation_says_why_a_pattern_did_not_fire(engine_scanner: Scanner) -> None:
    report = classify(engine_scanner, "ORD-12345678", sits=(ORDER,), explain=True)
    assert report.trace is not None
    (reason,) = [r.reason for r in report.trace if r.stage == "confidence"]
    assert reason.startswith("confidence 60 is below the minimum 75; higher patterns did not hold: ")
    assert "with order keyword: needs all of 2 supporting requirements, found 1: no 'kw_order' in the text" in reason


def test_explanation_reports_a_keyword_too_far(engine_scanner: Scanner) -> None:
    text = "order" + " " * 60 + "ORD-12345678"
    report = classify(engine_scanner, text, sits=(ORDER,), explain=True)
    assert report.trace is not None
    assert any("'kw_order' is 64 characters away (proximity 40)" in r.reason for r in report.trace)


def test_no_trace_unless_asked(engine_scanner: Scanner) -> None:
    assert classify(engine_scanner, "ORD-12345678", sits=(ORDER,)).trace is None


def test_overlapping_matches_of_one_sit_count_once(engine_scanner: Scanner) -> None:
    result = classify(engine_scanner, "KEYABCDEF and KEYABCDEFGH", sits=(OVERLAP,)).result_for(OVERLAP)
    assert result is not None
    assert [(m.value, m.confidence) for m in result.matches] == [("KEYABCDEF", 70), ("KEYABCDEFGH", 50)]


def test_offsets_are_per_part_and_name_the_part(engine_scanner: Scanner) -> None:
    parts = [Part("mail/body", "nothing here"), Part("mail/attachments/a.txt", "xx order ORD-12345678")]
    report = engine_scanner.classify(parts, ClassifyOptions(sits=(ORDER,)))
    result = report.result_for(ORDER)
    assert result is not None
    (match,) = result.matches
    assert match.part == "mail/attachments/a.txt"
    assert (match.start, match.end) == (13, 21)
    assert [p.name for p in report.parts] == ["mail/body", "mail/attachments/a.txt"]


def test_offsets_are_code_points_not_bytes(engine_scanner: Scanner) -> None:
    text = "Bestellung für Jürgen — order ORD-12345678"
    result = classify(engine_scanner, text, sits=(ORDER,)).result_for(ORDER)
    assert result is not None
    match = result.matches[0]
    assert text[match.start : match.end] == "12345678"


def test_selecting_by_bundle_restricts_the_sits(engine_scanner: Scanner) -> None:
    report = classify(engine_scanner, "order ORD-12345678 KEYABCDEF", min_confidence=1, sits=("Engine tests",))
    assert [r.sit_name for r in report.results] == [ORDER]
    assert report.sits_scanned == 1


def test_unknown_selector_is_an_error(engine_scanner: Scanner) -> None:
    from service.definitions import UnknownSitError

    with pytest.raises(UnknownSitError, match="no such sit"):
        classify(engine_scanner, "x", sits=("no such sit",))


def test_minimum_confidence_out_of_range_is_refused(engine_scanner: Scanner) -> None:
    with pytest.raises(ValueError, match="between 1 and 100"):
        classify(engine_scanner, "x", min_confidence=0)


def test_masked_output_hides_values_and_reveal_shows_them(engine_scanner: Scanner) -> None:
    report = classify(engine_scanner, "order ORD-12345678", sits=(ORDER,))
    masked = report.to_dict()["results"][0]["matches"][0]
    revealed = report.to_dict(reveal=True)["results"][0]["matches"][0]
    assert masked["value"] == "****…(8)"
    assert revealed["value"] == "12345678"
    assert "12345678" not in str(report.to_dict())
