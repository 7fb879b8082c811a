"""Random and mutated bytes of every format: no exception escapes; every outcome is parts or a clear error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine import Part
from service.extract import ExtractionLimits, extract_document
from tests.conftest import FIXTURES

SEEDS = sorted(p for p in (FIXTURES / "documents").iterdir() if p.is_file() and p.stat().st_size < 64_000)
SMALL = ExtractionLimits(max_total_bytes=4 * 1024 * 1024, max_part_bytes=4 * 1024 * 1024, time_limit=5)


def assert_well_formed(parts: list[Part]) -> None:
    assert isinstance(parts, list) and parts
    for part in parts:
        assert isinstance(part.name, str) and part.name
        assert isinstance(part.text, str)
        if part.error is not None:
            assert part.error.code and part.error.message
            assert part.text == ""


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    seed = bytearray(SEEDS[draw(st.integers(0, len(SEEDS) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if not seed:
            break
        at = draw(st.integers(0, len(seed) - 1))
        if kind == "flip":
            seed[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del seed[at:]
        elif kind == "insert":
            seed[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del seed[at : at + draw(st.integers(1, 64))]
    return bytes(seed)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_documents_never_raise(data: bytes) -> None:
    assert_well_formed(extract_document(data, "fuzzed", limits=SMALL))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["x.zip", "x.docx", "x.pdf", "x.eml", "x.gz", "x.xml", "x"]))
def test_random_bytes_never_raise(data: bytes, name: str) -> None:
    assert_well_formed(extract_document(data, name, limits=SMALL))
