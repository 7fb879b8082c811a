"""A small tokenizer for Perl-style regexes: enough structure to translate, not to match.

It tells escapes, character classes, groups, inline flags and comments apart, so a
translation never rewrites a character inside a class or an escape by mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FLAGS = re.compile(r"\(\?[aimsxuLV0-9-]+\)")
_GROUP_OPEN = re.compile(r"\((?:\?(?:P?<[A-Za-z_]\w*>|'[A-Za-z_]\w*'|<=|<!|[:=!>|]|[aimsx-]+:))?")
_BACKREF = re.compile(r"\(\?P=[A-Za-z_]\w*\)")
_FUZZY = re.compile(r"\{[eisd](?:<=?|=|>)?[0-9]*[^}]*\}")
_BRACED_ESCAPE = re.compile(r"\\(?:x\{[0-9A-Fa-f]+\}|[pPNgk]\{[^}]*\}|k<[^>]*>|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str  # escape, quoted, comment, class, flags, open, close, backref, fuzzy, literal
    text: str

    @property
    def line_sensitive(self) -> bool:
        """``.``, ``^`` and ``$``: the three whose meaning depends on the s and m modes."""
        return self.kind == "literal" and self.text in ".^$"


def tokenize(pattern: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(pattern):
        token = _next_token(pattern, index)
        tokens.append(token)
        index += len(token.text)
    return tokens


def _next_token(pattern: str, index: int) -> Token:
    char = pattern[index]
    if pattern.startswith(r"\Q", index):
        end = pattern.find(r"\E", index + 2)
        return Token("quoted", pattern[index:] if end < 0 else pattern[index : end + 2])
    if char == "\\":
        braced = _BRACED_ESCAPE.match(pattern, index)
        return Token("escape", braced.group() if braced else pattern[index : index + 2])
    if char == "[":
        return Token("class", pattern[index : _class_end(pattern, index)])
    if pattern.startswith("(?#", index):
        end = pattern.find(")", index)
        return Token("comment", pattern[index:] if end < 0 else pattern[index : end + 1])
    for kind, expression in (("flags", _FLAGS), ("backref", _BACKREF), ("open", _GROUP_OPEN)):
        found = expression.match(pattern, index) if char == "(" else None
        if found:
            return Token(kind, found.group())
    if char == ")":
        return Token("close", char)
    fuzzy = _FUZZY.match(pattern, index) if char == "{" else None
    if fuzzy:
        return Token("fuzzy", fuzzy.group())
    return Token("literal", char)


def _class_end(pattern: str, start: int) -> int:
    """The index just past the ``]`` that closes the class opened at ``start``."""
    index = start + 1
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1  # a ']' first in a class is a literal
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
        elif pattern.startswith("[:", index) and ":]" in pattern[index + 2 :]:
            index = pattern.index(":]", index + 2) + 2
        elif pattern[index] == "]":
            return index + 1
        else:
            index += 1
    return len(pattern)
