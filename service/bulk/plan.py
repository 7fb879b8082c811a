"""What ``dlp scan`` reads and in what pieces: sources resolved on the driver, files cut into
batches (each one Spark job, and the unit a resumed run does not repeat), a batch's files spread
over partitions by size so that one large file does not hold a whole partition of small ones back."""

from __future__ import annotations

import glob
import heapq
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from service.cli_inputs import InputError, InputFile, Inputs, collect_inputs

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")

T = TypeVar("T")


def is_uri(source: str) -> bool:
    """``s3a://bucket/dump``, ``abfss://…``, ``hdfs://…``, ``file:///…``: read by Spark's file source."""
    return bool(_URI.match(source))


@dataclass
class Sources:
    local: Inputs = field(default_factory=Inputs)
    uris: list[str] = field(default_factory=list)


def resolve_sources(sources: Sequence[str], excludes: Sequence[str], follow_symlinks: bool) -> Sources:
    """Local paths and globs become files exactly as ``dlp classify`` would list them (same names,
    same ``--exclude`` and ``.dlpignore``); URIs are left for Spark to list."""
    resolved = Sources()
    paths: list[str] = []
    for source in sources:
        if is_uri(source):
            resolved.uris.append(source)
        elif _GLOB.search(source) and not _exists(source):
            matches = sorted(glob.glob(source, recursive=True))
            if not matches:
                raise InputError(f"{source}: no file matches")
            paths.extend(matches)
        else:
            paths.append(source)
    if paths:
        resolved.local = collect_inputs(paths, excludes, follow_symlinks)
    return resolved


def _exists(path: str) -> bool:
    return Path(path).exists()


def batches(items: Sequence[T], sizes: Sequence[int], max_files: int, max_bytes: int) -> Iterator[list[T]]:
    """Consecutive runs of ``items`` of at most ``max_files`` files and (unless one file is larger)
    ``max_bytes`` bytes."""
    batch: list[T] = []
    weight = 0
    for item, size in zip(items, sizes, strict=True):
        if batch and (len(batch) >= max_files or weight + size > max_bytes):
            yield batch
            batch, weight = [], 0
        batch.append(item)
        weight += size
    if batch:
        yield batch


def spread(items: Sequence[InputFile], slices: int) -> list[list[InputFile]]:
    """Files over at most ``slices`` partitions, largest first onto the lightest (a greedy
    longest-processing-time split); each partition keeps its files in input order."""
    count = max(1, min(slices, len(items)))
    heap = [(0, index) for index in range(count)]
    assigned: list[list[tuple[int, InputFile]]] = [[] for _ in range(count)]
    order = sorted(range(len(items)), key=lambda i: -items[i].size)
    for position in order:
        load, index = heapq.heappop(heap)
        assigned[index].append((position, items[position]))
        heapq.heappush(heap, (load + max(items[position].size, 1), index))
    return [[item for _, item in sorted(part, key=lambda pair: pair[0])] for part in assigned if part]
