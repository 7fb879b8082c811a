"""HTML → its visible text: no script or style, entities decoded, block elements on their own lines."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

_INVISIBLE = {"script", "style", "template", "noscript"}
_BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
           "article", "header", "footer", "blockquote", "pre", "hr", "dt", "dd"}  # fmt: skip


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden_depth += 1
        elif tag in _BLOCKS:
            self.pieces.append("\n")
        elif tag in {"input", "img"}:
            # Values and alt texts are visible to the reader of the page.
            for name, value in attrs:
                if name in {"value", "alt", "title"} and value:
                    self.pieces.append(f" {value} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE and self.hidden_depth:
            self.hidden_depth -= 1
        elif tag in _BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.pieces.append(data)


# Markup is parsed in pieces of this many characters, with a look at the clock in between.
_PIECE = 256 * 1024


def html_to_text(markup: str, check: Callable[[], None] | None = None) -> str:
    """The visible text; ``check`` is called between pieces of the markup (it raises to stop)."""
    parser = _VisibleText()
    for start in range(0, len(markup), _PIECE):
        if check is not None:
            check()
        parser.feed(markup[start : start + _PIECE])
    parser.close()
    lines = ("".join(parser.pieces)).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())
