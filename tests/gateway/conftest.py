"""What every gateway test shares: the real policy inspector, compiled once per run."""

from __future__ import annotations

import pytest

from service.gateway.inspector import PolicyInspector
from tests.gateway.recording import policy_inspector


@pytest.fixture(scope="session")
def real_inspector() -> PolicyInspector:
    return policy_inspector()
