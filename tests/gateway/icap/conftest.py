"""Fixtures of the ICAP tests: the real inspector (recording what it is asked), servers on free ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from service.gateway.icap import BackgroundServer, IcapConfig, start_in_thread
from service.gateway.inspector import PolicyInspector
from service.validators.github import github_checksum
from tests.gateway.recording import RecordingInspector

# Synthetic tokens: a fixed entropy part with its real checksum, so the SIT validates them.
TOKEN_ENTROPY = "Xq7Lm2Rv9Tb4Nc8Wd1Fs6Gh3Jk5Py0"
GITHUB_TOKEN = "ghp_" + TOKEN_ENTROPY + github_checksum(TOKEN_ENTROPY)
# A card number from the "Credit card number" SIT's match examples (not a processor's test number).
CARD_NUMBER = "4895 6866 7767 5908"
CARD_TEXT = f"Visa card number: {CARD_NUMBER}, exp 08/29"


@pytest.fixture
def inspector(real_inspector: PolicyInspector) -> RecordingInspector:
    """The built-in default policy."""
    return RecordingInspector(real_inspector)


@pytest.fixture
def card_inspector(real_inspector: PolicyInspector) -> RecordingInspector:
    """The test policy that blocks card numbers as well as credentials."""
    return RecordingInspector(real_inspector, policy="cards")


@pytest.fixture
def start_server() -> Iterator[Callable[..., BackgroundServer]]:
    """Starts servers on free loopback ports (config fields as keywords); stops them afterwards."""
    started: list[BackgroundServer] = []

    def start(inspector: Any, **changes: Any) -> BackgroundServer:
        server = start_in_thread(inspector, replace(IcapConfig(port=0), **changes))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(start_server: Callable[..., BackgroundServer], inspector: RecordingInspector) -> BackgroundServer:
    return start_server(inspector)


@pytest.fixture
def card_server(start_server: Callable[..., BackgroundServer], card_inspector: RecordingInspector) -> BackgroundServer:
    return start_server(card_inspector)
