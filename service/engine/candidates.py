"""A step of a part's scan: an element's candidates, checked.

A regex element's matches go through its additional checks and validators; what passes
is an occurrence. A function element's detector is run over the whole text or over
windows of it. Both look at the clock as they go and raise ``EngineTimeout`` when the
deadline passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from service.engine.checks import failed_check, normalize
from service.engine.compiled import CompiledFunction, CompiledRegex
from service.engine.deadline import Deadline
from service.engine.occurrences import Occurrence
from service.engine.prefilter import in_region
from service.engine.report import RejectionStage
from service.spans import Span, Spans

# How often (in candidates) Python-level loops look at the clock.
DEADLINE_STRIDE = 256


# Validators that recognise mock-ups, redactions, placeholders and published sample values
# rather than check a value's structure: what they turn down is told apart as a placeholder.
PLACEHOLDER_VALIDATORS = frozenset(
    {"not_placeholder", "not_placeholder_email", "not_sample_mac", "not_test_card", "not_trivial_url_password"}
)


@dataclass(frozen=True)
class Refusal:
    """Why an element's checks or validators turned a value down."""

    stage: RejectionStage
    reason: str
    validator: str | None = None


class OnRejected(Protocol):
    def __call__(self, occurrence: Occurrence, refusal: Refusal) -> None: ...


def find_regex(
    text: str,
    compiled: CompiledRegex,
    regions: Spans | None,
    deadline: Deadline,
    where: str,
    on_rejected: OnRejected | None = None,
) -> list[Occurrence]:
    """The element's values in ``text`` (in ``regions`` only, when given) that pass its
    checks and validators; each one turned down is told to ``on_rejected``."""
    items: list[Occurrence] = []
    resume_at = 0
    try:
        for count, (match, region) in enumerate(_matches(text, compiled, regions, deadline)):
            if count % DEADLINE_STRIDE == 0:
                deadline.check(where)
            # A rejected candidate may have swallowed the start of a real one
            # (``password: smtp_password: S3cr3t``): look again just after its start, so
            # that text put in front of a value cannot hide it.
            # Matches the second look already went through are not checked twice: a
            # chain of rejected overlapping candidates is walked once, not once per match.
            if match.start() < resume_at:
                continue
            pending: Any = match
            while pending is not None:
                resume_at = pending.start() + 1
                if _candidate(text, compiled, pending, items, on_rejected):
                    if pending is not match:
                        resume_at = pending.end()
                    break
                pending = _next_overlapping(text, compiled, pending, region, deadline)
    except TimeoutError:
        raise deadline.timeout(where) from None
    return items


def _candidate(
    text: str, compiled: CompiledRegex, match: Any, items: list[Occurrence], on_rejected: OnRejected | None
) -> bool:
    """Check one regex match; True when it became an occurrence (or is empty and needs no second look)."""
    element = compiled.element
    start, end = match.span(element.value_group) if element.value_group else match.span()
    if start >= end:
        return True
    value = text[start:end]
    refusal = reject_reason(text, compiled, match, value)
    if refusal is not None:
        if on_rejected is not None:
            if refusal.stage is RejectionStage.VALIDATOR:
                # A mock-up fails its checksum too: say it is a placeholder, the telling reason.
                refusal = _placeholder_refusal(compiled, match, value) or refusal
            on_rejected(Occurrence(start, end, value), refusal)
        return False
    items.append(Occurrence(start, end, value))
    return True


def _next_overlapping(text: str, compiled: CompiledRegex, rejected: Any, region: Span, deadline: Deadline) -> Any:
    """The next match starting inside a rejected one (None when there is none): the plain
    scan resumes after the rejected match's end and would never see it."""
    following = compiled.pattern.search(
        text, rejected.start() + 1, region[1], timeout=deadline.remaining(), concurrent=True
    )
    if following is None or following.start() >= rejected.end():
        return None
    return following if in_region(following.start(), following.end(), region, len(text)) else None


def _matches(
    text: str, compiled: CompiledRegex, regions: Spans | None, deadline: Deadline
) -> Iterator[tuple[Any, Span]]:
    """The element's matches, each with the region it was found in: the whole text, or one
    of ``regions``."""
    size = len(text)
    if regions is None:
        for match in compiled.pattern.finditer(text, timeout=deadline.remaining(), concurrent=True):
            yield match, (0, size)
        return
    for region in regions:
        for match in compiled.pattern.finditer(
            text, region[0], region[1], timeout=deadline.remaining(), concurrent=True
        ):
            if in_region(match.start(), match.end(), region, size):
                yield match, region


def reject_reason(text: str, compiled: CompiledRegex, match: Any, value: str) -> Refusal | None:
    """Why the element's checks or validators turn the value down, if they do."""
    element = compiled.element
    if not element.checks.is_empty():
        normalized = normalize(value, element.normalize)
        # Prefixes and suffixes surround the whole regex match, not just its value group.
        whole_start, whole_end = match.span()
        reason = failed_check(element.checks, value, normalized, text, whole_start, whole_end)
        if reason is not None:
            return Refusal(RejectionStage.CHECK, reason)
    for validator in compiled.validators:
        target = value if validator.group is None else (match.group(validator.group) or "")
        reason = validator.check(target)
        if reason is not None:
            placeholder = validator.name in PLACEHOLDER_VALIDATORS
            stage = RejectionStage.PLACEHOLDER if placeholder else RejectionStage.VALIDATOR
            return Refusal(stage, f"{validator.name}: {reason}", validator.name)
    return None


def _placeholder_refusal(compiled: CompiledRegex, match: Any, value: str) -> Refusal | None:
    for validator in compiled.validators:
        if validator.name in PLACEHOLDER_VALIDATORS:
            target = value if validator.group is None else (match.group(validator.group) or "")
            reason = validator.check(target)
            if reason is not None:
                return Refusal(RejectionStage.PLACEHOLDER, f"{validator.name}: {reason}", validator.name)
    return None


def find_function(
    text: str, function: CompiledFunction, windows: Spans | None, deadline: Deadline, where: str
) -> list[Occurrence]:
    """The detector's findings in ``text`` (in ``windows`` only, when given)."""
    deadline.check(where)
    size = len(text)
    items: list[Occurrence] = []
    for low, high in windows if windows is not None else [(0, size)]:
        # A window is handed over as its own text; what the detector finds at the window's
        # cut edges is ignored (MARGIN keeps real findings away from them).
        for start, end in function.find(text[low:high]):
            if start < end and in_region(low + start, low + end, (low, high), size):
                items.append(Occurrence(low + start, low + end, text[low + start : low + end]))
        deadline.check(where)
    return items
