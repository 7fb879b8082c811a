"""The one masking function: how a sensitive value is shown when it may not be revealed.

A masked value keeps only what identifies its *kind*, never its secret part: a short
structural prefix such as ``ghp_``, ``pypi-`` or ``https://``, and the length, so a
reviewer can tell a token from a card number without seeing either.
"""

from __future__ import annotations

import regex

MASK = "****"
# A kind prefix: lower-case letters ending in '_' or '-' (ghp_, github_pat_, pypi-, sk_live_,
# xoxb-) or a URL scheme. Vendors write these in lower case; a mixed-case or digit-bearing
# start (``Sup3r_…``) is more likely the first piece of a password, so it is never kept.
_KIND_PREFIX = regex.compile(r"^(?:[a-z]{2,10}[_-](?:[a-z]{2,5}_)?|[a-z][a-z0-9+.-]{1,9}://)")
# The prefix is kept only on values long enough that it is a small share of them and what
# follows it is still a secret of some length.
_PREFIX_MAX_SHARE = 4
_MIN_REST = 16


def kind_prefix(value: str) -> str:
    match = _KIND_PREFIX.match(value)
    prefix: str = match.group() if match is not None else ""
    if len(prefix) * _PREFIX_MAX_SHARE > len(value) or len(value) - len(prefix) < _MIN_REST:
        return ""
    return prefix


def mask_value(value: str) -> str:
    """``ghp_zQWB…`` → ``ghp_****…(40)``; values without a kind prefix keep only their length."""
    return f"{kind_prefix(value)}{MASK}…({len(value)})"
