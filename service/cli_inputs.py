"""Which files ``dlp classify`` reads: folders walked in a stable order, ``--exclude`` globs and
``.dlpignore`` files (gitignore semantics), symlinks left alone unless asked to follow them.

A symlink in a walked folder is not followed by default: a tree that links a file elsewhere in
itself would otherwise have its content reported twice. A path named on the command line is
always read, link or not: the person named it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pathspec

IGNORE_FILE = ".dlpignore"
# Git's own store is compressed objects and bookkeeping: `dlp git` reads history properly.
DEFAULT_EXCLUDES = (".git/",)


class InputError(Exception):
    """A path on the command line that does not exist: a usage error, not a scan failure."""


@dataclass(frozen=True)
class InputFile:
    name: str  # as displayed and reported
    path: Path | None  # None for standard input
    size: int


@dataclass
class Inputs:
    files: list[InputFile] = field(default_factory=list)
    symlinks_skipped: int = 0
    special_skipped: int = 0  # FIFOs, sockets, devices: reading them would block or never end
    excluded: int = 0


def _spec(lines: Iterable[str]) -> pathspec.PathSpec[Any]:
    return pathspec.GitIgnoreSpec.from_lines(lines)


def collect_inputs(
    paths: Sequence[str], excludes: Sequence[str] = (), follow_symlinks: bool = False, defaults: bool = True
) -> Inputs:
    inputs = Inputs()
    patterns = [*(DEFAULT_EXCLUDES if defaults else ()), *excludes]
    for raw in paths:
        if raw == "-":
            inputs.files.append(InputFile("-", None, 0))
            continue
        path = Path(raw)
        if path.is_dir():
            _walk(path, patterns, follow_symlinks, inputs)
        elif path.exists():
            if _spec(excludes).match_file(path.as_posix()):
                inputs.excluded += 1
            else:
                inputs.files.append(InputFile(raw, path, path.stat().st_size))
        else:
            raise InputError(f"{raw}: no such file or directory")
    return inputs


def _ignore_lines(root: Path) -> list[str]:
    try:
        return (root / IGNORE_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _walk(root: Path, patterns: Sequence[str], follow_symlinks: bool, inputs: Inputs) -> None:
    spec = _spec([*patterns, *_ignore_lines(root)])
    visited: set[tuple[int, int]] = set()
    for directory, subdirectories, names in os.walk(root, followlinks=follow_symlinks):
        here = Path(directory)
        if follow_symlinks:
            # A link back up the tree would be walked for ever.
            identity = here.stat()
            key = (identity.st_dev, identity.st_ino)
            if key in visited:
                subdirectories[:] = []
                continue
            visited.add(key)
        relative = here.relative_to(root)
        kept = []
        for name in sorted(subdirectories):
            entry = here / name
            if not follow_symlinks and entry.is_symlink():
                inputs.symlinks_skipped += 1
            elif spec.match_file((relative / name).as_posix() + "/"):
                inputs.excluded += 1
            else:
                kept.append(name)
        subdirectories[:] = kept
        for name in sorted(names):
            _add_entry(here / name, (relative / name).as_posix(), spec, follow_symlinks, inputs)


def _add_entry(entry: Path, relative: str, spec: pathspec.PathSpec[Any], follow_symlinks: bool, inputs: Inputs) -> None:
    if spec.match_file(relative):
        inputs.excluded += 1
        return
    try:
        link = entry.lstat()
    except OSError:
        return  # gone since the folder was listed
    if stat.S_ISLNK(link.st_mode):
        if not follow_symlinks:
            inputs.symlinks_skipped += 1
            return
        try:
            mode = entry.stat().st_mode
        except OSError:
            # A dangling link that was asked to be followed: reading it fails, and that is reported.
            inputs.files.append(InputFile(str(entry), entry, 0))
            return
    else:
        mode = link.st_mode
    if stat.S_ISDIR(mode):
        return  # a followed link to a folder: os.walk descends into it itself
    if not stat.S_ISREG(mode):
        inputs.special_skipped += 1
        return
    inputs.files.append(InputFile(str(entry), entry, entry.stat().st_size))
