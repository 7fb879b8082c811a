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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from service.definitions.sets import DefinitionSet
from service.engine.compiled import CompiledFunction, CompiledRegex, CompiledSit
from service.engine.deadline import DEFAULT_TIME_LIMIT_SECONDS, Deadline, EngineTimeout
from service.engine.document import Part, PartError
from service.engine.keywords import KeywordIndex
from service.engine.part_scan import ScanSetup, scan_part
from service.engine.prefilter import Prefilter
from service.engine.rejections import RejectionLog, Trace
from service.engine.report import IncompleteSit, PartSummary, Report
from service.engine.selection import SitTally, results
from service.engine.token_runs import RunIndex, build_run_index

# Characters added to each part's size when the time limit is shared among parts: a small
# part after a huge one still gets enough time to be scanned.
_PART_TIME_FLOOR = 65_536
# And the least share of the document's time limit a part is given, while that much is left:
# in an archive of a thousand members a member's share by size is a few hundredths of a
# second, too little for a dense one (a table of numbers) on a loaded machine.
PART_SHARE_FLOOR = 0.05


def part_share(remaining: float, limit: float, weights: Sequence[int], order: int) -> float:
    """Seconds part ``order`` may spend: its weight's share of what is left, at least
    ``PART_SHARE_FLOOR`` of the limit, never more than is left. Time a part does not use
    goes on to the parts after it."""
    later = sum(weights[order:])
    by_size = remaining * weights[order] / later if later else remaining
    return min(remaining, max(by_size, limit * PART_SHARE_FLOOR))

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

    @cached_property
    def every_sit(self) -> frozenset[int]:
        return frozenset(sit.index for sit in self.sits)

    @cached_property
    def run_index(self) -> RunIndex:
        """Regex elements whose values are whole token runs, found by run length when masking."""
        return build_run_index(self.regexes)

    @cached_property
    def setup(self) -> ScanSetup:
        """What each part's scan reads from the scanner."""
        return ScanSetup(self.sits, (*self.regexes, *self.functions), self.keywords, self.prefilter)

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
            return self.every_sit
        chosen = {definition.id for definition in self.definitions.select(selectors)}
        return frozenset(sit.index for sit in self.sits if sit.definition.id in chosen)

    def classify(self, parts: Sequence[Part], options: ClassifyOptions | None = None) -> Report:
        options = options or ClassifyOptions()
        options.check()
        active = self.select(options.sits)
        started = time.perf_counter()
        deadline = Deadline(options.time_limit or self.time_limit)
        trace = Trace(options.max_trace) if options.explain else None
        # Made on a SIT's first match: most of hundreds of SITs find nothing in a document.
        tallies: dict[int, SitTally] = {}
        summaries: list[PartSummary] = []
        incomplete: list[IncompleteSit] = []
        # Each part gets a share of what is left, by its size (plus a floor): a huge part
        # cannot spend the time of the small ones after it. Time a part does not use goes on
        # to the next.
        weights = [len(part.text) + _PART_TIME_FLOOR if part.error is None else 0 for part in parts]
        for order, part in enumerate(parts):
            error = part.error
            if error is None:
                share = part_share(deadline.remaining(), deadline.limit, weights, order)
                log = RejectionLog(trace, order, part.name) if trace is not None else None
                try:
                    outcome = scan_part(self.setup, part, active, deadline.share(share), options.min_confidence, log)
                except EngineTimeout as timeout:
                    # Nothing was classified in this part (the shared keyword or prefilter pass
                    # ran out): a half-done pass would silently lower confidences.
                    error = PartError("engine_timeout", f"part not classified: {timeout}")
                else:
                    for index, part_matches in outcome.found.items():
                        tally = tallies.get(index)
                        if tally is None:
                            tally = tallies[index] = SitTally(options.max_matches_per_sit)
                        for match in part_matches:
                            tally.add(match, order)
                    incomplete.extend(outcome.incomplete)
                    error = outcome.error
            summaries.append(PartSummary(part.name, part.media_type, len(part.text), part.size, error))
        found = results(
            (
                (self.sits[index].definition.id, self.sits[index].definition.name, tallies[index])
                for index in sorted(tallies)
            ),
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
