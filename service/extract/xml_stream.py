"""XML read as a stream of events, within the budget, without DTDs, and with a fallback for broken XML.

No tree is built: a reader sees start tags, end tags and text, writes what it wants into
a ``TextSink`` and forgets the rest, so memory follows the text kept, not the markup.
Elements are counted (``max_xml_elements``) and the time is checked as they go by.

DTDs are never used. A DOCTYPE's internal subset (where billion laughs and external
entities are declared) is cut out before the parser sees it, and replaced by a DOCTYPE
that names an external subset which is never loaded: references to entities are then
skipped, not expanded and not an error. Should a declaration reach the parser anyway
(an encoding this rewriting does not read), it stops, and the text is read with the
markup stripped instead. So is XML that is not well-formed. Either way the part says
so: its content was not fully understood.
"""

from __future__ import annotations

import codecs
import pyexpat
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from service.engine.document import PartError
from service.extract.limits import Budget, LimitExceeded, MiB
from service.extract.sink import TextSink
from service.extract.text import NotText, decode_text

# The prolog (XML declaration, comments, DOCTYPE) must be found within this many bytes.
HEAD_LIMIT = 1 * MiB
# Elements between two looks at the clock.
CHECK_EVERY = 8192
_PLACEHOLDER = b'<!DOCTYPE ignored SYSTEM "ignored">'
DTD_IGNORED = "DTD ignored; entities not expanded"


class EntityDeclared(Exception):
    """An entity declaration reached the parser: the document is read as text instead."""


class XmlReader:
    """Receives the events of one XML stream. Tags are ``namespace}local`` (or ``local``)."""

    def __init__(self, sink: TextSink) -> None:
        self.sink = sink
        self.elements = 0
        self._next_check = 0
        self._max_elements = sink.budget.limits.max_xml_elements

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """An element starts."""

    def end(self, tag: str) -> None:
        """An element ends."""

    def text(self, data: str) -> None:
        """Character data (possibly in several pieces)."""

    def finish(self, text: str) -> str:
        """The part's text from what was written; readers may tidy it."""
        return text

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements >= self._next_check:
            self._checkpoint()
        self.start(tag, attrs)

    def _checkpoint(self) -> None:
        if self.elements > self._max_elements:
            raise LimitExceeded("part_too_large", f"has more than {self._max_elements} XML elements")
        self.sink.budget.check_time()
        self._next_check = min(self.elements + CHECK_EVERY, self._max_elements + 1)


def _refuse_entity(*_: object) -> None:
    raise EntityDeclared


def parse(chunks: Iterable[bytes], reader: XmlReader) -> bool:
    """Feed ``chunks`` through ``reader``; True when a DTD's declarations were ignored.

    Raises ``pyexpat.ExpatError`` for XML that is not well-formed, ``EntityDeclared`` when
    a declaration could not be cut out beforehand, and ``LimitExceeded`` from the budget.
    """
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.StartElementHandler = reader._start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = lambda *_: 1  # external entities are never fetched
    stream = iter(chunks)
    head, ignored = _rewritten_head(stream)
    parser.Parse(head, False)
    for chunk in stream:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return ignored


def _rewritten_head(stream: Iterator[bytes]) -> tuple[bytes, bool]:
    """The first bytes with the DOCTYPE replaced (or one added): entity references are then skipped."""
    head = b""
    for chunk in stream:
        head += chunk
        rewritten = _rewrite_prolog(head, final=False)
        if rewritten is not None:
            return rewritten
        if len(head) > HEAD_LIMIT:
            return head, False  # an endless prolog: left to the parser (and its refusal of declarations)
    return _rewrite_prolog(head, final=True) or (head, False)


_WHITESPACE = b" \t\r\n"
_SUBSET_TOKEN = re.compile(rb"\s+|\"[^\"]*\"|'[^']*'|<!--.*?-->|<\?.*?\?>|\]|[^\"'<\]\s]+|<(?![!?])|<![^-]|<\?", re.S)


def _rewrite_prolog(head: bytes, final: bool) -> tuple[bytes, bool] | None:
    """``head`` with its DOCTYPE replaced by a placeholder; None when more bytes are needed."""
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if head[start : start + 2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
        return head, False  # UTF-16 or -32: not rewritten here; the parser refuses declarations
    at, size = start, len(head)
    while True:
        while at < size and head[at] in _WHITESPACE:
            at += 1
        if head.startswith(b"<?", at) or head.startswith(b"<!--", at):
            end = head.find(b"?>" if head[at + 1] == 0x3F else b"-->", at + 2)
            if end < 0:
                return None if not final else (head, False)
            at = end + (2 if head[at + 1] == 0x3F else 3)
            continue
        if size - at < 9 and not final:
            return None
        declarations, end = False, at
        if head.startswith(b"<!DOCTYPE", at):
            found = _doctype_end(head, at + 9)
            if found is None:
                return None if not final else (head, False)
            end, declarations = found
        # The root element follows. A placeholder DOCTYPE (added if there was none) makes an
        # undeclared entity a skipped one, unless the document calls itself standalone (as
        # Word's XML does): that claim is dropped, since the declarations it refers to are.
        prolog = _STANDALONE.sub(b'standalone="no"', head[:at])
        return prolog + _PLACEHOLDER + head[end:], declarations


_STANDALONE = re.compile(rb"""standalone\s*=\s*["']yes["']""")


def _doctype_end(head: bytes, at: int) -> tuple[int, bool] | None:
    """Where the DOCTYPE that continues at ``at`` ends, and whether its internal subset declares anything."""
    declarations = False
    size = len(head)
    while at < size:
        char = head[at]
        if char in (0x22, 0x27):  # a quoted system or public id
            end = head.find(bytes([char]), at + 1)
            if end < 0:
                return None
            at = end + 1
        elif char == 0x5B:  # '[': the internal subset
            at += 1
            while True:
                token = _SUBSET_TOKEN.match(head, at)
                if token is None:
                    return None
                at = token.end()
                if token.group() == b"]":
                    break
                if not token.group().isspace():
                    declarations = True
        elif char == 0x3E:  # '>'
            return at + 1, declarations
        else:
            at += 1
    return None


# -- the fallback: text with the markup stripped ------------------------------------------

_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ATTRIBUTE = re.compile(r"""[^\s=]+\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SUBSET_END = re.compile(r"\]\s*>")


def _replace(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    return chr(code) if 0 < code <= 0x10FFFF else match.group()


def unescape(text: str) -> str:
    """Predefined entities and character references decoded; any other reference left as written."""
    return _REFERENCE.sub(_replace, text) if "&" in text else text


@dataclass(frozen=True)
class Fallback:
    """How markup is stripped when XML cannot be parsed.

    ``breaks``: local names of elements whose end starts a new line (None: every tag does);
    ``tabs``: those whose end is a tab; ``attributes``: whether attribute values are text.
    """

    breaks: frozenset[str] | None = None
    tabs: frozenset[str] = frozenset()
    attributes: bool = True


def strip_markup(text: str, sink: TextSink, fallback: Fallback) -> None:
    """Write the text of ``text`` with tags, comments, PIs and the DOCTYPE removed.

    Linear in the input whatever it holds: an unterminated construct ends the markup and
    the rest is kept as text.
    """
    at, size, closing, tokens = 0, len(text), -1, 0
    budget = sink.budget
    while at < size:
        lt = text.find("<", at)
        if lt < 0:
            lt = size
        if lt > at:
            sink.write(unescape(text[at:lt]))
        if lt >= size:
            return
        tokens += 1
        if tokens % CHECK_EVERY == 0:
            if tokens > budget.limits.max_xml_elements:
                raise LimitExceeded("part_too_large", f"has more than {budget.limits.max_xml_elements} XML elements")
            budget.check_time()
        skipped = _skip_construct(text, lt, sink)
        if skipped is not None:
            at = skipped
            continue
        if closing < lt:
            closing = text.find(">", lt)
        if closing < 0:
            sink.write(unescape(text[lt:]))  # no tag closes any more: the rest is text
            return
        if text.find("<", lt + 1, closing) >= 0:
            sink.write("<")  # a '<' that opens no tag
            at = lt + 1
            continue
        _write_tag(text[lt + 1 : closing], sink, fallback)
        at = closing + 1


def _skip_construct(text: str, lt: int, sink: TextSink) -> int | None:
    """Past a comment, CDATA section, PI or DOCTYPE at ``lt``; None if it is a tag."""
    if text.startswith("<!--", lt):
        end = text.find("-->", lt + 4)
        return len(text) if end < 0 else end + 3
    if text.startswith("<![CDATA[", lt):
        end = text.find("]]>", lt + 9)
        sink.write(text[lt + 9 : end if end >= 0 else len(text)])
        return len(text) if end < 0 else end + 3
    if text.startswith("<?", lt):
        end = text.find("?>", lt + 2)
        return len(text) if end < 0 else end + 2
    if text.startswith("<!DOCTYPE", lt):
        # The same reading of the DOCTYPE as before parsing (quotes and comments respected) ...
        window = text[lt : lt + HEAD_LIMIT].encode("utf-8", errors="surrogatepass")
        found = _doctype_end(window, 9)
        if found is not None:
            return lt + len(window[: found[0]].decode("utf-8", errors="surrogatepass"))
        # ... and, for a DOCTYPE that does not end the way it should, a rougher one.
        bracket, closing = text.find("[", lt), text.find(">", lt)
        if 0 <= bracket < closing or (bracket >= 0 and closing < 0):
            subset_end = _SUBSET_END.search(text, bracket)
            return len(text) if subset_end is None else subset_end.end()
        return len(text) if closing < 0 else closing + 1
    return None


def _write_tag(tag: str, sink: TextSink, fallback: Fallback) -> None:
    name = tag.strip().lstrip("/").rstrip("/").split(None, 1)
    local = name[0].rsplit(":", 1)[-1] if name else ""
    if fallback.attributes and len(name) > 1:
        for match in _ATTRIBUTE.finditer(name[1]):
            value = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
            if value:
                sink.write(f"\n{unescape(value)}\n")
    if fallback.breaks is None:
        sink.write("\n")
    elif tag.startswith("/") or tag.endswith("/"):
        if local in fallback.breaks:
            sink.write("\n")
        elif local in fallback.tabs:
            sink.write("\t")


# -- reading one XML stream, with its fallbacks -------------------------------------------


@dataclass(frozen=True)
class XmlText:
    """The text of one XML stream, and what (if anything) kept it from being read fully."""

    text: str
    error: LimitExceeded | PartError | None = None


def read_xml(
    budget: Budget,
    source: Callable[[], Iterator[bytes]],
    make_reader: Callable[[TextSink], XmlReader],
    fallback: Fallback,
) -> XmlText:
    """Text of the XML that ``source`` yields (called again for the fallback), never raising for its content.

    ``source`` raises ``LimitExceeded`` where its bytes are cut short by a limit; what came
    before is still read. Only the time limit can end the fallback early as well.
    """
    sink = TextSink(budget)
    reader = make_reader(sink)
    try:
        ignored = parse(source(), reader)
        return XmlText(reader.finish(sink.text()), PartError("forbidden_content", DTD_IGNORED) if ignored else None)
    except LimitExceeded as limit:
        return XmlText(reader.finish(sink.text()), limit)
    except EntityDeclared:
        sink.refund()
        return _as_text(budget, source, fallback, PartError("forbidden_content", f"{DTD_IGNORED}; scanned as text"))
    except pyexpat.ExpatError as error:
        sink.refund()
        # Expat's messages name the problem and the position, never the content.
        reason = f"not well-formed XML ({pyexpat.ErrorString(error.code)}, line {error.lineno})"
        return _as_text(budget, source, fallback, PartError("corrupt", f"{reason}; scanned as text with tags stripped"))


def _as_text(budget: Budget, source: Callable[[], Iterator[bytes]], fallback: Fallback, notice: PartError) -> XmlText:
    pieces: list[bytes] = []
    error: LimitExceeded | PartError = notice
    try:
        pieces.extend(source())
    except LimitExceeded as limit:
        error = _both(limit, notice)  # the part was cut short as well
    data = b"".join(pieces)
    pieces.clear()
    try:
        text = decode_text(data)
    except NotText:
        text = data.decode("utf-8", errors="replace")
    del data
    sink = TextSink(budget)
    try:
        strip_markup(text, sink, fallback)
    except LimitExceeded as limit:
        error = _both(limit, notice)
    return XmlText(sink.text(), error)


def _both(limit: LimitExceeded, notice: PartError) -> LimitExceeded:
    """The limit's code (the stronger statement), with the fallback in its message."""
    return LimitExceeded(limit.code, f"{limit.message} ({notice.message})")
