"""How a document's time limit is shared among its parts: by size, never below a floor while
time is left, never more than is left."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.engine import ClassifyOptions, Part, Scanner, scanner
from service.engine.deadline import Deadline
from service.engine.part_scan import PartOutcome
from service.engine.scanner import PART_SHARE_FLOOR, part_share


@given(
    remaining=st.floats(min_value=1e-6, max_value=60),
    limit=st.floats(min_value=0.01, max_value=60),
    weights=st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=50),
    data=st.data(),
)
def test_a_share_is_by_size_with_a_floor_and_never_more_than_is_left(
    remaining: float, limit: float, weights: list[int], data: st.DataObject
) -> None:
    order = data.draw(st.integers(min_value=0, max_value=len(weights) - 1))
    share = part_share(remaining, limit, weights, order)
    by_size = remaining * weights[order] / sum(weights[order:])
    assert share <= remaining
    assert share >= min(remaining, limit * PART_SHARE_FLOOR) * (1 - 1e-12)
    assert share >= by_size * (1 - 1e-12)
    if by_size >= limit * PART_SHARE_FLOOR:
        assert share == pytest.approx(by_size)


def test_the_last_part_may_take_all_that_is_left() -> None:
    assert part_share(3.0, 10.0, [10, 20, 30], 2) == pytest.approx(3.0)


def test_every_member_of_a_large_archive_gets_at_least_the_floor(
    builtin_scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_seconds: list[float] = []

    def recording(setup: Any, part: Part, active: Any, deadline: Deadline, *rest: Any) -> PartOutcome:
        given_seconds.append(deadline.limit)
        return PartOutcome({}, [])

    monkeypatch.setattr(scanner, "scan_part", recording)
    members = [Part(f"bundle.zip/member-{number}.py", "x = 1\n" * 3000) for number in range(800)]
    builtin_scanner.classify(members, ClassifyOptions(time_limit=10))
    assert len(given_seconds) == 800
    # By size alone each would get about 10 s / 800: a hundredth of a second.
    assert min(given_seconds) >= 10 * PART_SHARE_FLOOR * 0.99
