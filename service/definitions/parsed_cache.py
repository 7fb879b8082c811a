"""Checked definitions kept between runs, so that a command or worker does not parse and check
the whole library again when nothing in it changed.

Parsing and checking the built-in library (YAML, the schema, compiling every regex once to
check it) is most of a command's start-up: about a second, against milliseconds to read the
result back. The result is kept next to the compiled Hyperscan databases (the same
``DLP_HYPERSCAN_CACHE`` directory; ``off`` turns both off), in a file named by a hash of
everything that determines it: every definition file's name and bytes, and the source of the
code that parses and checks them (this package, the validators, the detectors), so that an
edited file or a new release is parsed again. Only a library that loaded without a problem
is kept; a library with problems is always parsed, so that every problem is reported.

The file is a pickle, read with an unpickler that builds nothing but the definition model's own
classes, and only from a file this user owns and nobody else may write.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from service.cache_dir import cache_directory
from service.definitions.model import SitDefinition, frozen_mapping

logger = logging.getLogger(__name__)

# The packages whose code decides what a definition file loads as.
_PARSING_PACKAGES = ("definitions", "validators", "functions")
_MODEL_MODULE = "service.definitions.model"
_SAFE_BUILTINS = frozenset({"frozenset", "set", "complex", "slice", "range"})
_SUFFIX = ".definitions"


def _reduce_mapping_proxy(mapping: MappingProxyType[str, Any]) -> tuple[Any, tuple[dict[str, Any]]]:
    return frozen_mapping, (dict(mapping),)


# Definitions hold read-only mapping views, which pickle cannot write by itself; a pickler with
# this table writes them as the call that makes them, without changing pickle for anyone else.
_DISPATCH: dict[type, Any] = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping_proxy}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == _MODEL_MODULE or (module == "builtins" and name in _SAFE_BUILTINS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a definition")


def _code_digest() -> bytes:
    digest = hashlib.sha256(repr(sys.version_info[:2]).encode())
    root = Path(__file__).resolve().parent.parent
    for package in _PARSING_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def cache_key(sources: Sequence[tuple[str, bytes]]) -> str:
    """The name of the kept result for these definition files (display name, content)."""
    digest = hashlib.sha256(_code_digest())
    for name, content in sources:
        digest.update(len(name).to_bytes(4, "big") + name.encode() + len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def _path(key: str) -> Path | None:
    directory = cache_directory()
    return directory / f"{key}{_SUFFIX}" if directory is not None else None


def _trusted(handle: io.BufferedReader) -> bool:
    status = os.fstat(handle.fileno())
    if not stat.S_ISREG(status.st_mode) or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "geteuid") or status.st_uid == os.geteuid()


def load(key: str) -> tuple[SitDefinition, ...] | None:
    """The definitions kept under ``key``, or None: not kept, unreadable, or not to be trusted."""
    path = _path(key)
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            if not _trusted(handle):
                logger.warning("ignoring kept definitions %s: not owned by this user or writable by others", path)
                return None
            definitions = _Unpickler(handle).load()
    except FileNotFoundError:
        return None
    except Exception as error:  # truncated, from another version of the model: parse instead
        logger.info("ignoring unusable kept definitions %s: %s", path.name, error)
        return None
    if not isinstance(definitions, tuple) or not all(isinstance(item, SitDefinition) for item in definitions):
        return None
    return definitions


def store(key: str, definitions: Sequence[SitDefinition]) -> None:
    """Keep the definitions under ``key``; written atomically, so a concurrent reader never sees half a file."""
    path = _path(key)
    if path is None:
        return
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(tuple(definitions))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
            handle.write(buffer.getvalue())
        os.replace(handle.name, path)
    except OSError as error:  # a read-only cache only costs the next start its parse
        logger.info("cannot keep the checked definitions: %s", error.strerror)
