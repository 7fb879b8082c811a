"""The version of a set of definitions: a hash of their content, stable across processes.

Every answer names the version that produced it, and gateways turn it into ICAP's ISTag,
so it must not depend on the order files were read in, on where they were loaded from, or
on the process's hash seed (sets are sorted before hashing for that reason).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from service.definitions.model import SitDefinition

VERSION_LENGTH = 16  # hex digits: 64 bits tell apart every set a service will ever load


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data with a single spelling: sets sorted, mappings by key."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def definitions_version(definitions: Iterable[SitDefinition]) -> str:
    """A content hash of ``definitions``; where each came from (``source``) does not count."""
    digest = hashlib.sha256()
    for definition in sorted(definitions, key=lambda d: d.id):
        data = canonical(dataclasses.replace(definition, source=""))
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:VERSION_LENGTH]
