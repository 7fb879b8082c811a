"""Deciding whether a client-supplied string may be quoted back (in an error or a log line).

A DLP service must not repeat what a client sent in its errors and logs: a mistyped field
name, a SIT selector or a path segment may be a secret pasted in the wrong place. Only
strings that cannot plausibly be a value are quoted; the others are described.
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[A-Za-z_]{1,32}")
MAX_PLAIN_SEGMENT = 24


def is_plain_identifier(name: str) -> bool:
    """Letters and underscores only, at most 32: the shape of a field name, never of a token or number."""
    return _IDENTIFIER.fullmatch(name) is not None


def looks_like_value(text: str) -> bool:
    """Whether a word (a path segment, a file name) could be a value rather than a name.

    Long words, words with digits (tokens, keys, card, account and phone numbers) and
    words with capitals inside lower case (random-looking keys) count as values. Short
    words such as ``v1`` stay readable.
    """
    if len(text) > MAX_PLAIN_SEGMENT:
        return True
    if len(text) > 3 and any(c.isdigit() for c in text):
        return True
    return any(c.isupper() for c in text[1:]) and any(c.islower() for c in text)


def describe_name(name: str, what: str = "name") -> str:
    """The name itself when it is a plain identifier, otherwise only its length."""
    if is_plain_identifier(name):
        return name
    return f"({what} not shown, {len(name)} characters)"
