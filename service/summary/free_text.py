"""Masking a free text the service writes itself (an error message, a log line) that may quote
something from a file, such as a definition's problem quoting a regex or a pattern name.

Every value any loaded SIT's regex element finds in the text is masked, as in a summary. When
the scan cannot finish in time the text is withheld whole: an error must show less, never more.
"""

from __future__ import annotations

from service.engine.deadline import Deadline, EngineTimeout
from service.engine.scanner import Scanner
from service.engine.sensitive import sensitive_spans
from service.masking import mask_value
from service.spans import merge_spans

MASKING_TIME_LIMIT = 1.0
WITHHELD = "(not shown: it could not be checked for sensitive values in time)"


def mask_free_text(text: str, scanner: Scanner | None, time_limit: float = MASKING_TIME_LIMIT) -> str:
    """``text`` with every sensitive value that ``scanner`` finds in it masked."""
    if scanner is None or not text:
        return text
    try:
        spans = merge_spans(sensitive_spans(scanner, text, [(0, len(text))], Deadline(time_limit)))
    except EngineTimeout:
        return WITHHELD
    masked = text
    for start, end in reversed(spans):
        masked = masked[:start] + mask_value(masked[start:end]) + masked[end:]
    return masked
