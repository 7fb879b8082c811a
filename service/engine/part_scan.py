"""Classifying one part: the steps in order, and the findings they share.

keywords → viable primaries → plan (windows, prefilter) → for each SIT, cheapest first:
its planned elements' candidates → its evaluation. Each step is a function of its own
module taking and returning values; this module only runs them in order and keeps the
occurrences found so far, so that an element used by several SITs is looked for once, and
a supporting element is looked for only when (and where) a pattern first needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from service.engine.candidates import Refusal, find_function, find_regex
from service.engine.compiled import CompiledRegex, CompiledSit
from service.engine.deadline import Deadline, EngineTimeout
from service.engine.document import Part, PartError
from service.engine.keywords import KeywordIndex
from service.engine.occurrences import EMPTY, ElementKey, Occurrence, OccurrenceList
from service.engine.planning import Element, ElementUses, Plan, PlannedElement, make_plan
from service.engine.prefilter import MARGIN, Prefilter
from service.engine.rejections import RejectionLog
from service.engine.report import IncompleteReason, IncompleteSit, Match
from service.engine.sit_evaluation import SitEvaluation, evaluate_sit
from service.engine.viability import EVERY_PRIMARY, Viability, ViabilityIndex, sit_threshold, viable_primaries
from service.spans import Spans, intersect, merge_spans, widen


@dataclass
class PartOutcome:
    found: dict[int, list[Match]]
    incomplete: list[IncompleteSit]
    error: PartError | None = None


@dataclass(frozen=True)
class ScanSetup:
    """What a part's scan reads from the compiled scanner."""

    sits: tuple[CompiledSit, ...]
    elements: tuple[Element, ...]  # regex elements, then function elements
    keywords: KeywordIndex
    prefilter: Prefilter | None
    # Indexes over the SITs and elements, so that a part's steps visit only what it may hold.
    uses: ElementUses = field(init=False)
    viability: ViabilityIndex = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uses", ElementUses.of(self.elements))
        object.__setattr__(self, "viability", ViabilityIndex(self.sits))


def find_keywords(setup: ScanSetup, text: str, active: frozenset[int]) -> dict[ElementKey, OccurrenceList]:
    """The first step: every keyword of the active SITs, in one automaton pass."""
    every = len(active) == len(setup.sits)
    found = setup.keywords.find(text, None if every else set(active))
    return {key: OccurrenceList(items) for key, items in found.items()}


def scan_part(
    setup: ScanSetup,
    part: Part,
    active: frozenset[int],
    deadline: Deadline,
    min_confidence: int | None,
    log: RejectionLog | None = None,
) -> PartOutcome:
    """Classify the part; a ``EngineTimeout`` escapes only when nothing could be classified."""
    deadline.check("classifying earlier parts of the document")
    deadline.check("finding keywords")
    keywords = find_keywords(setup, part.text, active)
    viability = (
        EVERY_PRIMARY
        if log is not None
        else viable_primaries(setup.sits, active, keywords, min_confidence, setup.viability)
    )
    plan = make_plan(setup.sits, setup.elements, active, viability, part.text, setup.prefilter, deadline, setup.uses)
    store = _Occurrences(setup, part.text, active, plan, keywords, deadline, log)
    return _run_sits(setup, part, active, min_confidence, viability, store)


def _run_sits(
    setup: ScanSetup,
    part: Part,
    active: frozenset[int],
    min_confidence: int | None,
    viability: Viability,
    store: _Occurrences,
) -> PartOutcome:
    """Cheap SITs first, each with at most half of the part's time left (the last one with
    work gets all of it): an expensive SIT (a padded document's keyword on every line) runs
    out of its own share and is reported incomplete, while the others answer. Cost is
    estimated by the text each SIT's primaries will be looked for in."""
    by_sit = store.plan.by_sit()
    costs = {index: sum(entry.cost for entry in entries) for index, entries in by_sit.items()}
    # A SIT with nothing to look at (no viable primary, or only primaries the prefilter rules
    # out) can have no candidate, hence no match nor rejection: with hundreds of vendor SITs,
    # most parts skip most of them here, without a step.
    order = sorted((index for index, cost in costs.items() if cost > 0), key=lambda index: (costs[index], index))
    part_deadline = store.deadline
    outcome = PartOutcome({}, [])
    answered = False  # some SIT with work to do finished
    timeouts: list[EngineTimeout] = []
    for position, index in enumerate(order):
        sit = setup.sits[index]
        # The last SIT may take all the time that is left.
        alone = position == len(order) - 1
        left = part_deadline.remaining()
        store.deadline = part_deadline.share(left if alone else left / 2)
        threshold = sit_threshold(sit.definition, min_confidence)
        evaluation = _classify_sit(sit, by_sit[index], threshold, viability, part.name, store)
        if evaluation.matches:
            outcome.found[index] = evaluation.matches
        if evaluation.stopped is None:
            answered = True
            continue
        timeouts.append(evaluation.stopped)
        definition = sit.definition
        outcome.incomplete.append(
            IncompleteSit(
                definition.id, definition.name, part.name, IncompleteReason.ENGINE_TIMEOUT, str(evaluation.stopped)
            )
        )
    store.deadline = part_deadline
    if timeouts and not answered:
        # Every SIT that had anything to look at ran out: the part as a whole was not
        # classified (what they had confirmed is still reported).
        state = "only partly classified" if any(outcome.found.values()) else "not classified"
        outcome.error = PartError("engine_timeout", f"part {state}: {timeouts[0]}")
        outcome.incomplete = []
    return outcome


def _classify_sit(
    sit: CompiledSit,
    entries: Iterable[PlannedElement],
    threshold: int,
    viability: Viability,
    part_name: str,
    store: _Occurrences,
) -> SitEvaluation:
    """Look for the SIT's planned primaries, then evaluate its patterns."""
    try:
        for entry in entries:
            store.run(entry)
    except EngineTimeout as timeout:
        return SitEvaluation([], 0, timeout)
    store.ready.add(sit.index)

    def lookup(name: str) -> OccurrenceList:
        return store.of((sit.index, name))

    return evaluate_sit(sit, lookup, threshold, viability, part_name, store.deadline, store.log)


@dataclass
class _Occurrences:
    """The occurrences found in a part, by use; elements are looked for on first demand."""

    setup: ScanSetup
    text: str
    active: frozenset[int]
    plan: Plan
    found: dict[ElementKey, OccurrenceList]
    deadline: Deadline  # the part's, then the share of the SIT being classified
    log: RejectionLog | None  # explaining: rejections are logged and nothing is pruned
    pending: dict[ElementKey, PlannedElement] = field(init=False)
    done: set[int] = field(default_factory=set)  # ids of plan entries already run
    # Uses whose element ran out of time: every SIT that needs one is incomplete.
    failed: dict[ElementKey, EngineTimeout] = field(default_factory=dict)
    # SITs whose primaries have all been looked for: a supporting element looked for near
    # primary candidates serves these only (the others' candidates are not known yet).
    ready: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.pending = {key: entry for entry in self.plan.entries for key in entry.answers}

    def run(self, entry: PlannedElement) -> None:
        """Look for a planned element (once), where the plan says."""
        if id(entry) in self.done:
            failed = next((self.failed[key] for key in entry.keys if key in self.failed), None)
            if failed is not None:
                raise failed
            return
        self.done.add(id(entry))
        if entry.windows is None:
            self._scan(entry.element, entry.keys)
            return
        windows = entry.windows
        if isinstance(entry.element, CompiledRegex):
            windows = self._narrow(entry.element, windows)
        self._scan(entry.element, entry.primaries, windows)

    def of(self, key: ElementKey) -> OccurrenceList:
        """The occurrences of one use, looking for its element now if it was not yet."""
        found = self.found.get(key)
        if found is not None:
            return found
        failed = self.failed.get(key)
        if failed is not None:
            raise failed
        entry = self.pending.get(key)
        if entry is not None and id(entry) not in self.done:
            self.run(entry)
            return self.found.get(key, EMPTY)
        element = self.plan.deferred.get(key)
        if element is None:
            return EMPTY
        return self._find_deferred(element)

    def _find_deferred(self, element: Element) -> OccurrenceList:
        # Keys already found (primaries looked for near their keywords) keep their findings,
        # and planned ones are looked for as planned.
        keys = [k for k in element.keys if k[0] in self.active and k not in self.found and not self._planned_later(k)]
        # A supporting element only counts near a primary candidate of its SITs: look for it
        # only there, not in the whole part.
        # (Explanations look everywhere, so that "too far away" can be told from "absent".)
        if self.log is not None:
            return self._scan(element, keys)
        # Only SITs whose primaries are known can say where; the others look again later.
        keys = [k for k in keys if k[0] in self.ready]
        windows = self._proximity_windows(keys)
        if isinstance(element, CompiledRegex):
            windows = self._narrow(element, windows)
        return self._scan(element, keys, windows)

    def _planned_later(self, key: ElementKey) -> bool:
        entry = self.pending.get(key)
        return entry is not None and id(entry) not in self.done

    def _narrow(self, element: CompiledRegex, windows: Spans) -> Spans:
        """The windows in which the prefilter does not rule the element out."""
        prefilter = self.setup.prefilter
        if prefilter is None:
            return windows
        if element.index in self.plan.regions:  # the whole-part pass already covered it
            return intersect(windows, self.plan.regions[element.index])
        return prefilter.confirm(self.text, element.index, windows)

    def _proximity_windows(self, keys: list[ElementKey]) -> Spans:
        """Around every primary candidate of the SITs of ``keys``, as far as their proximity reaches."""
        size = len(self.text)
        lists: list[Spans] = []
        for sit_index in {key[0] for key in keys}:
            sit = self.setup.sits[sit_index]
            reach = sit.definition.max_proximity + MARGIN
            for primary in sit.patterns_by_primary:
                found = self.found.get((sit_index, primary))
                if found is not None:
                    lists.append(widen(((o.start, o.end) for o in found), reach, size) or [])
        return merge_spans(span for spans in lists for span in spans)

    def _scan(
        self, element: Element, keys: list[ElementKey] | tuple[ElementKey, ...], windows: Spans | None = None
    ) -> OccurrenceList:
        """Find an element (everywhere, or only in ``windows``) and share its findings with ``keys``.

        When time runs out, every use in ``keys`` is marked failed: each SIT that needs it
        is then incomplete, and no other SIT starts the same scan again.
        """
        try:
            items = self._find(element, keys, windows)
        except EngineTimeout as timeout:
            for key in keys:
                self.failed[key] = timeout
            raise
        found = OccurrenceList(items)
        for key in keys:
            self.found[key] = found
        return found

    def _find(self, element: Element, keys: Sequence[ElementKey], windows: Spans | None) -> list[Occurrence]:
        sit = self.setup.sits[keys[0][0]]
        if not isinstance(element, CompiledRegex):
            where = f"running function {element.element.function!r} of SIT {sit.definition.name!r}"
            return find_function(self.text, element, windows, self.deadline, where)
        where = f"matching element {element.element.name!r} of SIT {sit.definition.name!r}"
        regions = windows if windows is not None else self.plan.regions.get(element.index)
        log = self.log
        if log is None:
            return find_regex(self.text, element, regions, self.deadline, where)

        def rejected(occurrence: Occurrence, refusal: Refusal) -> None:
            for sit_index, name in keys:
                sit = self.setup.sits[sit_index]
                log.add(sit, name, occurrence, refusal.stage, refusal.reason, validator=refusal.validator)

        return find_regex(self.text, element, regions, self.deadline, where, rejected)
