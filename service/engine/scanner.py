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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from service.definitions.model import MatchRequirement, Requirement
from service.definitions.sets import DefinitionSet
from service.engine.checks import failed_check, normalize
from service.engine.compiled import CompiledFunction, CompiledRegex, CompiledSit
from service.engine.deadline import DEFAULT_TIME_LIMIT_SECONDS, Deadline, EngineTimeout
from service.engine.document import Part, PartError
from service.engine.evaluate import Window, evaluate
from service.engine.keywords import KeywordIndex
from service.engine.occurrences import EMPTY, ElementKey, Occurrence, OccurrenceList
from service.engine.prefilter import MARGIN, Prefilter, in_region
from service.engine.report import Evidence, Match, PartSummary, Rejection, Report, SitResult
from service.engine.spans import Spans, covered, intersect, merge_spans

# How often (in candidates) Python-level loops look at the clock.
_DEADLINE_STRIDE = 256
# A primary needed only near keywords is looked for there with `regex` directly, unless
# those neighbourhoods cover more than this share of the part.
_GATED_SHARE = 0.25
# Prefilter regions covering more than this share of a part are looked at again, finer.
_DENSE_SHARE = 0.25


@dataclass(frozen=True)
class ClassifyOptions:
    min_confidence: int | None = None  # None: each SIT's recommended confidence
    sits: tuple[str, ...] | None = None  # ids, names or bundle names; None: every SIT
    explain: bool = False
    time_limit: float | None = None  # seconds for the whole document; None: the scanner's


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
        if options.min_confidence is not None and not 1 <= options.min_confidence <= 100:
            raise ValueError("min_confidence must be between 1 and 100")
        active = self.select(options.sits)
        started = time.perf_counter()
        deadline = Deadline(options.time_limit or self.time_limit)
        trace: list[Rejection] | None = [] if options.explain else None
        matches: dict[int, list[Match]] = {index: [] for index in active}
        summaries: list[PartSummary] = []
        for part in parts:
            error = part.error
            if error is None:
                try:
                    part_trace: list[Rejection] | None = [] if trace is not None else None
                    found = _PartScan(self, part, active, deadline, part_trace).run(options.min_confidence)
                except EngineTimeout as timeout:
                    # The part's findings are dropped rather than reported incomplete: a
                    # missing keyword scan would silently lower confidences.
                    error = PartError("engine_timeout", f"part not classified: {timeout}")
                else:
                    for index, part_matches in found.items():
                        matches[index].extend(part_matches)
                    if trace is not None and part_trace is not None:
                        trace.extend(part_trace)
            summaries.append(PartSummary(part.name, part.media_type, len(part.text), part.size, error))
        results = tuple(
            SitResult(sit.definition.id, sit.definition.name, tuple(matches[sit.index]))
            for sit in self.sits
            if sit.index in active and matches[sit.index]
        )
        return Report(
            results=results,
            parts=tuple(summaries),
            elapsed_ms=(time.perf_counter() - started) * 1000,
            sits_scanned=len(active),
            trace=tuple(trace) if trace is not None else None,
        )


class _PartScan:
    """The state of classifying one part; discarded afterwards."""

    def __init__(
        self, scanner: Scanner, part: Part, active: frozenset[int], deadline: Deadline, trace: list[Rejection] | None
    ) -> None:
        self.scanner = scanner
        self.part = part
        self.text = part.text
        self.active = active
        self.deadline = deadline
        self.trace = trace
        self.occurrences: dict[ElementKey, OccurrenceList] = {}
        self.deferred: dict[ElementKey, CompiledRegex | CompiledFunction] = {}
        self.regions: dict[int, list[tuple[int, int]] | None] = {}
        self.viable: set[ElementKey] | None = None
        # Keyword occurrences near which a viable primary must be (None: anywhere).
        self.anchors: dict[ElementKey, list[tuple[int, OccurrenceList]] | None] = {}

    def run(self, min_confidence: int | None) -> dict[int, list[Match]]:
        self.deadline.check("classifying earlier parts of the document")
        self._find_keywords()
        # Primary elements are looked for now; supporting-only regex and function elements
        # (dates, secondary regexes) only when a pattern first asks for them, so a costly
        # detector runs only in documents where some primary candidate needs it.
        self.viable = None if self.trace is not None else self._viable_primaries(min_confidence)
        size = len(self.text)
        plan: list[tuple[CompiledRegex | CompiledFunction, list[ElementKey], list[ElementKey], Spans | None]] = []
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
            plan.append((element, keys, primaries, windows))
        prefilter = self.scanner.prefilter
        if prefilter is not None:
            self.deadline.check("prefiltering")
            # Only elements to be found in the whole part need the Hyperscan pass; those looked
            # for around keywords are cheaper to check there directly.
            wanted = [e.index for e, _, _, windows in plan if windows is None and isinstance(e, CompiledRegex)]
            self.regions = prefilter.regions(self.text, wanted)
            for index, regions in self.regions.items():
                if regions is not None and covered(regions) > size * _DENSE_SHARE:
                    self.regions[index] = prefilter.refine(self.text, index, regions)
        for element, keys, primaries, windows in plan:
            if windows is None:
                self._scan(element, keys)
                continue
            # Found only near keywords: these findings serve the gated primaries alone; any
            # other use of the element (as supporting evidence) looks for it where it needs it.
            self.deferred.update(dict.fromkeys(keys, element))
            if isinstance(element, CompiledRegex):
                windows = self._narrow(element, windows)
            self._scan(element, primaries, windows)
        found: dict[int, list[Match]] = {}
        for sit in self.scanner.sits:
            if sit.index in self.active:
                threshold = sit.definition.recommended_confidence if min_confidence is None else min_confidence
                found[sit.index] = self._evaluate_sit(sit, threshold)
        return found

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
        primaries is found: around their keyword anchors; None for the whole part."""
        if not isinstance(element, CompiledRegex) or element.width is None:
            return None
        spans: list[tuple[int, int]] = []
        size = len(self.text)
        for key in primaries:
            anchors = self.anchors.get(key)
            if anchors is None:
                return None
            # A keyword [ks, ke) counts for a match [s, e) when s - proximity <= ks and
            # ke <= e + proximity; with e - s <= width, such a match lies in this span.
            for proximity, found in anchors:
                reach = proximity + element.width + MARGIN
                spans.extend((max(0, item.start - reach), min(size, item.end + reach)) for item in found)
        return merge_spans(spans)

    def _is_primary(self, key: ElementKey) -> bool:
        sit_index, name = key
        return name in self.scanner.sits[sit_index].patterns_by_primary

    def _scan(
        self,
        element: CompiledRegex | CompiledFunction,
        keys: list[ElementKey],
        windows: list[tuple[int, int]] | None = None,
    ) -> OccurrenceList:
        """Find an element (everywhere, or only in ``windows``) and share its findings with ``keys``."""
        if isinstance(element, CompiledRegex):
            items = self._find_regex(element, keys, windows)
        else:
            items = self._find_function(element, windows)
        found = OccurrenceList(items)
        for key in keys:
            self.occurrences[key] = found
            self.deferred.pop(key, None)
        return found

    def occurrences_of(self, key: ElementKey) -> OccurrenceList:
        found = self.occurrences.get(key)
        if found is not None:
            return found
        element = self.deferred.get(key)
        if element is None:
            return EMPTY
        # Keys already found (primaries looked for near their keywords) keep their findings.
        keys = [k for k in element.keys if k[0] in self.active and k not in self.occurrences]
        # A supporting element only counts near a primary candidate of its SITs: look for it
        # only there, not in the whole part.
        # (Explanations look everywhere, so that "too far away" can be told from "absent".)
        if self.trace is not None:
            return self._scan(element, keys)
        windows = self._proximity_windows(keys)
        if isinstance(element, CompiledRegex):
            windows = self._narrow(element, windows)
        return self._scan(element, keys, windows)

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
        try:
            for count, match in enumerate(self._matches(compiled, regions)):
                if count % _DEADLINE_STRIDE == 0:
                    self.deadline.check(where)
                start, end = match.span(element.value_group) if element.value_group else match.span()
                if start >= end:
                    continue
                value = self.text[start:end]
                reason, stage = self._reject_reason(compiled, match, value)
                if reason is not None:
                    for sit_index, name in keys:
                        self._reject(self.scanner.sits[sit_index], name, start, end, value, stage, reason)
                    continue
                items.append(Occurrence(start, end, value))
        except TimeoutError:
            raise EngineTimeout(self.deadline.limit, where) from None
        return items

    def _matches(self, compiled: CompiledRegex, regions: list[tuple[int, int]] | None) -> Iterator[Any]:
        """The element's matches: in the whole text, or only in the regions the prefilter found."""
        if regions is None:
            yield from compiled.pattern.finditer(self.text, timeout=self.deadline.remaining(), concurrent=True)
            return
        size = len(self.text)
        for region in regions:
            for match in compiled.pattern.finditer(
                self.text, region[0], region[1], timeout=self.deadline.remaining(), concurrent=True
            ):
                if in_region(match.start(), match.end(), region, size):
                    yield match

    def _reject_reason(self, compiled: CompiledRegex, match: object, value: str) -> tuple[str | None, str]:
        element = compiled.element
        if not element.checks.is_empty():
            normalized = normalize(value, element.normalize)
            # Prefixes and suffixes surround the whole regex match, not just its value group.
            whole_start, whole_end = match.span()  # type: ignore[attr-defined]
            reason = failed_check(element.checks, value, normalized, self.text, whole_start, whole_end)
            if reason is not None:
                return reason, "check"
        for validator in compiled.validators:
            target = value if validator.group is None else (match.group(validator.group) or "")  # type: ignore[attr-defined]
            reason = validator.check(target)
            if reason is not None:
                return f"{validator.name}: {reason}", "validator"
        return None, ""

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

    def _evaluate_sit(self, sit: CompiledSit, threshold: int) -> list[Match]:
        definition = sit.definition
        candidates: list[Match] = []
        # For explanations only: why the patterns above the one that fired did not hold.
        missed_higher: dict[tuple[int, int], str] = {}

        def lookup(name: str) -> OccurrenceList:
            return self.occurrences_of((sit.index, name))

        for primary, patterns in sit.patterns_by_primary.items():
            if self.viable is not None and (sit.index, primary) not in self.viable:
                continue
            for count, occurrence in enumerate(lookup(primary)):
                if count % _DEADLINE_STRIDE == 0:
                    self.deadline.check(f"evaluating patterns of SIT {definition.name!r}")
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
                        sit, primary, occurrence.start, occurrence.end, occurrence.text, "pattern", "; ".join(failures)
                    )
        kept = self._without_overlaps(sit, candidates)
        for match in kept:
            if match.confidence < threshold:
                reason = f"confidence {match.confidence} is below the minimum {threshold}"
                higher = missed_higher.get((match.start, match.end))
                self._reject_match(
                    sit, match, "confidence", f"{reason}; higher patterns did not hold: {higher}" if higher else reason
                )
        return [match for match in kept if match.confidence >= threshold]

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
                    sit, match, "overlap", "overlaps a match of the same SIT with higher or equal confidence"
                )
                continue
            kept.insert(position, match)
            starts.insert(position, match.start)
        return kept

    def _reject_match(self, sit: CompiledSit, match: Match, stage: str, reason: str) -> None:
        self._reject(sit, match.element, match.start, match.end, match.value, stage, reason)

    def _reject(
        self, sit: CompiledSit, element: str, start: int, end: int, value: str, stage: str, reason: str
    ) -> None:
        if self.trace is not None:
            definition = sit.definition
            self.trace.append(
                Rejection(definition.id, definition.name, self.part.name, element, start, end, value, stage, reason)
            )
