"""Bytes of a text document → its text, in whatever common encoding it was written.

A byte-order mark decides first; then strict UTF-8 (by far the most common); then
Windows-1252 when the bytes read as plausible Western text in it; then charset-normalizer
guesses among the other legacy encodings (and BOM-less UTF-16/32). Bytes that are not text at all are
reported as such instead of being scanned as garbage.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Guessing an encoding reads the whole input several times; beyond this, guess from a sample.
_GUESS_SAMPLE = 256 * 1024


class NotText(ValueError):
    """The bytes are not text in an encoding this extractor reads."""


def decode_text(data: bytes) -> str:
    for bom, encoding in _BOMS:  # UTF-32-LE's mark starts with UTF-16-LE's: order matters
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise NotText(f"invalid {encoding} at byte {error.start + len(bom)}") from None
    if b"\x00" not in data[:_GUESS_SAMPLE]:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        western = _as_western(data)
        if western is not None:
            return western
    guess = from_bytes(data[:_GUESS_SAMPLE]).best()
    if guess is not None and guess.encoding:
        try:
            return data.decode(guess.encoding, errors="replace")
        except LookupError:
            pass
    if b"\x00" in data[:_GUESS_SAMPLE]:
        raise NotText("binary content, not text in a known encoding")
    return data.decode("cp1252", errors="replace")


def _as_western(data: bytes) -> str | None:
    """Windows-1252 text, if the bytes read as plausible Western text in it.

    Statistical detectors misjudge short Western texts (a German note reads as Czech), while
    Windows-1252 is by far the commonest legacy encoding. Western text has few accented
    letters among many ASCII ones; Cyrillic or Greek text decoded as 1252 is mostly accents.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes 1252 leaves undefined: not 1252
        return None
    letters = [char for char in text if char.isalpha()]
    accented = sum(1 for char in letters if ord(char) > 127)
    return text if letters and accented * 10 < len(letters) * 3 else None
