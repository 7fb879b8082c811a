"""Compiled Hyperscan databases are cached on disk, reused, and rebuilt when unusable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.definitions import DefinitionSet, load_builtin_definitions
from service.engine import ClassifyOptions, Part, Scanner, compile_scanner, hyperscan_build

hyperscan = pytest.importorskip("hyperscan")

TEXT = (
    "Employee SSN: 536-22-8726, card number 4895 6866 7767 5908 exp 08/29, pat=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"
)


@pytest.fixture(scope="module")
def definitions() -> DefinitionSet:
    return load_builtin_definitions()


def report_of(scanner: Scanner) -> dict[str, Any]:
    report = scanner.classify([Part("doc", TEXT)], ClassifyOptions(min_confidence=1)).to_dict(reveal=True)
    report["stats"].pop("elapsed_ms")
    return report


class _NoCompiling:
    """Stands in for the hyperscan module: everything works but compiling, which fails the test."""

    def __getattr__(self, name: str) -> Any:
        return getattr(hyperscan, name)

    def Database(self, **_: Any) -> Any:  # the module names its class so
        raise AssertionError("compiled although every database was cached")


def test_a_second_compile_loads_every_database_from_the_cache(
    definitions: DefinitionSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(hyperscan_build.CACHE_ENV, str(tmp_path))
    first = compile_scanner(definitions, engine="hyperscan")
    cached = sorted(tmp_path.glob("*.hsdb"))
    assert len(cached) >= 2
    monkeypatch.setattr(hyperscan_build, "hyperscan", _NoCompiling())
    second = compile_scanner(definitions, engine="hyperscan")
    assert report_of(second) == report_of(first)
    assert report_of(first)["results"]


def test_unusable_cache_files_are_rebuilt(
    definitions: DefinitionSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(hyperscan_build.CACHE_ENV, str(tmp_path))
    reference = report_of(compile_scanner(definitions, engine="hyperscan"))
    files = sorted(tmp_path.glob("*.hsdb"))
    for path in files:
        path.write_bytes(b"not a hyperscan database")
    assert report_of(compile_scanner(definitions, engine="hyperscan")) == reference
    assert all(path.read_bytes() != b"not a hyperscan database" for path in files)


def test_the_cache_can_be_turned_off(
    definitions: DefinitionSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(hyperscan_build.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hyperscan_build.cache_directory() is None
    compile_scanner(definitions, engine="hyperscan")
    assert not list(tmp_path.rglob("*.hsdb"))


def test_the_default_cache_lives_under_the_user_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(hyperscan_build.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hyperscan_build.cache_directory() == tmp_path / "dlp-classifier" / "hyperscan"


def test_an_unwritable_cache_directory_does_not_stop_compiling(
    definitions: DefinitionSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(hyperscan_build.CACHE_ENV, str(blocker / "cache"))
    scanner = compile_scanner(definitions, engine="hyperscan")
    assert report_of(scanner)["results"]
