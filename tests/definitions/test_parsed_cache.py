"""Checked definitions are kept between runs, read back only when nothing that made them changed,
never kept when the library has problems, and never read from a file that could run code."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from service.definitions import DefinitionError, loader, parsed_cache
from service.definitions.loader import builtin_definitions_dir, load_definitions, read_definitions
from tests.conftest import DEFINITION_FIXTURES


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("DLP_HYPERSCAN_CACHE", str(directory))
    return directory


@pytest.fixture
def library(tmp_path: Path) -> Path:
    target = tmp_path / "defs"
    shutil.copytree(DEFINITION_FIXTURES / "engine", target)
    return target


def kept_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.definitions")) if cache.is_dir() else []


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*_: object) -> None:
        raise AssertionError("parsed although the checked definitions were kept")

    monkeypatch.setattr(loader, "read_definitions", parse)


def test_the_built_in_library_read_back_equals_the_library_parsed(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = load_definitions([builtin_definitions_dir()])
    assert len(kept_files(cache)) == 1
    forbid_parsing(monkeypatch)
    kept = load_definitions([builtin_definitions_dir()])
    assert kept.definitions == parsed.definitions
    assert len(kept.definitions) >= 400
    assert [d.source for d in kept] == [d.source for d in parsed]


def test_a_changed_file_is_parsed_again_and_its_change_counts(cache: Path, library: Path) -> None:
    first = load_definitions([library])
    path = sorted(library.glob("*.yaml"))[0]
    original = next(d for d in first if d.source.endswith(path.name))
    path.write_text(path.read_text().replace(f"name: {original.name}", "name: Renamed for the test", 1))
    second = load_definitions([library])
    assert "Renamed for the test" in {d.name for d in second}
    assert original.name not in {d.name for d in second}
    assert len(kept_files(cache)) == 2


def test_a_renamed_file_is_parsed_again_since_its_name_is_in_every_message(cache: Path, library: Path) -> None:
    load_definitions([library])
    path = sorted(library.glob("*.yaml"))[0]
    path.rename(library / f"renamed-{path.name}")
    sources = {d.source for d in load_definitions([library])}
    assert any(source.endswith(f"renamed-{path.name}") for source in sources)


def test_a_library_with_problems_is_never_kept_and_tells_its_problems_every_time(cache: Path, library: Path) -> None:
    shutil.copy(DEFINITION_FIXTURES / "bad" / "many_problems.yaml", library / "many_problems.yaml")
    for _ in range(2):
        with pytest.raises(DefinitionError) as caught:
            load_definitions([library])
        assert any("many_problems.yaml" in str(problem) for problem in caught.value.problems)
    assert kept_files(cache) == []


def test_nothing_is_kept_when_the_cache_is_off(tmp_path: Path, library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLP_HYPERSCAN_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_definitions([library]) == load_definitions([library])
    assert not (tmp_path / "xdg").exists()


def _kept_path(cache: Path, library: Path) -> Path:
    sources = loader._definition_sources([library])
    assert sources is not None
    return cache / f"{parsed_cache.cache_key(sources)}.definitions"


class _RemovesCanary:
    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.remove, (str(self.canary),)


def test_a_kept_file_that_would_run_code_is_refused_and_the_library_parsed(
    cache: Path, library: Path, tmp_path: Path
) -> None:
    expected = load_definitions([library])
    canary = tmp_path / "canary"
    canary.write_text("still here")
    _kept_path(cache, library).write_bytes(pickle.dumps((_RemovesCanary(canary),)))
    assert load_definitions([library]) == expected
    assert canary.exists()


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps(("a", "tuple", "of", "strings"))])
def test_a_corrupt_or_foreign_kept_file_is_ignored(cache: Path, library: Path, content: bytes) -> None:
    expected = load_definitions([library])
    _kept_path(cache, library).write_bytes(content)
    assert load_definitions([library]) == expected


def test_a_kept_file_others_may_write_is_not_trusted(
    cache: Path, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = load_definitions([library])
    kept = _kept_path(cache, library)
    kept.chmod(0o666)
    calls: list[object] = []
    real_read = read_definitions

    def counting(*args: object) -> object:
        calls.append(args)
        return real_read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "read_definitions", counting)
    assert load_definitions([library]) == expected
    assert len(calls) == 1
