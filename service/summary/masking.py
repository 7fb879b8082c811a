"""The one masking function: how a sensitive value is shown when it may not be revealed.

A masked value keeps only what identifies its *kind*, never its secret part: a short
structural prefix such as ``ghp_``, ``pypi-`` or ``https://``, and the length, so a
reviewer can tell a token from a card number without seeing either.
"""

from __future__ import annotations

import regex

MASK = "****"
# A kind prefix: letters/digits ending in '_' or '-' (ghp_, github_pat_, pypi-, sk_live_)
# or a URL scheme. Kept only while short relative to the value, so that a value made
# mostly of "prefix" cannot leak through it.
_KIND_PREFIX = regex.compile(r"^(?:[A-Za-z][A-Za-z0-9]{0,9}[_-](?:[a-z]{2,5}_)?|[a-z][a-z0-9+.-]{1,9}://)")


def kind_prefix(value: str) -> str:
    match = _KIND_PREFIX.match(value)
    prefix: str = match.group() if match is not None else ""
    return prefix if len(prefix) * 3 <= len(value) else ""


def mask_value(value: str) -> str:
    """``ghp_zQWB…`` → ``ghp_****…(40)``; values without a kind prefix keep only their length."""
    return f"{kind_prefix(value)}{MASK}…({len(value)})"
