"""Baselines: the findings a team has already looked at, so that a run reports only new ones.

A baseline file holds fingerprints, never values: for each known finding its path, SIT and the
keyed fingerprint of its value (with the line, for people reading the file). It also names the
fingerprint key by a check value, so that a baseline made under another key is refused rather
than silently matching nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from service.cli_findings import Finding
from service.cli_scan import BaselineKey
from service.summary.fingerprint import Fingerprinter

BASELINE_VERSION = 1
_KEY_CHECK = "dlp baseline key check"


class BaselineError(Exception):
    """A baseline file that cannot be read or was made under another fingerprint key."""


def key_check(key: bytes) -> str:
    return Fingerprinter(key).fingerprint(_KEY_CHECK)


def baseline_document(findings: Iterable[Finding], key: bytes) -> dict[str, Any]:
    entries = sorted(
        {(f.path, f.sit_id, f.fingerprint): f for f in findings}.values(),
        key=lambda f: (f.path, f.line, f.column, f.sit_name),
    )
    return {
        "version": BASELINE_VERSION,
        "key_check": key_check(key),
        "findings": [
            {"path": f.path, "sit_id": f.sit_id, "sit": f.sit_name, "fingerprint": f.fingerprint, "line": f.line}
            | ({"commit": f.commit} if f.commit else {})
            for f in entries
        ],
    }


def write_baseline(path: Path, findings: Iterable[Finding], key: bytes) -> int:
    document = baseline_document(findings, key)
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"{path}: {error.strerror}") from None
    return len(document["findings"])


def load_baseline(path: Path, key: bytes) -> frozenset[BaselineKey]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: {error.strerror}") from None
    except ValueError:
        raise BaselineError(f"{path}: not a JSON baseline") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a version {BASELINE_VERSION} baseline")
    if document.get("key_check") != key_check(key):
        raise BaselineError(
            f"{path}: made with another fingerprint key (DLP_FINGERPRINT_KEY); recreate it or use that key"
        )
    try:
        return frozenset((e["path"], e["sit_id"], e["fingerprint"]) for e in document["findings"])
    except (KeyError, TypeError):
        raise BaselineError(f"{path}: an entry lacks path, sit_id or fingerprint") from None
