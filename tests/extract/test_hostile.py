"""Hostile inputs end with a clear per-part error, within their limits, in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.extract import ExtractionLimits, extract_document
from tests.conftest import FIXTURES
from tests.fixtures.make_documents import many_entries_zip

HOSTILE = FIXTURES / "documents" / "hostile"
ROOT = Path(__file__).parent.parent.parent


def errors_of(name: str, limits: ExtractionLimits | None = None) -> dict[str, str]:
    parts = extract_document((HOSTILE / name).read_bytes(), name, limits=limits)
    return {p.error.code: p.name for p in parts if p.error is not None}


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("ratio-1000.zip", "compression_ratio"),
        ("gzip-1gb.gz", "part_too_large"),
        ("billion-laughs.xml", "forbidden_content"),
        ("truncated.docx", "corrupt"),
        ("encrypted.zip", "encrypted"),
        ("encrypted.pdf", "encrypted"),
    ],
)
def test_hostile_file_gives_a_clear_error(fixture: str, code: str) -> None:
    started = time.monotonic()
    assert code in errors_of(fixture)
    assert time.monotonic() - started < 20  # generous: the point is that it ends


def test_nested_bomb_stops_at_a_limit_with_few_error_parts() -> None:
    parts = extract_document((HOSTILE / "nested-bomb.zip").read_bytes(), "nested-bomb.zip")
    codes = {p.error.code for p in parts if p.error is not None}
    assert codes & {"too_deep", "too_many_parts", "total_size", "compression_ratio"}
    assert len(parts) < 50  # reported once each, with a count, not once per member
    deep = next(p for p in parts if p.error is not None and p.error.code == "too_deep")
    assert deep.error is not None and "such parts; the others are skipped" in deep.error.message


def test_depth_limit_is_configurable() -> None:
    shallow = ExtractionLimits(max_depth=1)
    parts = extract_document((FIXTURES / "documents" / "message.eml").read_bytes(), "m.eml", limits=shallow)
    deep = [p for p in parts if p.error is not None and p.error.code == "too_deep"]
    assert [p.name for p in deep] == ["m.eml/attachments/bundle.zip/plain.txt"]
    assert any(p.name == "m.eml/attachments/report.docx/body" for p in parts)


def test_a_hundred_thousand_tiny_entries_stop_at_the_part_limit(tmp_path: Path) -> None:
    data = many_entries_zip(100_000)
    started = time.monotonic()
    parts = extract_document(data, "many.zip", limits=ExtractionLimits(max_parts=1000))
    assert time.monotonic() - started < 30
    assert len([p for p in parts if p.error is None]) == 1000
    (error,) = [p for p in parts if p.error is not None]
    assert error.error is not None and error.error.code == "too_many_parts"


def test_path_traversal_names_are_reported_and_read_under_safe_names() -> None:
    parts = extract_document((HOSTILE / "traversal.zip").read_bytes(), "t.zip")
    unsafe = {p.name for p in parts if p.error is not None and p.error.code == "unsafe_name"}
    assert unsafe == {"t.zip/../../etc/cron.d/evil.txt", "t.zip//abs/notes.txt"}
    read = {p.name for p in parts if p.error is None}
    assert read == {"t.zip/etc/cron.d/evil.txt", "t.zip/abs/notes.txt", "t.zip/ok.txt"}


def test_input_over_the_size_limit_is_refused_whole() -> None:
    (part,) = extract_document(b"x" * 2048, "big.txt", limits=ExtractionLimits(max_input_bytes=1024))
    assert part.error is not None and part.error.code == "too_large"


MEMORY_PROBE = """
import json, resource, sys
from pathlib import Path
from service.extract import ExtractionLimits, extract_document
hostile = Path(sys.argv[1])
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
limits = ExtractionLimits(max_total_bytes=8 * 1024 * 1024, max_part_bytes=8 * 1024 * 1024)
codes = []
for name in ("gzip-1gb.gz", "ratio-1000.zip", "nested-bomb.zip"):
    parts = extract_document((hostile / name).read_bytes(), name, limits=limits)
    codes.append(sorted({p.error.code for p in parts if p.error}))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_kb": peak - baseline, "codes": codes}))
"""


def test_memory_stays_bounded_with_a_small_limit() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(HOSTILE)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    result = json.loads(completed.stdout)
    assert all(codes for codes in result["codes"])
    # 1 GB and 50 MB bombs with an 8 MB budget: growth stays in the tens of MB.
    assert result["growth_kb"] < 96 * 1024, result
