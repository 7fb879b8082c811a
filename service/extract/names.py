"""Member names from archives and mail, made safe to use inside a part path."""

from __future__ import annotations

import posixpath


def is_unsafe_name(name: str) -> bool:
    """Absolute paths and '..' segments: harmless here (nothing is written), but worth reporting."""
    normal = name.replace("\\", "/")
    return normal.startswith("/") or (len(normal) > 1 and normal[1] == ":") or ".." in normal.split("/")


def safe_member_name(name: str) -> str:
    """A relative path without '..', '.', empty or control-character segments."""
    normal = name.replace("\\", "/")
    segments = [s for s in normal.split("/") if s not in ("", ".", "..")]
    cleaned = "/".join("".join(ch if ch.isprintable() else "_" for ch in segment) for segment in segments)
    cleaned = posixpath.normpath(cleaned) if cleaned else "_"
    return cleaned[:255]
