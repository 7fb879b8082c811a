"""Every sensitive-looking value in given ranges of a text, whatever SIT it belongs to.

Used to mask *other* values that fall inside a contextual summary or under a keyword: a
snippet around a card number must not show the token on the next line, even when the
request asked only for card numbers. A value counts when any regex or function element
of any loaded SIT — primary or supporting — finds it, whether or not its checks and
validators pass: a look-alike that failed its checksum may still be a real value with a
typo, and masking too much is safe where masking too little is a leak. Keywords are
context, not values.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.engine.deadline import Deadline, EngineTimeout
from service.engine.prefilter import MARGIN, in_region
from service.engine.scanner import Scanner
from service.engine.token_runs import run_values
from service.spans import merge_spans

# Extra characters scanned on each side of a range, so look-arounds see their context
# and values crossing the range's edge are found whole.
RANGE_MARGIN = 256
# Function detectors see this much text around a range (their findings are short).
FUNCTION_MARGIN = 128


def sensitive_spans(
    scanner: Scanner, text: str, ranges: Iterable[tuple[int, int]], deadline: Deadline
) -> list[tuple[int, int]]:
    """Sorted spans of every element value overlapping any of ``ranges``.

    Raises ``EngineTimeout`` when ``deadline`` runs out first: without knowing what else is
    near, a caller must show less, never more.
    """
    found: set[tuple[int, int]] = set()
    run_index = scanner.run_index
    # Elements whose values are whole token runs are found from the runs themselves
    # (token_runs); only the others are scanned one by one.
    elements = run_index.others
    size = len(text)
    for start, end in merge_spans(list(ranges)):
        deadline.check("masking values near the matches")
        found.update(span for span in run_values(run_index, text, start, end) if span[0] < span[1])
        low, high = max(0, start - RANGE_MARGIN), min(size, end + RANGE_MARGIN)
        candidates = elements
        if scanner.prefilter is not None:
            # One Hyperscan pass over the range tells which elements can match there at all.
            regions = scanner.prefilter.regions(text[low:high], [c.index for c in elements])
            candidates = tuple(c for c in elements if regions.get(c.index) != [])
        for compiled in candidates:
            element = compiled.element
            # A value overlapping the range lies within its longest match of the range; the
            # look-arounds see MARGIN more. Scanning less text than RANGE_MARGIN on each
            # side matters: dozens of number formats are checked around every match.
            reach = RANGE_MARGIN if compiled.width is None else min(RANGE_MARGIN, compiled.width + MARGIN)
            scan_low, scan_high = max(0, start - reach), min(size, end + reach)
            try:
                # Overlapping matches too: a candidate that swallowed the start of a value
                # (``password: smtp_password: S3cr3t``) must not hide the value itself.
                matches = compiled.pattern.finditer(
                    text, scan_low, scan_high, overlapped=True, timeout=deadline.remaining(), concurrent=True
                )
                for match in matches:
                    span_start, span_end = match.span(element.value_group) if element.value_group else match.span()
                    if span_end > start and span_start < end and span_start < span_end:
                        found.add((span_start, span_end))
            except TimeoutError:
                raise EngineTimeout(deadline.limit, "masking values near the matches") from None
        for function in scanner.functions:
            deadline.check("masking values near the matches")
            f_low, f_high = max(0, start - FUNCTION_MARGIN), min(size, end + FUNCTION_MARGIN)
            for f_start, f_end in function.find(text[f_low:f_high]):
                span = (f_low + f_start, f_low + f_end)
                if span[0] < span[1] and span[1] > start and span[0] < end and in_region(*span, (f_low, f_high), size):
                    found.add(span)
    return sorted(found)
