"""The definitions version is a content hash: same content, same version, in any process."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

from service.definitions import load_builtin_definitions
from service.definitions.sets import DefinitionSet

PRINT_VERSION = "from service.definitions import load_builtin_definitions; print(load_builtin_definitions().version)"


def test_the_version_ignores_order_and_source() -> None:
    loaded = load_builtin_definitions()
    shuffled = DefinitionSet(
        tuple(dataclasses.replace(d, source="elsewhere.yaml") for d in reversed(loaded.definitions))
    )
    assert shuffled.version == loaded.version
    assert len(loaded.version) == 16


def test_any_change_of_content_changes_the_version() -> None:
    loaded = load_builtin_definitions()
    first, *rest = loaded.definitions
    changed = DefinitionSet((dataclasses.replace(first, proximity=first.proximity + 1), *rest))
    fewer = DefinitionSet(tuple(rest))
    assert len({loaded.version, changed.version, fewer.version}) == 3


def test_the_version_does_not_depend_on_the_hash_seed() -> None:
    versions = {
        subprocess.run(
            [sys.executable, "-c", PRINT_VERSION],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(versions) == 1
    assert versions == {load_builtin_definitions().version}
