"""The milter tests run on the real policy inspector with the built-in default policy (block
credentials at high confidence, audit any other finding, block an incomplete classification),
recording the channels it is asked about."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.gateway.inspector import PolicyInspector
from service.gateway.milter import MilterConfig, RunningMilter
from tests.gateway.recording import RecordingInspector


@pytest.fixture(scope="session")
def inspector(real_inspector: PolicyInspector) -> RecordingInspector:
    return RecordingInspector(real_inspector)


@pytest.fixture
def milter(inspector: RecordingInspector) -> Iterator[RunningMilter]:
    running = RunningMilter(inspector, MilterConfig(bind="inet:127.0.0.1:0"))
    yield running
    running.stop()
