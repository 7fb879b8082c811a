"""One Hyperscan pass over a part tells which regex elements can match, and roughly where.

Every regex element of every SIT is compiled into one Hyperscan database in prefilter
mode: Hyperscan accepts constructs it cannot run exactly (look-arounds,
back-references) by matching a superset, so a missing hit proves there is no match. For
each element the pass yields the regions of the text around its hits; the `regex`
package then runs the element's exact pattern in those regions only. Elements without
hits cost nothing, so the cost grows with the text and the candidates, not with the
number of SITs. The results are the same as scanning the whole part with `regex`: the
test-suite checks it on every example and on a generated corpus.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.engine.compiled import CompiledRegex
from service.engine.hyperscan_build import DatabaseSet, build_database_set
from service.spans import merge_spans, widen

logger = logging.getLogger("dlp.engine")

try:  # Hyperscan is an optional accelerator: without it, the engine scans with `regex` alone.
    import hyperscan
except ImportError:  # pragma: no cover - exercised where the wheel is unavailable
    hyperscan = None  # type: ignore[assignment]

# A counted repeat whose lower bound is in the thousands: Hyperscan would unroll it. (Wide
# upper bounds are opened by _loosen and cost nothing.)
_LARGE_REPEAT = re.compile(r"\{\d{4,}(?:,\d*)?\}")
_WIDE_REPEAT = re.compile(r"\{(\d+),\d{2,}\}")


# A named group whose body holds no group of its own, and a back-reference to a name.
_SIMPLE_GROUP = re.compile(r"\(\?P<(\w+)>((?:\\.|\[(?:\\.|[^\]\\])*\]|[^()\\\[])*)\)")
_BACK_REFERENCE = re.compile(r"\(\?P=(\w+)\)")


def _loosen(pattern: str) -> str:
    """The pattern made cheaper for Hyperscan, matching the same texts and maybe more.

    A prefilter may match more than the pattern, never less. Wide counted repeats
    ({1,256}) are opened ({1,}): open repeats compile far faster. A back-reference to a
    simple group ((?P=sep) after (?P<sep>[ -]?)) becomes a copy of the group's pattern:
    whatever the group matched, its pattern matches again, while Hyperscan's own
    approximation of a back-reference accepts almost anything and so marks nearly every
    block. Regions are still sized from the exact pattern.
    """
    bodies = {match.group(1): match.group(2) for match in _SIMPLE_GROUP.finditer(pattern)}
    pattern = _BACK_REFERENCE.sub(
        lambda m: f"(?:{bodies[m.group(1)]})" if m.group(1) in bodies else m.group(0), pattern
    )
    return _WIDE_REPEAT.sub(
        lambda m: "{" + m.group(1) + ",}" if int(m.group(0)[1:-1].split(",")[1]) >= 64 else m.group(0), pattern
    )


# Bytes per prefilter block: regions are whole blocks (plus margins) around hits. Each
# block costs a call per database, so larger blocks cost less for the many small and
# middling files of a tree; regions that come out dense are refined in pieces anyway.
BLOCK = 16384
# Characters around a region that are scanned but in which no match may start or end:
# look-arounds see their context there, and a match cut by the region's edge is ignored.
MARGIN = 64
# Characters per piece when regions covering much of a part are looked at again (refine).
PIECE = 1024
# Bytes 0x80-0xBF continue a UTF-8 sequence; counting them turns byte offsets into code points.
_CONTINUATION = bytes.maketrans(bytes(range(0x80, 0xC0)), b"\x01" * 64)


@dataclass(frozen=True)
class _Entry:
    index: int  # position of the element in the scanner's regex list
    width: int | None


class Prefilter:
    """The compiled database; immutable, shared by every request of a scanner."""

    def __init__(self, regexes: Sequence[CompiledRegex], usually_gated: frozenset[int] = frozenset()) -> None:
        """``usually_gated``: elements usually looked for near keywords, not in the whole
        part; compiled into databases of their own, which a part scans only when needed."""
        if hyperscan is None:
            raise RuntimeError("hyperscan is not installed")
        self.size = len(regexes)
        unfiltered: set[int] = set()
        # UTF-8 mode, so classes consume whole characters as `regex` does; no UCP: element
        # regexes use ASCII classes (\d, \w, \s), which is also far cheaper to compile.
        # One report per expression per block is all that is needed: it marks the block.
        base = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY
        base |= hyperscan.HS_FLAG_SINGLEMATCH
        widths = {index: compiled.width for index, compiled in enumerate(regexes)}
        # Hyperscan unrolls counted repeats: a lower bound in the thousands can take minutes
        # to compile. Such elements are scanned with `regex` alone.
        unfiltered |= {
            index for index, compiled in enumerate(regexes) if _LARGE_REPEAT.search(compiled.element.pattern)
        }
        every = [
            (index, _loosen(compiled.element.pattern).encode("utf-8"),
             base | (0 if compiled.element.case_sensitive else hyperscan.HS_FLAG_CASELESS))
            for index, compiled in enumerate(regexes)
            if index not in unfiltered
        ]  # fmt: skip
        # A match longer than a block's overlap could straddle blocks unseen: such elements are
        # only tested for presence over the whole text, and scanned in full when present.
        unbounded = [candidate for candidate in every if widths[candidate[0]] is None]
        candidates = sorted(
            (candidate for candidate in every if widths[candidate[0]] is not None),
            key=lambda candidate: candidate[0] in usually_gated,
        )
        self._presence = _compile(unbounded)
        if self._presence is None and unbounded:
            unfiltered |= {i for i, expression, flag in unbounded if _compile([(i, expression, flag)]) is None}
            unbounded = [candidate for candidate in unbounded if candidate[0] not in unfiltered]
            self._presence = _compile(unbounded)
        self._presence_index = [index for index, _, _ in unbounded]
        self._database = _compile(candidates, _group_starts(candidates, usually_gated))
        if self._database is None and candidates:
            # Some expression is beyond Hyperscan: find which, and scan those in full with `regex`.
            unfiltered |= {
                index for index, expression, flag in candidates if _compile([(index, expression, flag)]) is None
            }
            candidates = [candidate for candidate in candidates if candidate[0] not in unfiltered]
            self._database = _compile(candidates, _group_starts(candidates, usually_gated))
        self._entries = [_Entry(index, widths[index]) for index, _, _ in candidates]
        self._expression_of = {entry.index: position for position, entry in enumerate(self._entries)}
        # Blocks overlap by the longest match, so every match lies whole in the block where it starts.
        self._overlap = max([1, *(entry.width or 0 for entry in self._entries)])
        self.unfiltered = frozenset(unfiltered)
        if unfiltered:
            logger.info("%d regex elements are not prefiltered and will be scanned in full", len(unfiltered))

    def confirm(self, text: str, index: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The spans of ``text`` in which Hyperscan sees the element (all when it cannot tell).

        For elements looked for only near keywords or near a primary match: a few small
        scans of one database spare the `regex` confirmation of every window.
        """
        position = self._expression_of.get(index)
        database = self._database
        if position is None or database is None:
            return spans
        kept: list[tuple[int, int]] = []
        for low, high in spans:
            try:
                data = text[low:high].encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates: let `regex` decide
                kept.append((low, high))
                continue
            if database.sees(position, data):
                kept.append((low, high))
        return kept

    def refine(self, text: str, index: int, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Regions cut into pieces of about ``PIECE`` characters, keeping those Hyperscan sees the
        element in: for a pattern that hits most blocks of a part (card-like numbers in a log),
        a second, finer look costs less than running `regex` over nearly all the text."""
        position = self._expression_of.get(index)
        width = self._entries[position].width if position is not None else None
        if width is None:
            return regions
        pieces: list[tuple[int, int]] = []
        for low, high in regions:
            # Pieces overlap by the longest match and a margin on each side, so every match
            # lies whole in the piece where it starts, with its look-around context.
            step = PIECE
            for start in range(low, high, step):
                pieces.append((start, min(high, start + step + width + 2 * MARGIN)))
        return merge_spans(self.confirm(text, index, pieces))

    def regions(self, text: str, wanted: Sequence[int]) -> dict[int, list[tuple[int, int]] | None]:
        """For each wanted element: None (scan all of ``text``) or the regions to scan ([] = none)."""
        result: dict[int, list[tuple[int, int]] | None] = {index: [] for index in wanted}
        for index in wanted:
            if index in self.unfiltered:
                result[index] = None
        if (self._database is None and self._presence is None) or not text:
            return result
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: not valid UTF-8 for Hyperscan, so scan in full
            return dict.fromkeys(wanted)
        self._mark_present(encoded, result)
        database = self._database
        if database is None:
            return result
        needed = database.needed({self._expression_of[i] for i in wanted if i in self._expression_of})
        if not needed:
            return result
        if len(encoded) <= BLOCK + self._overlap:
            # One block (a short document, a snippet): a hit means the whole text.
            hit: set[int] = set()
            database.scan(encoded, match_event_handler=lambda expression_id, *_: hit.add(expression_id), parts=needed)
            for expression_id in hit:
                entry = self._entries[expression_id]
                if entry.index in result and result[entry.index] is not None and entry.width is not None:
                    result[entry.index] = [(0, len(text))]
            return result
        self._mark_blocks(text, encoded, self._hit_blocks(database, encoded, needed), result)
        return result

    def _hit_blocks(
        self, database: DatabaseSet, encoded: bytes, needed: list[tuple[Any, int, int]]
    ) -> dict[int, list[int]]:
        """Expression → byte offsets of the blocks of ``encoded`` it hit, in increasing order."""
        blocks: dict[int, list[int]] = {}
        block_start = 0

        def on_match(expression_id: int, start: int, end: int, flags: int, context: object) -> None:
            blocks.setdefault(expression_id, []).append(block_start)

        # Scanning in blocks, each expression reports at most once per block: a frequent pattern
        # costs one callback per block instead of one per occurrence.
        for block_start in range(0, len(encoded), BLOCK):
            block = encoded[block_start : block_start + BLOCK + self._overlap]
            database.scan(block, match_event_handler=on_match, parts=needed)
        return blocks

    def _mark_present(self, encoded: bytes, result: dict[int, list[tuple[int, int]] | None]) -> None:
        """Elements scanned whole wherever they may match at all: the whole text, or nothing."""
        if self._presence is None or not any(index in result for index in self._presence_index):
            return
        present: set[int] = set()
        self._presence.scan(
            encoded, match_event_handler=lambda expression_id, *_: present.add(self._presence_index[expression_id])
        )
        for index in self._presence_index:
            if index in result:
                result[index] = None if index in present else []

    def _mark_blocks(
        self,
        text: str,
        encoded: bytes,
        blocks: dict[int, list[int]],
        result: dict[int, list[tuple[int, int]] | None],
    ) -> None:
        """The regions of each expression: the blocks it hit (byte offsets), as merged character ranges."""
        edges = [edge for hits in blocks.values() for start in hits for edge in (start, start + BLOCK + self._overlap)]
        to_char = _char_offsets(text, encoded, [min(edge, len(encoded)) for edge in edges])
        size = len(text)
        for expression_id, hits in blocks.items():
            entry = self._entries[expression_id]
            if entry.index not in result or result[entry.index] is None or entry.width is None:
                continue
            end = len(encoded)
            hit = ((to_char[start], to_char[min(start + BLOCK + self._overlap, end)]) for start in hits)
            result[entry.index] = widen(hit, MARGIN, size)  # hits are in increasing order


# Hyperscan compiles several small databases much faster than one large one (the combined
# automaton costs more than the sum of its parts), and scanning a few of them costs little.
DATABASE_CHUNK = 24
# ...and at most this many bytes of expressions, so that a long one (IBAN's per-country
# alternatives) is compiled on its own, in parallel with the rest.
CHUNK_BYTES = 2048


def _group_starts(candidates: list[tuple[int, bytes, int]], usually_gated: frozenset[int]) -> list[int]:
    """Where the usually gated expressions begin (they are sorted after the others)."""
    return [sum(1 for candidate in candidates if candidate[0] not in usually_gated)]


def _compile(candidates: list[tuple[int, bytes, int]], group_starts: Sequence[int] = ()) -> DatabaseSet | None:
    """Databases of the expressions (ids are their positions in ``candidates``), or None if one fails.

    A database never spans a group start, so that a group can be skipped as a whole.
    """
    if not candidates:
        return None
    edges = sorted({0, len(candidates), *(start for start in group_starts if 0 < start < len(candidates))})
    ranges: list[tuple[int, int]] = []
    for group_start, group_end in itertools.pairwise(edges):
        start = size = 0
        for position in range(group_start, group_end):
            length = len(candidates[position][1])
            if position > group_start and (position - start >= DATABASE_CHUNK or size + length > CHUNK_BYTES):
                ranges.append((start, position))
                start = size = 0
            if size == 0:
                start = position
            size += length
        ranges.append((start, group_end))
    return build_database_set([[(expression, flag) for _, expression, flag in candidates[a:b]] for a, b in ranges])


def _char_offsets(text: str, encoded: bytes, offsets: Sequence[int]) -> dict[int, int]:
    """Code-point offsets for UTF-8 byte offsets (identity for ASCII text), counted in one sweep."""
    if len(encoded) == len(text):
        return {offset: offset for offset in offsets}
    marks = encoded.translate(_CONTINUATION)
    converted: dict[int, int] = {}
    position = continuations = 0
    for offset in sorted(set(offsets)):
        continuations += marks.count(1, position, offset)
        position = offset
        converted[offset] = offset - continuations
    return converted


def in_region(start: int, end: int, region: tuple[int, int], size: int) -> bool:
    """Whether a match found while scanning ``region`` is real (not cut or misread at an edge)."""
    low, high = region
    return (low == 0 or start >= low + MARGIN) and (high == size or end <= high - MARGIN)
