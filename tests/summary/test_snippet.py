"""Contextual summaries: windows at word boundaries, highlights that point at the right text, masking."""

from __future__ import annotations

from service.summary.snippet import build_summary, snippet_window

TEXT = "alpha beta gamma delta SSN: 536-22-8726 epsilon zeta eta theta iota kappa"
MATCH = (TEXT.index("536"), TEXT.index("536") + 11)
KEYWORD = (TEXT.index("SSN"), TEXT.index("SSN") + 3)


def shown(summary_text: str, start: int, end: int) -> str:
    return summary_text[start:end]


def test_window_is_cut_at_spaces_and_marked_with_ellipses() -> None:
    window = snippet_window(TEXT, MATCH, [KEYWORD], context=14)
    summary = build_summary(TEXT, window, MATCH, [(*KEYWORD, False)], [], reveal=False)
    assert summary.text == "…delta SSN: ****…(11) epsilon zeta…"
    kinds = {h.kind: shown(summary.text, h.start, h.end) for h in summary.highlights}
    assert kinds == {"keyword": "SSN", "match": "****…(11)"}


def test_window_widens_to_show_the_evidence() -> None:
    far_keyword = (TEXT.index("alpha"), TEXT.index("alpha") + 5)
    window = snippet_window(TEXT, MATCH, [far_keyword], context=5)
    assert window[0] == 0


def test_revealed_summary_shows_the_value_and_layout_becomes_spaces() -> None:
    text = "SSN:\n536-22-8726\tok"
    match = (5, 16)
    summary = build_summary(text, (0, len(text)), match, [(0, 3, False)], [], reveal=True)
    assert summary.text == "SSN: 536-22-8726 ok"
    (keyword, value) = summary.highlights
    assert shown(summary.text, keyword.start, keyword.end) == "SSN"
    assert shown(summary.text, value.start, value.end) == "536-22-8726"


def test_other_sensitive_values_are_masked_and_overlaps_keep_the_match() -> None:
    text = "token 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 near 536-22-8726"
    match = (text.index("536"), len(text))
    token = (6, 46)
    summary = build_summary(text, (0, len(text)), match, [], [token, (match[0] - 2, match[1])], reveal=False)
    assert "zQWB" not in summary.text
    assert [h.kind for h in summary.highlights] == ["masked", "match"]
    masked = summary.highlights[0]
    assert shown(summary.text, masked.start, masked.end) == "ghp_****…(40)"
