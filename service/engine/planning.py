"""A step of a part's scan: where each element will be looked for, before any SIT is evaluated.

Primary elements are planned now: around their keyword anchors when every reportable
match lies near one ("gated"), else in the whole part, narrowed by the prefilter pass.
Supporting-only elements (dates, secondary regexes) are deferred: looked for only when a
pattern first asks, near primary candidates, so a costly detector runs only in documents
where some candidate needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from service.engine.compiled import CompiledFunction, CompiledRegex, CompiledSit
from service.engine.deadline import Deadline
from service.engine.occurrences import ElementKey
from service.engine.prefilter import BLOCK, MARGIN, Prefilter
from service.engine.viability import Viability
from service.spans import Spans, covered, merge_spans, widen

# A primary needed only near keywords is looked for there with `regex` directly, unless
# those neighbourhoods cover more than this share of the part.
GATED_SHARE = 0.25
# Prefilter regions covering more than this share of a part are looked at again, finer.
DENSE_SHARE = 0.25

Element = CompiledRegex | CompiledFunction


@dataclass(frozen=True)
class PlannedElement:
    """An element to be looked for in a part, before any SIT is evaluated."""

    element: Element
    keys: tuple[ElementKey, ...]  # every active use of the element
    primaries: tuple[ElementKey, ...]  # the uses as a viable primary
    windows: Spans | None  # near keywords only (for the primaries alone), or None: the whole part
    cost: int = 0  # characters `regex` (or the detector) will run over: the estimate SITs are ordered by

    @property
    def answers(self) -> tuple[ElementKey, ...]:
        """The uses this plan's findings serve: all of them, or the gated primaries alone."""
        return self.keys if self.windows is None else self.primaries


@dataclass(frozen=True)
class Plan:
    entries: tuple[PlannedElement, ...]
    # The element of every use: a use no entry answers (a supporting use, or a use of a gated
    # element other than as its gated primary) is looked for only when a pattern asks.
    deferred: Mapping[ElementKey, Element]
    regions: Mapping[int, Spans | None]  # the prefilter's regions, by regex index

    def by_sit(self) -> dict[int, list[PlannedElement]]:
        """The entries each SIT's primaries need."""
        needed: dict[int, list[PlannedElement]] = {}
        for entry in self.entries:
            for sit_index in dict.fromkeys(key[0] for key in entry.primaries):
                needed.setdefault(sit_index, []).append(entry)
        return needed


def plan_elements(
    sits: Sequence[CompiledSit],
    elements: Sequence[Element],
    active: frozenset[int],
    viability: Viability,
    size: int,
    uses: ElementUses | None = None,
    whole_part: Mapping[int, Spans | None] | None = None,
) -> tuple[list[PlannedElement], Mapping[ElementKey, Element]]:
    """The primary elements to look for now (with gated windows, no cost yet), and the element
    that answers each use on demand (every use no entry answers is looked for when asked).

    ``whole_part`` holds the prefilter's regions of the candidate elements over the whole
    part: an element it rules out everywhere ([]) can match nowhere, so it is not planned
    (a pattern that asks for it later looks where it needs it, and finds nothing)."""
    uses = uses or ElementUses.of(elements)
    planned: list[PlannedElement] = []
    # Explaining keeps every element planned: its findings (none) are then known without
    # the whole-part look an explanation takes for an element asked for on demand.
    absent = (whole_part or {}) if viability.pruned else {}
    for position in viable_positions(elements, viability, uses):
        element = elements[position]
        if isinstance(element, CompiledRegex) and absent.get(element.index, None) == []:
            continue
        keys = tuple(key for key in element.keys if key[0] in active)
        primaries = tuple(key for key in keys if key[1] in sits[key[0]].patterns_by_primary and viability.allows(key))
        if not primaries:
            continue
        windows = gate_windows(element, primaries, viability, size)
        if windows is not None and covered(windows) > size * GATED_SHARE:
            windows = None  # keywords all over the part: the prefilter pass narrows it better
        # Found only near keywords, an entry's findings serve the gated primaries alone; any
        # other use of the element (as supporting evidence) looks for it where it needs it.
        planned.append(PlannedElement(element, keys, primaries, windows))
    return planned, uses.element


def viable_positions(elements: Sequence[Element], viability: Viability, uses: ElementUses) -> Sequence[int]:
    """Positions of the elements of viable primaries: pruned, hundreds of SITs whose
    primaries cannot be reported in the part cost nothing."""
    if not viability.pruned:
        return range(len(elements))
    return sorted({uses.position[key] for key in viability.keys})


@dataclass(frozen=True)
class ElementUses:
    """For each use of an element (a SIT's element name): the element, and its position."""

    element: Mapping[ElementKey, Element]
    position: Mapping[ElementKey, int]

    @classmethod
    def of(cls, elements: Sequence[Element]) -> ElementUses:
        element = {key: compiled for compiled in elements for key in compiled.keys}
        position = {key: number for number, compiled in enumerate(elements) for key in compiled.keys}
        return cls(MappingProxyType(element), MappingProxyType(position))


def gate_windows(element: Element, primaries: Sequence[ElementKey], viability: Viability, size: int) -> Spans | None:
    """Where the element must be looked for so that every reportable match of its primaries
    is found: around their keyword anchors; None for the whole part (also when those
    neighbourhoods would cover more than ``GATED_SHARE`` of it)."""
    if not isinstance(element, CompiledRegex) or element.width is None:
        return None
    most = size * GATED_SHARE
    lists: list[Spans] = []
    for key in primaries:
        anchors = viability.anchors_of(key)
        if anchors is None:
            return None
        # A keyword [ks, ke) counts for a match [s, e) when s - proximity <= ks and
        # ke <= e + proximity; with e - s <= width, such a match lies in this span.
        for proximity, found in anchors:
            merged = widen(((o.start, o.end) for o in found), proximity + element.width + MARGIN, size, most)
            if merged is None:
                return None  # this keyword alone is all over the part
            lists.append(merged)
    spans = lists[0] if len(lists) == 1 else merge_spans(span for merged in lists for span in merged)
    return None if covered(spans) > most else spans


def whole_part_regions(
    prefilter: Prefilter | None,
    text: str,
    elements: Sequence[Element],
    viability: Viability,
    uses: ElementUses,
    deadline: Deadline,
) -> dict[int, Spans | None]:
    """One prefilter pass over the part for the regex elements of the viable primaries that
    may match anywhere (no keyword bounds where): those are looked for in the whole part in
    any case, and most of them (self-identifying tokens) are absent from most parts.
    In a large part, elements bounded by keywords are looked for near them, cheaper than a
    pass over all of it; in a small one, the pass costs the same for all."""
    if prefilter is None:
        return {}
    deadline.check("prefiltering")
    if viability.pruned and len(text) > BLOCK:
        positions = sorted({uses.position[key] for key in viability.keys if viability.anchors_of(key) is None})
    elif viability.pruned:
        # A part of one block is scanned once whatever is asked: every viable element is
        # told present or absent at no extra cost, and an absent one is not looked for near
        # its keywords either.
        positions = sorted({uses.position[key] for key in viability.keys})
    else:
        positions = list(range(len(elements)))
    wanted = [element.index for element in (elements[p] for p in positions) if isinstance(element, CompiledRegex)]
    return prefilter.regions(text, wanted)


def prefilter_regions(
    prefilter: Prefilter | None,
    text: str,
    planned: Sequence[PlannedElement],
    deadline: Deadline,
    whole_part: Mapping[int, Spans | None] | None = None,
) -> dict[int, Spans | None]:
    """The prefilter's regions of the elements to be found in the whole part (those looked
    for around keywords are cheaper to check there directly), from ``whole_part`` when that
    pass is done already; dense regions refined."""
    if prefilter is None:
        return {}
    deadline.check("prefiltering")
    wanted = [e.element.index for e in planned if e.windows is None and isinstance(e.element, CompiledRegex)]
    if whole_part is not None and all(index in whole_part for index in wanted):
        regions = {index: whole_part[index] for index in wanted}
    else:
        regions = prefilter.regions(text, wanted)
    for index, found in regions.items():
        if found is not None and covered(found) > len(text) * DENSE_SHARE:
            regions[index] = prefilter.refine(text, index, found)
    return regions


def with_costs(
    planned: Sequence[PlannedElement], regions: Mapping[int, Spans | None], size: int, prefiltered: bool
) -> list[PlannedElement]:
    """Each entry with the characters it will be run over."""
    costed: list[PlannedElement] = []
    for entry in planned:
        if entry.windows is not None:
            cost = covered(entry.windows)
        elif isinstance(entry.element, CompiledRegex) and prefiltered:
            found = regions.get(entry.element.index)
            cost = size if found is None else covered(found)
        else:
            cost = size
        costed.append(PlannedElement(entry.element, entry.keys, entry.primaries, entry.windows, cost))
    return costed


def make_plan(
    sits: Sequence[CompiledSit],
    elements: Sequence[Element],
    active: frozenset[int],
    viability: Viability,
    text: str,
    prefilter: Prefilter | None,
    deadline: Deadline,
    uses: ElementUses | None = None,
) -> Plan:
    """The whole planning step: entries, deferred uses, and the prefilter's regions."""
    uses = uses or ElementUses.of(elements)
    whole_part = whole_part_regions(prefilter, text, elements, viability, uses, deadline)
    planned, deferred = plan_elements(sits, elements, active, viability, len(text), uses, whole_part)
    regions = prefilter_regions(prefilter, text, planned, deadline, whole_part)
    entries = with_costs(planned, regions, len(text), prefilter is not None)
    return Plan(tuple(entries), deferred, MappingProxyType(regions))
