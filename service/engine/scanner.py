"""The compiled scanner and its one job: classify the parts of a document.

Stages per part: find every element's candidates (keywords of all SITs in one
automaton pass, regex and function elements), run additional checks and validators on
candidates, then for each primary candidate keep the highest-confidence pattern whose
supporting requirements hold inside the proximity window. Overlapping matches of one SIT
count once; matches below the minimum confidence are dropped.

Asked to ``explain``, the scanner also returns every candidate that did not become a
match and why. When not asked, no reasons are built at all.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import regex

from service.definitions.model import MatchRequirement, Pattern, Requirement
from service.definitions.sets import DefinitionSet
from service.engine.checks import failed_check, normalize
from service.engine.compiled import CompiledFunction, CompiledRegex, CompiledSit
from service.engine.deadline import DEFAULT_TIME_LIMIT_SECONDS, Deadline, EngineTimeout
from service.engine.document import Part, PartError
from service.engine.evaluate import Window, evaluate
from service.engine.keywords import KeywordIndex
from service.engine.occurrences import EMPTY, ElementKey, Occurrence, OccurrenceList
from service.engine.prefilter import MARGIN, Prefilter, in_region
from service.engine.report import (
    Evidence,
    IncompleteReason,
    IncompleteSit,
    Match,
    PartSummary,
    Rejection,
    RejectionStage,
    Report,
)
from service.engine.selection import SitTally, results, round_robin
from service.engine.spans import Spans, covered, intersect, merge_spans

# How often (in candidates) Python-level loops look at the clock.
_DEADLINE_STRIDE = 256
# A primary needed only near keywords is looked for there with `regex` directly, unless
# those neighbourhoods cover more than this share of the part.
_GATED_SHARE = 0.25
# Prefilter regions covering more than this share of a part are looked at again, finer.
_DENSE_SHARE = 0.25
# Characters added to each part's size when the time limit is shared among parts: a small
# part after a huge one still gets enough time to be scanned.
_PART_TIME_FLOOR = 65_536

# What a report returns at most (counts stay exact). A reviewer reads a hundred examples of
# one kind, not thousands; a thousand matches with their summaries are an answer of a few
# megabytes, where an uncapped one reached tens of megabytes for a megabyte of input.
DEFAULT_MAX_MATCHES_PER_SIT = 100
DEFAULT_MAX_MATCHES = 1000
DEFAULT_MAX_TRACE = 1000


@dataclass(frozen=True)
class ClassifyOptions:
    min_confidence: int | None = None  # None: each SIT's recommended confidence
    sits: tuple[str, ...] | None = None  # ids, names or bundle names; None: every SIT
    explain: bool = False
    time_limit: float | None = None  # seconds for this classification; None: the scanner's
    # Caps on the matches (and rejections) a report returns; None: no cap. Counts,
    # unique counts and confidences are exact whatever is dropped.
    max_matches_per_sit: int | None = DEFAULT_MAX_MATCHES_PER_SIT
    max_matches: int | None = DEFAULT_MAX_MATCHES
    max_trace: int | None = DEFAULT_MAX_TRACE

    def check(self) -> None:
        """Raises ``ValueError`` for an option out of range."""
        if self.min_confidence is not None and not 1 <= self.min_confidence <= 100:
            raise ValueError("min_confidence must be between 1 and 100")
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError("time_limit must be positive")
        for name in ("max_matches_per_sit", "max_matches", "max_trace"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class Scanner:
    definitions: DefinitionSet
    sits: tuple[CompiledSit, ...]
    regexes: tuple[CompiledRegex, ...]
    functions: tuple[CompiledFunction, ...]
    keywords: KeywordIndex
    time_limit: float = DEFAULT_TIME_LIMIT_SECONDS
    prefilter: Prefilter | None = None  # None: every regex element scans the whole part

    @cached_property
    def primary_regexes(self) -> list[CompiledRegex]:
        """Regex elements that are the primary element of some SIT: values that may be secret."""
        return [c for c in self.regexes if any(name in self.sits[sit].patterns_by_primary for sit, name in c.keys)]

    @property
    def version(self) -> str:
        """The version (content hash) of the definitions this scanner was compiled from."""
        return self.definitions.version

    @property
    def engine(self) -> str:
        return "hyperscan" if self.prefilter is not None else "regex"

    def select(self, selectors: Iterable[str] | None) -> frozenset[int]:
        """SIT indexes for ids, names or bundle names (every SIT when ``selectors`` is None).

        Raises ``UnknownSitError`` for a selector that names nothing loaded.
        """
        if selectors is None:
            return frozenset(sit.index for sit in self.sits)
        chosen = {definition.id for definition in self.definitions.select(selectors)}
        return frozenset(sit.index for sit in self.sits if sit.definition.id in chosen)

    def classify(self, parts: Sequence[Part], options: ClassifyOptions | None = None) -> Report:
        options = options or ClassifyOptions()
        options.check()
        active = self.select(options.sits)
        started = time.perf_counter()
        deadline = Deadline(options.time_limit or self.time_limit)
        trace = _Trace(options.max_trace) if options.explain else None
        tallies = {index: SitTally(options.max_matches_per_sit) for index in active}
        summaries: list[PartSummary] = []
        incomplete: list[IncompleteSit] = []
        # Each part gets a share of what is left, by its size (plus a floor): a huge part
        # cannot spend the time of the small ones after it. Time a part does not use goes on
        # to the next.
        weights = [len(part.text) + _PART_TIME_FLOOR if part.error is None else 0 for part in parts]
        for order, part in enumerate(parts):
            error = part.error
            if error is None:
                share = deadline.remaining() * weights[order] / sum(weights[order:])
                if trace is not None:
                    trace.part = order
                try:
                    outcome = _PartScan(self, part, active, deadline.share(share), trace).run(options.min_confidence)
                except EngineTimeout as timeout:
                    # Nothing was classified in this part (the shared keyword or prefilter pass
                    # ran out): a half-done pass would silently lower confidences.
                    error = PartError("engine_timeout", f"part not classified: {timeout}")
                else:
                    for index, part_matches in outcome.found.items():
                        for match in part_matches:
                            tallies[index].add(match, order)
                    incomplete.extend(outcome.incomplete)
                    error = outcome.error
            summaries.append(PartSummary(part.name, part.media_type, len(part.text), part.size, error))
        found = results(
            ((sit.definition.id, sit.definition.name, tallies[sit.index]) for sit in self.sits if sit.index in active),
            options.max_matches,
        )
        return Report(
            results=found,
            parts=tuple(summaries),
            elapsed_ms=(time.perf_counter() - started) * 1000,
            sits_scanned=len(active),
            trace=trace.selected() if trace is not None else None,
            incomplete=tuple(incomplete),
            trace_truncated=trace is not None and trace.truncated,
        )


class _Trace:
    """Rejections for explanations, at most ``limit`` returned: each SIT's first before any
    SIT's second (one SIT's thousands of placeholders must not hide why another's value did
    not match). Returned in document order: by part, SIT, then offset."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.part = 0  # position of the part being classified
        self.by_sit: dict[int, list[tuple[tuple[int, int, int, int, str, str], Rejection]]] = {}
        self.made = 0

    def add(self, sit_index: int, rejection: Rejection) -> None:
        self.made += 1
        kept = self.by_sit.setdefault(sit_index, [])
        if self.limit is None or len(kept) < self.limit:
            order = (self.part, sit_index, rejection.start, rejection.end, rejection.element, rejection.stage)
            kept.append((order, rejection))

    @property
    def truncated(self) -> bool:
        return self.limit is not None and self.made > self.limit

    def selected(self) -> tuple[Rejection, ...]:
        chosen = round_robin([self.by_sit[index] for index in sorted(self.by_sit)], self.limit)
        ordered = sorted((item for items in chosen for item in items), key=lambda item: item[0])
        return tuple(rejection for _, rejection in ordered)


@dataclass
class _Planned:
    """An element to be looked for in a part, before any SIT is evaluated."""

    element: CompiledRegex | CompiledFunction
    keys: list[ElementKey]  # every active use of the element
    primaries: list[ElementKey]  # the uses as a viable primary
    windows: Spans | None  # near keywords only (for the primaries alone), or None: the whole part
    cost: int  # characters `regex` (or the detector) will run over: the estimate SITs are ordered by
    done: bool = False


@dataclass
class _PartOutcome:
    found: dict[int, list[Match]]
    incomplete: list[IncompleteSit]
    error: PartError | None = None


def _spans_around(found: OccurrenceList, reach: int, size: int, most: float) -> Spans | None:
    """Merged spans of ``reach`` around each occurrence, or None as soon as they cover more
    than ``most`` characters. Occurrences are sorted, so one sweep merges them: a keyword on
    every line of a padded part is not sorted and merged again for every element it gates."""
    merged: Spans = []
    total = 0
    for item in found:
        low, high = max(0, item.start - reach), min(size, item.end + reach)
        if merged and low <= merged[-1][1]:
            if high > merged[-1][1]:
                total += high - merged[-1][1]
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
            total += high - low
        if total > most:
            return None
    return merged


class _Stopped(Exception):
    """A SIT's evaluation ran out of time after examining ``examined`` candidates."""

    def __init__(self, examined: int, timeout: EngineTimeout) -> None:
        self.examined = examined
        self.timeout = timeout
        super().__init__(str(timeout))


class _PartScan:
    """The state of classifying one part; discarded afterwards."""

    def __init__(
        self, scanner: Scanner, part: Part, active: frozenset[int], deadline: Deadline, trace: _Trace | None
    ) -> None:
        self.scanner = scanner
        self.part = part
        self.text = part.text
        self.active = active
        self.deadline = deadline  # the part's, or the share of the SIT being classified
        self.trace = trace
        self.occurrences: dict[ElementKey, OccurrenceList] = {}
        self.deferred: dict[ElementKey, CompiledRegex | CompiledFunction] = {}
        self.regions: dict[int, list[tuple[int, int]] | None] = {}
        self.viable: set[ElementKey] | None = None
        # Keyword occurrences near which a viable primary must be (None: anywhere).
        self.anchors: dict[ElementKey, list[tuple[int, OccurrenceList]] | None] = {}
        # Elements planned before any SIT is evaluated, by the uses they will answer.
        self.pending: dict[ElementKey, _Planned] = {}
        # Uses whose element ran out of time: every SIT that needs one is incomplete.
        self.failed: dict[ElementKey, EngineTimeout] = {}
        # SITs whose primaries have all been looked for: a supporting element looked for near
        # primary candidates serves these only (the others' candidates are not known yet).
        self.ready: set[int] = set()

    def run(self, min_confidence: int | None) -> _PartOutcome:
        """Classify the part; a ``EngineTimeout`` escapes only when nothing could be classified."""
        self.deadline.check("classifying earlier parts of the document")
        self._find_keywords()
        plan = self._plan(min_confidence)
        by_sit: dict[int, list[_Planned]] = {}
        for entry in plan:
            for sit_index in dict.fromkeys(key[0] for key in entry.primaries):
                by_sit.setdefault(sit_index, []).append(entry)
        # Cheap SITs first, each with at most half of the part's time left (the last one
        # with work gets all of it): an expensive SIT (a padded document's keyword on every
        # line) runs out of its own share and is reported incomplete, while the others
        # answer. Cost is estimated by the text each SIT's primaries will be looked for in.
        costs = {index: sum(entry.cost for entry in by_sit.get(index, ())) for index in self.active}
        order = sorted(self.active, key=lambda index: (costs[index], index))
        part_deadline = self.deadline
        outcome = _PartOutcome({}, [])
        answered = False  # some SIT with work to do finished
        timeouts: list[EngineTimeout] = []
        for position, index in enumerate(order):
            sit = self.scanner.sits[index]
            alone = all(costs[later] == 0 for later in order[position + 1 :])
            left = part_deadline.remaining()
            self.deadline = part_deadline.share(left if alone else left / 2)
            threshold = sit.definition.recommended_confidence if min_confidence is None else min_confidence
            matches, examined, timeout = self._classify_sit(sit, by_sit.get(index, ()), threshold)
            outcome.found[index] = matches
            if timeout is None:
                answered = answered or costs[index] > 0 or examined > 0
                continue
            timeouts.append(timeout)
            definition = sit.definition
            outcome.incomplete.append(
                IncompleteSit(
                    definition.id, definition.name, self.part.name, IncompleteReason.ENGINE_TIMEOUT, str(timeout)
                )
            )
        self.deadline = part_deadline
        if timeouts and not answered:
            # Every SIT that had anything to look at ran out: the part as a whole was not
            # classified (what they had confirmed is still reported).
            confirmed = any(outcome.found.values())
            state = "only partly classified" if confirmed else "not classified"
            outcome.error = PartError("engine_timeout", f"part {state}: {timeouts[0]}")
            outcome.incomplete = []
        return outcome

    def _plan(self, min_confidence: int | None) -> list[_Planned]:
        """The elements to look for before evaluating, where, and the prefilter pass for them."""
        # Primary elements are looked for now; supporting-only regex and function elements
        # (dates, secondary regexes) only when a pattern first asks for them, so a costly
        # detector runs only in documents where some primary candidate needs it.
        self.viable = None if self.trace is not None else self._viable_primaries(min_confidence)
        size = len(self.text)
        plan: list[_Planned] = []
        elements: list[CompiledRegex | CompiledFunction] = [*self.scanner.regexes, *self.scanner.functions]
        for element in elements:
            keys = [key for key in element.keys if key[0] in self.active]
            primaries = [key for key in keys if self._is_primary(key) and (self.viable is None or key in self.viable)]
            if not primaries:
                self.deferred.update(dict.fromkeys(keys, element))
                continue
            windows = self._gate_windows(element, primaries)
            if windows is not None and covered(windows) > size * _GATED_SHARE:
                windows = None  # keywords all over the part: the prefilter pass narrows it better
            plan.append(_Planned(element, keys, primaries, windows, 0))
        prefilter = self.scanner.prefilter
        if prefilter is not None:
            self.deadline.check("prefiltering")
            # Only elements to be found in the whole part need the Hyperscan pass; those looked
            # for around keywords are cheaper to check there directly.
            wanted = [e.element.index for e in plan if e.windows is None and isinstance(e.element, CompiledRegex)]
            self.regions = prefilter.regions(self.text, wanted)
            for index, regions in self.regions.items():
                if regions is not None and covered(regions) > size * _DENSE_SHARE:
                    self.regions[index] = prefilter.refine(self.text, index, regions)
        for entry in plan:
            if entry.windows is not None:
                # Found only near keywords: these findings serve the gated primaries alone; any
                # other use of the element (as supporting evidence) looks for it where it needs it.
                self.deferred.update(dict.fromkeys(entry.keys, entry.element))
                entry.cost = covered(entry.windows)
            elif isinstance(entry.element, CompiledRegex) and prefilter is not None:
                regions = self.regions.get(entry.element.index)
                entry.cost = size if regions is None else covered(regions)
            else:
                entry.cost = size
            for key in entry.keys if entry.windows is None else entry.primaries:
                self.pending[key] = entry
        return plan

    def _classify_sit(
        self, sit: CompiledSit, entries: Iterable[_Planned], threshold: int
    ) -> tuple[list[Match], int, EngineTimeout | None]:
        """The SIT's matches in the part, candidates examined, and the time-out that cut it short."""
        try:
            for entry in entries:
                self._run(entry)
        except EngineTimeout as timeout:
            return [], 0, timeout
        self.ready.add(sit.index)
        return self._evaluate_sit(sit, threshold)

    def _run(self, entry: _Planned) -> None:
        """Look for a planned element (once), where the plan says."""
        if entry.done:
            failed = next((self.failed[key] for key in entry.keys if key in self.failed), None)
            if failed is not None:
                raise failed
            return
        entry.done = True
        if entry.windows is None:
            self._scan(entry.element, entry.keys)
            return
        windows = entry.windows
        if isinstance(entry.element, CompiledRegex):
            windows = self._narrow(entry.element, windows)
        self._scan(entry.element, entry.primaries, windows)

    # -- candidates -------------------------------------------------------------------

    def _viable_primaries(self, min_confidence: int | None) -> set[ElementKey]:
        """Primary elements with a pattern that could still be reported in this part.

        A pattern below the reporting threshold can only produce a match that is dropped,
        and one that needs a keyword absent from the part cannot hold: their primaries
        need not be scanned at all. (Explanations scan everything, to say why not.)

        For each viable primary, also notes the keyword occurrences one of which must be
        near any match that could be reported (``self.anchors``), or None when some
        reportable pattern needs no keyword.
        """
        viable: set[ElementKey] = set()
        for sit in self.scanner.sits:
            if sit.index not in self.active:
                continue
            threshold = sit.definition.recommended_confidence if min_confidence is None else min_confidence
            keywords = sit.keyword_elements
            for primary, patterns in sit.patterns_by_primary.items():
                reportable = [
                    (pattern, gate)
                    for pattern, gate in zip(patterns, sit.keyword_gates[primary], strict=True)
                    if pattern.confidence >= threshold and self._could_hold(sit.index, pattern.supporting, keywords)
                ]
                if not reportable:
                    continue
                key = (sit.index, primary)
                viable.add(key)
                self.anchors[key] = (
                    None
                    if any(gate is None for _, gate in reportable)
                    else [
                        (sit.definition.pattern_proximity(pattern), self.occurrences.get((sit.index, name), EMPTY))
                        for pattern, gate in reportable
                        for name in gate or ()
                    ]
                )
        return viable

    def _could_hold(self, sit_index: int, requirement: Requirement | None, keywords: frozenset[str]) -> bool:
        """False only when the requirement needs keywords that do not occur in the part."""
        if requirement is None:
            return True
        if isinstance(requirement, MatchRequirement):
            return requirement.element not in keywords or (sit_index, requirement.element) in self.occurrences
        possible = sum(1 for child in requirement.of if self._could_hold(sit_index, child, keywords))
        return possible >= requirement.min

    def _gate_windows(
        self, element: CompiledRegex | CompiledFunction, primaries: list[ElementKey]
    ) -> list[tuple[int, int]] | None:
        """Where the element must be looked for so that every reportable match of its
        primaries is found: around their keyword anchors; None for the whole part (also
        when those neighbourhoods would cover more than ``_GATED_SHARE`` of it)."""
        if not isinstance(element, CompiledRegex) or element.width is None:
            return None
        size = len(self.text)
        most = size * _GATED_SHARE
        lists: list[Spans] = []
        for key in primaries:
            anchors = self.anchors.get(key)
            if anchors is None:
                return None
            # A keyword [ks, ke) counts for a match [s, e) when s - proximity <= ks and
            # ke <= e + proximity; with e - s <= width, such a match lies in this span.
            for proximity, found in anchors:
                merged = _spans_around(found, proximity + element.width + MARGIN, size, most)
                if merged is None:
                    return None  # this keyword alone is all over the part
                lists.append(merged)
        spans = lists[0] if len(lists) == 1 else merge_spans([span for merged in lists for span in merged])
        return None if covered(spans) > most else spans

    def _is_primary(self, key: ElementKey) -> bool:
        sit_index, name = key
        return name in self.scanner.sits[sit_index].patterns_by_primary

    def _scan(
        self,
        element: CompiledRegex | CompiledFunction,
        keys: list[ElementKey],
        windows: list[tuple[int, int]] | None = None,
    ) -> OccurrenceList:
        """Find an element (everywhere, or only in ``windows``) and share its findings with ``keys``.

        When time runs out, every use in ``keys`` is marked failed: each SIT that needs it
        is then incomplete, and no other SIT starts the same scan again.
        """
        try:
            if isinstance(element, CompiledRegex):
                items = self._find_regex(element, keys, windows)
            else:
                items = self._find_function(element, windows)
        except EngineTimeout as timeout:
            for key in keys:
                self.failed[key] = timeout
                self.deferred.pop(key, None)
            raise
        found = OccurrenceList(items)
        for key in keys:
            self.occurrences[key] = found
            self.deferred.pop(key, None)
        return found

    def occurrences_of(self, key: ElementKey) -> OccurrenceList:
        found = self.occurrences.get(key)
        if found is not None:
            return found
        failed = self.failed.get(key)
        if failed is not None:
            raise failed
        entry = self.pending.get(key)
        if entry is not None and not entry.done:
            self._run(entry)
            return self.occurrences.get(key, EMPTY)
        element = self.deferred.get(key)
        if element is None:
            return EMPTY
        # Keys already found (primaries looked for near their keywords) keep their findings,
        # and planned ones are looked for as planned.
        keys = [
            k for k in element.keys if k[0] in self.active and k not in self.occurrences and not self._planned_later(k)
        ]
        # A supporting element only counts near a primary candidate of its SITs: look for it
        # only there, not in the whole part.
        # (Explanations look everywhere, so that "too far away" can be told from "absent".)
        if self.trace is not None:
            return self._scan(element, keys)
        # Only SITs whose primaries are known can say where; the others look again later.
        keys = [k for k in keys if k[0] in self.ready]
        windows = self._proximity_windows(keys)
        if isinstance(element, CompiledRegex):
            windows = self._narrow(element, windows)
        return self._scan(element, keys, windows)

    def _planned_later(self, key: ElementKey) -> bool:
        entry = self.pending.get(key)
        return entry is not None and not entry.done

    def _narrow(self, element: CompiledRegex, windows: Spans) -> Spans:
        """The windows in which the prefilter does not rule the element out."""
        prefilter = self.scanner.prefilter
        if prefilter is None:
            return windows
        if element.index in self.regions:  # the whole-part pass already covered it
            return intersect(windows, self.regions[element.index])
        return prefilter.confirm(self.text, element.index, windows)

    def _proximity_windows(self, keys: list[ElementKey]) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        size = len(self.text)
        for sit_index in {key[0] for key in keys}:
            sit = self.scanner.sits[sit_index]
            reach = sit.definition.max_proximity + MARGIN
            for primary in sit.patterns_by_primary:
                found = self.occurrences.get((sit_index, primary))
                if found is None:
                    continue
                spans.extend((max(0, item.start - reach), min(size, item.end + reach)) for item in found)
        return merge_spans(spans)

    def _find_keywords(self) -> None:
        self.deadline.check("finding keywords")
        every = len(self.active) == len(self.scanner.sits)
        for key, items in self.scanner.keywords.find(self.text, None if every else set(self.active)).items():
            self.occurrences[key] = OccurrenceList(items)

    def _find_regex(
        self, compiled: CompiledRegex, keys: list[ElementKey], windows: list[tuple[int, int]] | None = None
    ) -> list[Occurrence]:
        element = compiled.element
        sit = self.scanner.sits[keys[0][0]]
        items: list[Occurrence] = []
        where = f"matching element {element.name!r} of SIT {sit.definition.name!r}"
        if windows is not None:
            regions: list[tuple[int, int]] | None = windows
        else:
            regions = self.regions.get(compiled.index) if self.scanner.prefilter is not None else None
        resume_at = 0
        try:
            for count, (match, region) in enumerate(self._matches(compiled, regions)):
                if count % _DEADLINE_STRIDE == 0:
                    self.deadline.check(where)
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
                    if self._candidate(compiled, keys, pending, items):
                        if pending is not match:
                            resume_at = pending.end()
                        break
                    pending = self._next_overlapping(compiled, pending, region)
        except TimeoutError:
            raise self.deadline.timeout(where) from None
        return items

    def _candidate(self, compiled: CompiledRegex, keys: list[ElementKey], match: Any, items: list[Occurrence]) -> bool:
        """Check one regex match; True when it became an occurrence (or is empty and needs no second look)."""
        element = compiled.element
        start, end = match.span(element.value_group) if element.value_group else match.span()
        if start >= end:
            return True
        value = self.text[start:end]
        rejected = self._reject_reason(compiled, match, value)
        if rejected is not None:
            reason, stage = rejected
            for sit_index, name in keys:
                self._reject(self.scanner.sits[sit_index], name, start, end, value, stage, reason)
            return False
        items.append(Occurrence(start, end, value))
        return True

    def _next_overlapping(self, compiled: CompiledRegex, rejected: Any, region: tuple[int, int]) -> Any:
        """The next match starting inside a rejected one (None when there is none): the plain
        scan resumes after the rejected match's end and would never see it."""
        following = compiled.pattern.search(
            self.text, rejected.start() + 1, region[1], timeout=self.deadline.remaining(), concurrent=True
        )
        if following is None or following.start() >= rejected.end():
            return None
        return following if in_region(following.start(), following.end(), region, len(self.text)) else None

    def _matches(
        self, compiled: CompiledRegex, regions: list[tuple[int, int]] | None
    ) -> Iterator[tuple[Any, tuple[int, int]]]:
        """The element's matches, each with the region it was found in: the whole text, or
        one of the regions the prefilter found."""
        size = len(self.text)
        if regions is None:
            for match in compiled.pattern.finditer(self.text, timeout=self.deadline.remaining(), concurrent=True):
                yield match, (0, size)
            return
        for region in regions:
            for match in compiled.pattern.finditer(
                self.text, region[0], region[1], timeout=self.deadline.remaining(), concurrent=True
            ):
                if in_region(match.start(), match.end(), region, size):
                    yield match, region

    def _reject_reason(
        self, compiled: CompiledRegex, match: regex.Match[str], value: str
    ) -> tuple[str, RejectionStage] | None:
        """Why the element's checks or validators turn the value down, if they do."""
        element = compiled.element
        if not element.checks.is_empty():
            normalized = normalize(value, element.normalize)
            # Prefixes and suffixes surround the whole regex match, not just its value group.
            whole_start, whole_end = match.span()
            reason = failed_check(element.checks, value, normalized, self.text, whole_start, whole_end)
            if reason is not None:
                return reason, RejectionStage.CHECK
        for validator in compiled.validators:
            target = value if validator.group is None else (match.group(validator.group) or "")
            reason = validator.check(target)
            if reason is not None:
                return f"{validator.name}: {reason}", RejectionStage.VALIDATOR
        return None

    def _find_function(
        self, function: CompiledFunction, windows: list[tuple[int, int]] | None = None
    ) -> list[Occurrence]:
        sit = self.scanner.sits[function.key[0]]
        where = f"running function {function.element.function!r} of SIT {sit.definition.name!r}"
        self.deadline.check(where)
        size = len(self.text)
        items: list[Occurrence] = []
        for low, high in windows if windows is not None else [(0, size)]:
            # A window is handed over as its own text; what the detector finds at the window's
            # cut edges is ignored (MARGIN keeps real findings away from them).
            for start, end in function.find(self.text[low:high]):
                if start < end and in_region(low + start, low + end, (low, high), size):
                    items.append(Occurrence(low + start, low + end, self.text[low + start : low + end]))
            self.deadline.check(where)
        return items

    # -- patterns ---------------------------------------------------------------------

    def _evaluate_sit(self, sit: CompiledSit, threshold: int) -> tuple[list[Match], int, EngineTimeout | None]:
        """The SIT's matches, the candidates examined, and the time-out that stopped it.

        Stopped by its time running out, the SIT keeps the matches it had confirmed: each
        passed its checks, validators and the first pattern that holds. (A confirmed match
        may overlap an unexamined one of higher confidence; reporting it is the safe side.)
        """
        stopped: EngineTimeout | None = None
        candidates: list[Match] = []
        # For explanations only: why the patterns above the one that fired did not hold.
        missed_higher: dict[tuple[int, int], str] = {}

        def lookup(name: str) -> OccurrenceList:
            return self.occurrences_of((sit.index, name))

        try:
            examined = self._examine(sit, lookup, candidates, missed_higher)
        except _Stopped as stop:
            examined, stopped = stop.examined, stop.timeout
        kept = self._without_overlaps(sit, candidates)
        for match in kept:
            if match.confidence < threshold:
                reason = f"confidence {match.confidence} is below the minimum {threshold}"
                higher = missed_higher.get((match.start, match.end))
                self._reject_match(
                    sit,
                    match,
                    RejectionStage.CONFIDENCE,
                    f"{reason}; higher patterns did not hold: {higher}" if higher else reason,
                )
        return [match for match in kept if match.confidence >= threshold], examined, stopped

    def _examine(
        self,
        sit: CompiledSit,
        lookup: Callable[[str], OccurrenceList],
        candidates: list[Match],
        missed_higher: dict[tuple[int, int], str],
    ) -> int:
        """Every primary candidate of the SIT through its patterns; how many were examined."""
        definition = sit.definition
        examined = 0
        try:
            for primary, patterns in sit.patterns_by_primary.items():
                if self.viable is not None and (sit.index, primary) not in self.viable:
                    continue
                for occurrence in lookup(primary):
                    if examined % _DEADLINE_STRIDE == 0:
                        self.deadline.check(f"evaluating patterns of SIT {definition.name!r}")
                    examined += 1
                    self._examine_one(sit, primary, patterns, occurrence, lookup, candidates, missed_higher)
        except EngineTimeout as timeout:
            raise _Stopped(examined, timeout) from None
        return examined

    def _examine_one(
        self,
        sit: CompiledSit,
        primary: str,
        patterns: Sequence[Pattern],
        occurrence: Occurrence,
        lookup: Callable[[str], OccurrenceList],
        candidates: list[Match],
        missed_higher: dict[tuple[int, int], str],
    ) -> None:
        definition = sit.definition
        failures: list[str] = []
        for pattern in patterns:
            proximity = definition.pattern_proximity(pattern)
            window = Window(
                max(0, occurrence.start - proximity),
                occurrence.end + proximity,
                occurrence.start,
                occurrence.end,
            )
            outcome = evaluate(pattern.supporting, window, lookup, explain=self.trace is not None)
            if outcome.satisfied:
                candidates.append(
                    self._match(sit, primary, occurrence, pattern.name, pattern.confidence, outcome.evidence)
                )
                if failures:
                    missed_higher[(occurrence.start, occurrence.end)] = "; ".join(failures)
                break
            if self.trace is not None:
                failures.append(f"{pattern.name}: {outcome.reason}")
        else:
            self._reject(
                sit,
                primary,
                occurrence.start,
                occurrence.end,
                occurrence.text,
                RejectionStage.PATTERN,
                "; ".join(failures),
            )

    def _match(
        self,
        sit: CompiledSit,
        primary: str,
        occurrence: Occurrence,
        pattern_name: str,
        confidence: int,
        evidence: Iterable[tuple[str, Occurrence]],
    ) -> Match:
        return Match(
            part=self.part.name,
            start=occurrence.start,
            end=occurrence.end,
            confidence=confidence,
            pattern=pattern_name,
            element=primary,
            value=occurrence.text,
            normalized=normalize(occurrence.text, sit.normalization(primary)),
            evidence=tuple(
                Evidence(name, item.start, item.end, item.text, name in sit.sensitive_elements)
                for name, item in sorted(evidence, key=lambda pair: (pair[1].start, pair[0]))
            ),
        )

    def _without_overlaps(self, sit: CompiledSit, candidates: list[Match]) -> list[Match]:
        """Keep one match where several overlap: the most confident, then the longest, then the first."""
        kept: list[Match] = []  # sorted by start and pairwise disjoint, so only neighbours can overlap
        starts: list[int] = []
        for match in sorted(candidates, key=lambda m: (-m.confidence, -(m.end - m.start), m.start)):
            position = bisect_left(starts, match.start)
            neighbours = kept[max(0, position - 1) : position + 1]
            if any(match.start < other.end and other.start < match.end for other in neighbours):
                self._reject_match(
                    sit,
                    match,
                    RejectionStage.OVERLAP,
                    "overlaps a match of the same SIT with higher or equal confidence",
                )
                continue
            kept.insert(position, match)
            starts.insert(position, match.start)
        return kept

    def _reject_match(self, sit: CompiledSit, match: Match, stage: RejectionStage, reason: str) -> None:
        self._reject(sit, match.element, match.start, match.end, match.value, stage, reason)

    def _reject(
        self, sit: CompiledSit, element: str, start: int, end: int, value: str, stage: RejectionStage, reason: str
    ) -> None:
        if self.trace is not None:
            definition = sit.definition
            self.trace.add(
                sit.index,
                Rejection(definition.id, definition.name, self.part.name, element, start, end, value, stage, reason),
            )
