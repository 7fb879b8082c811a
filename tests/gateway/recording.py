"""The real policy inspector the gateway tests run on, recording what each adapter asked it:
the channel and the documents, so that a test can check what was decoded and sent."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from service.classify import Document
from service.config import Settings
from service.gateway.inspector import PolicyInspector
from service.policy.model import Channel, Verdict

POLICIES = Path(__file__).parent.parent / "fixtures" / "policies"


def policy_inspector() -> PolicyInspector:
    """Built-in definitions and policies plus the test policies; no audit output."""
    return PolicyInspector.from_settings(Settings(policy_dirs=(POLICIES,)), default_audit=None)


class RecordingInspector:
    def __init__(self, inner: PolicyInspector, policy: str | None = None) -> None:
        self.inner = inner
        self.policy = policy or inner.settings.policy
        self._lock = threading.Lock()
        self.channels: list[Channel] = []
        self.documents: list[list[Document]] = []

    @property
    def calls(self) -> list[Channel]:
        return self.channels

    @property
    def version(self) -> str:
        return self.inner.version

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        with self._lock:
            self.channels.append(channel)
            self.documents.append(list(documents))
        return self.inner.inspect(documents, channel, policy=self.policy)
