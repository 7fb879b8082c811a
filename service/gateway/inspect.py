"""What every gateway adapter needs from the classifier: documents and a channel in, a
verdict out, and a version that changes whenever the definitions or policies do.

Adapters depend on this protocol only, so the ICAP server and the milter never build
reports, summaries or policies themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from service.classify import Document
from service.policy.model import Channel, Verdict


class Inspector(Protocol):
    @property
    def version(self) -> str:
        """Changes when the loaded definitions or policies change (ICAP's ISTag)."""
        ...

    def inspect(self, documents: Sequence[Document], channel: Channel) -> Verdict:
        """Classify ``documents`` under the request budget and decide by the policy."""
        ...
