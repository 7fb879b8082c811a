"""Every sensitive-looking value in given ranges of a text, whatever SIT it belongs to.

Used to mask *other* secrets that fall inside a contextual summary: a snippet around a
card number must not show the token on the next line, even when the request asked only
for card numbers. A value counts when a primary regex element of any loaded SIT finds
it and its additional checks and validators pass; supporting evidence is not required,
since masking too much is safe and masking too little is a leak.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.engine.checks import failed_check, normalize
from service.engine.prefilter import MARGIN
from service.engine.scanner import Scanner
from service.engine.spans import merge_spans

# Extra characters scanned on each side of a range, so look-arounds see their context
# and values crossing the range's edge are found whole.
RANGE_MARGIN = 256


def sensitive_spans(
    scanner: Scanner, text: str, ranges: Iterable[tuple[int, int]], timeout: float
) -> list[tuple[int, int]]:
    """Sorted spans of validated primary candidates overlapping any of ``ranges``."""
    found: set[tuple[int, int]] = set()
    elements = scanner.primary_regexes
    for start, end in merge_spans(list(ranges)):
        low, high = max(0, start - RANGE_MARGIN), min(len(text), end + RANGE_MARGIN)
        candidates = elements
        if scanner.prefilter is not None:
            # One Hyperscan pass over the range tells which elements can match there at all.
            regions = scanner.prefilter.regions(text[low:high], [c.index for c in elements])
            candidates = [c for c in elements if regions.get(c.index) != []]
        for compiled in candidates:
            element = compiled.element
            # A value overlapping the range lies within its longest match of the range; the
            # look-arounds see MARGIN more. Scanning less text than RANGE_MARGIN on each
            # side matters: dozens of number formats are checked around every match.
            reach = RANGE_MARGIN if compiled.width is None else min(RANGE_MARGIN, compiled.width + MARGIN)
            scan_low, scan_high = max(0, start - reach), min(len(text), end + reach)
            for match in compiled.pattern.finditer(text, scan_low, scan_high, timeout=timeout):
                span_start, span_end = match.span(element.value_group) if element.value_group else match.span()
                if span_end <= start or span_start >= end or span_start >= span_end:
                    continue
                value = text[span_start:span_end]
                if failed_check(element.checks, value, normalize(value, element.normalize), text, *match.span()):
                    continue
                if any(
                    v.check(value if v.group is None else (match.group(v.group) or "")) for v in compiled.validators
                ):
                    continue
                found.add((span_start, span_end))
    return sorted(found)
