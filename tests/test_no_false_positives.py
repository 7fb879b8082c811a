"""Over 5 MB of ordinary text (tests/fixtures/clean_corpus) produces no finding at any SIT's recommended confidence."""

from __future__ import annotations

import gzip

import pytest

from service.engine import ClassifyOptions, Part, Scanner
from tests.conftest import FIXTURES

CORPUS = sorted((FIXTURES / "clean_corpus").glob("*.gz"))


def test_the_corpus_is_large_and_varied() -> None:
    sizes = {path.name: len(gzip.decompress(path.read_bytes())) for path in CORPUS}
    assert sum(sizes.values()) >= 5_000_000
    assert {"code.txt.gz", "logs.txt.gz", "prose.txt.gz", "tables.csv.gz", "contacts.txt.gz", "versions.txt.gz"} <= set(
        sizes
    )


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_ordinary_text_has_no_findings_at_recommended_confidence(builtin_scanner: Scanner, path: object) -> None:
    text = gzip.decompress(path.read_bytes()).decode()  # type: ignore[attr-defined]
    report = builtin_scanner.classify([Part(path.name, text)], ClassifyOptions())  # type: ignore[attr-defined]
    found = [(r.sit_name, m.pattern, m.value[:4] + "…") for r in report.results for m in r.matches]
    assert found == []
