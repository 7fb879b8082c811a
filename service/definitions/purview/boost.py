"""Regexes between Purview's engine (Boost.Regex, Perl syntax) and the ``regex`` package.

Most syntax means the same in both and is copied unchanged, possessive quantifiers and
atomic groups included. What differs is translated, each translation noted so the
import report can name it; what cannot be translated safely is rejected with the reason.

Boost's defaults differ from ours in two places that touch whole patterns: ``.`` matches
a line break and ``^``/``$`` match at every line. An imported pattern using them is
prefixed ``(?sm)``; an exported one of ours is prefixed ``(?-sm)``. Each side strips the
other's prefix, so a pattern survives a round trip unchanged.
"""

from __future__ import annotations

import regex

from service.definitions.purview.regex_tokens import Token, tokenize

IMPORT_PREFIX = "(?sm)"
EXPORT_PREFIX = "(?-sm)"
CASE_PREFIX = "(?i)"
# Boost's \h: horizontal white space (tab, space, no-break space and the Unicode spaces).
HORIZONTAL_SPACE = r"\t\x20\xa0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000"
POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "blank": r" \t",
    "cntrl": r"\x00-\x1f\x7f",
    "digit": "0-9",
    "graph": r"\x21-\x7e",
    "lower": "a-z",
    "print": r"\x20-\x7e",
    "punct": r"!-/:-@\[-`{-~",
    "space": r" \t\n\r\f\x0b",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
# Word start and end are spelt with lookarounds, not the regex package's \m and \M, which
# the Hyperscan prefilter does not understand.
WORD_START = r"(?<!\w)(?=\w)"
WORD_END = r"(?<=\w)(?!\w)"
BOOST_ESCAPES = {r"\z": r"\Z", r"\Z": r"(?=\n?\Z)", r"\<": WORD_START, r"\>": WORD_END, r"\h": f"[{HORIZONTAL_SPACE}]"}
# Our spellings of Boost constructs, put back whole before the rest is translated.
_SENTINELS = {r"(?=\n?\Z)": ("\x00Z\x00", r"\Z"), WORD_START: ("\x00S\x00", r"\<"), WORD_END: ("\x00E\x00", r"\>")}
OUR_ESCAPES = {r"\Z": r"\z", r"\m": r"\<", r"\M": r"\>"}
AMBIGUOUS_ESCAPES = {
    r"\v": r"\v is a vertical tab in some Boost versions and vertical white space in others; write \x0b",
    r"\V": r"\V has no counterpart here; list the characters in a class",
    r"\H": r"\H (not horizontal space) has no counterpart here; use a negated class",
}


class RegexTranslationError(ValueError):
    """A construct that means something else, or nothing, on the other side."""


def from_boost(pattern: str) -> tuple[str, bool, list[str]]:
    """(our pattern, case_sensitive, notes on what was translated) for a Purview regex."""
    notes: list[str] = []
    case_sensitive = True
    if pattern.startswith(CASE_PREFIX):
        case_sensitive, pattern = False, pattern[len(CASE_PREFIX) :]
        notes.append("(?i) became case_sensitive: false")
    ours_already = pattern.startswith(EXPORT_PREFIX)
    if ours_already:
        pattern = pattern[len(EXPORT_PREFIX) :]
    tokens = tokenize(pattern)
    body = "".join(_import_token(token, notes) for token in _scope_inline_flags(tokens, notes))
    if not ours_already and any(token.line_sensitive for token in tokens):
        body = IMPORT_PREFIX + body
        notes.append("'.' and '^'/'$' keep Boost's meaning (any character; every line) through (?sm)")
    return body, case_sensitive, notes


def to_boost(pattern: str, case_sensitive: bool) -> tuple[str, list[str]]:
    """(Purview regex, notes) for one of our patterns; raises when a construct has no Boost form."""
    notes: list[str] = []
    ours_imported = pattern.startswith(IMPORT_PREFIX)
    if ours_imported:
        pattern = pattern[len(IMPORT_PREFIX) :]
    for ours, (sentinel, _) in _SENTINELS.items():
        pattern = pattern.replace(ours, sentinel)
    tokens = tokenize(pattern)
    body = "".join(_export_token(token, notes, first=index == 0) for index, token in enumerate(tokens))
    for sentinel, boost in _SENTINELS.values():
        body = body.replace(sentinel, boost)
    if not ours_imported and any(token.line_sensitive for token in tokens):
        body = EXPORT_PREFIX + body
    return (body if case_sensitive else CASE_PREFIX + body), notes


def _import_token(token: Token, notes: list[str]) -> str:
    text = token.text
    if token.kind == "escape":
        if text in AMBIGUOUS_ESCAPES:
            raise RegexTranslationError(AMBIGUOUS_ESCAPES[text])
        if text in BOOST_ESCAPES:
            notes.append(f"{text} became {BOOST_ESCAPES[text]}")
            return BOOST_ESCAPES[text]
        if text.startswith(r"\x{"):
            return _python_code_point(text)
        if text.startswith((r"\k<", r"\k{")):
            return f"(?P={text[3:-1]})"
        return text
    if token.kind == "quoted":
        notes.append(r"\Q…\E became an escaped literal")
        literal: str = regex.escape(text[2:-2] if text.endswith(r"\E") else text[2:], special_only=True)
        return literal
    if token.kind == "comment":
        notes.append("(?#…) comment removed")
        return ""
    if token.kind == "class":
        return _import_class(text, notes)
    return text


def _import_class(text: str, notes: list[str]) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("[:", index) and index > 0:
            end = text.find(":]", index + 2)
            name = text[index + 2 : end].lstrip("^")
            if end < 0 or name not in POSIX_CLASSES or text[index + 2] == "^":
                raise RegexTranslationError(f"POSIX class {text[index : end + 2]!r} has no translation")
            notes.append(f"[:{name}:] became {POSIX_CLASSES[name]}")
            out.append(POSIX_CLASSES[name])
            index = end + 2
        elif text[index] == "\\":
            escape = text[index : index + 2]
            if escape in AMBIGUOUS_ESCAPES:
                raise RegexTranslationError(AMBIGUOUS_ESCAPES[escape])
            if escape == r"\h":
                notes.append(r"\h became the horizontal white-space characters")
                out.append(HORIZONTAL_SPACE)
            elif text.startswith(r"\x{", index):
                end = text.index("}", index)
                out.append(_python_code_point(text[index : end + 1]))
                index = end - 1
            else:
                out.append(escape)
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _scope_inline_flags(tokens: list[Token], notes: list[str]) -> list[Token]:
    """Boost's ``(?i)`` inside a pattern lasts to the end of its group; ours would be global.

    Each such switch becomes a scoped group ``(?i:…)`` closed where the enclosing group closes.
    """
    out: list[Token] = []
    pending: list[int] = []  # the depth of each scoped group still open
    depth = 0
    for index, token in enumerate(tokens):
        if token.kind == "flags" and index > 0:
            notes.append(f"{token.text} inside the pattern became a scoped group")
            out.append(Token("open", token.text[:-1] + ":"))
            pending.append(depth)
            continue
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            while pending and pending[-1] == depth:
                pending.pop()
                out.append(Token("close", ")"))
            depth -= 1
        out.append(token)
    out.extend(Token("close", ")") for _ in pending)
    return out


def _export_token(token: Token, notes: list[str], first: bool) -> str:
    text = token.text
    if token.kind == "escape":
        if text.startswith(r"\N{"):
            raise RegexTranslationError(f"{text}: Boost has no named characters; write the code point")
        if text.startswith((r"\u", r"\U")):
            return r"\x{" + text[2:].lstrip("{").rstrip("}") + "}"
        return OUR_ESCAPES.get(text, text)
    if token.kind == "flags" and not first:
        raise RegexTranslationError(
            f"{text} in the middle of a pattern applies to all of it here but only to the rest of its group in Boost"
        )
    if token.kind == "open" and text.startswith("(?P<"):
        return "(?<" + text[4:]
    if token.kind == "open" and text == "(?|":
        raise RegexTranslationError(f"{text} is particular to the regex package")
    if token.kind == "backref" and text.startswith("(?P="):
        return r"\k<" + text[4:-1] + ">"
    if token.kind == "fuzzy":
        raise RegexTranslationError(f"fuzzy matching {text} is particular to the regex package")
    if token.kind == "class":
        return "".join(
            r"\x{" + part[2:] + "}" if part.startswith((r"\u", r"\U")) else part for part in _class_parts(text)
        )
    return text


def _class_parts(text: str) -> list[str]:
    parts: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith((r"\u",), index):
            parts.append(text[index : index + 6])
            index += 6
        elif text.startswith(r"\U", index):
            parts.append(text[index : index + 10])
            index += 10
        elif text[index] == "\\":
            parts.append(text[index : index + 2])
            index += 2
        else:
            parts.append(text[index])
            index += 1
    return parts


def _python_code_point(text: str) -> str:
    digits = text[3:-1]
    value = int(digits, 16)
    return f"\\u{value:04x}" if value <= 0xFFFF else f"\\U{value:08x}"
