"""Where the service keeps what it compiled or checked once, for the next worker or command.

``DLP_HYPERSCAN_CACHE`` names the directory (``off`` turns keeping off); by default it is
``dlp-classifier/hyperscan`` under ``$XDG_CACHE_HOME`` (or ``~/.cache``). It holds the compiled
Hyperscan databases and the checked definitions, each in files named by a hash of what made them.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "DLP_HYPERSCAN_CACHE"
_OFF = {"", "off", "none", "no", "0", "false"}


def cache_directory() -> Path | None:
    """Where compiled databases and checked definitions are kept, or None when keeping is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dlp-classifier" / "hyperscan"
