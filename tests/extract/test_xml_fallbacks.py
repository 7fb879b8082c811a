"""XML with a DTD, or not well-formed: never refused unread. What can be read is scanned, and the part says how."""

from __future__ import annotations

import time

from service.classify import Document, classify
from service.engine import Scanner
from service.extract import ExtractionLimits, extract_document
from service.extract.limits import Budget
from service.extract.sink import TextSink
from service.extract.xml_stream import Fallback, strip_markup
from tests.fixtures import make_documents as make

TOKEN = make.TOKEN
GITHUB = "GitHub personal access token"


def found_in(scanner: Scanner, data: bytes, name: str) -> tuple[set[str], dict[str, tuple[str, str]], bool]:
    classification = classify(scanner, [Document(data, name=name)])
    report = classification.report
    result = report.result_for(GITHUB)
    errors = {p.name: (p.error.code, p.error.message) for p in report.errors if p.error is not None}
    return ({m.part for m in result.matches} if result else set()), errors, report.complete


def test_billion_laughs_in_a_word_body_is_read_without_expanding(builtin_scanner: Scanner) -> None:
    data = make.docx_with_dtd(make.laughs_declarations(), "laugh: &lol9; end")
    parts_with_token, errors, complete = found_in(builtin_scanner, data, "laughs.docx")
    assert parts_with_token == {"laughs.docx/body"}
    assert errors == {"laughs.docx/body#incomplete": ("forbidden_content", "DTD ignored; entities not expanded")}
    assert not complete  # the gateway learns that the content was not fully understood
    (body,) = [p for p in extract_document(data, "laughs.docx") if p.name == "laughs.docx/body"]
    assert "laugh:  end" in body.text and "lol" not in body.text.replace("laugh", "")


def test_external_entities_are_not_fetched() -> None:
    declarations = '<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY % remote SYSTEM "http://example.invalid/x">'
    parts = extract_document(make.docx_with_dtd(declarations, "a &secret; b"), "x.docx")
    body = next(p for p in parts if p.name == "x.docx/body")
    assert "a  b" in body.text and "root:" not in body.text


def test_billion_laughs_file_keeps_its_text_and_reports_the_dtd() -> None:
    data = make.billion_laughs().replace("<lolz>&lol9;</lolz>", f"<lolz>&lol9; GITHUB_TOKEN={TOKEN}</lolz>").encode()
    parts = extract_document(data, "l.xml")
    assert [(p.name, p.error.code if p.error else None) for p in parts] == [
        ("l.xml", None),
        ("l.xml#incomplete", "forbidden_content"),
    ]
    assert parts[0].text == f"GITHUB_TOKEN={TOKEN}"


def test_declarations_the_rewriting_cannot_see_fall_back_to_text() -> None:
    # UTF-16 is not rewritten byte-wise: the parser meets the declarations, stops, and the text is read bare.
    text = make.billion_laughs().replace("<lolz>&lol9;</lolz>", f"<lolz>&lol9; token {TOKEN}</lolz>")
    parts = extract_document(text.replace('<?xml version="1.0"?>', "").encode("utf-16"), "w.xml")
    body, error = parts
    assert TOKEN in body.text and "lollol" not in body.text and "&lol9;" in body.text
    assert error.name == "w.xml#incomplete" and error.error is not None
    assert error.error == type(error.error)("forbidden_content", "DTD ignored; entities not expanded; scanned as text")


def test_malformed_xml_is_scanned_as_text(builtin_scanner: Scanner) -> None:
    data = f'<?xml version="1.0"?><config><token>GITHUB_TOKEN={TOKEN}</token><broken></config>'.encode()
    parts_with_token, errors, _ = found_in(builtin_scanner, data, "c.xml")
    assert parts_with_token == {"c.xml"}  # and classify did not call the document unreadable
    code, message = errors["c.xml#incomplete"]
    assert code == "corrupt" and message.endswith("scanned as text with tags stripped") and "mismatched tag" in message


def test_malformed_word_body_is_scanned_as_text(builtin_scanner: Scanner) -> None:
    head, tail = make.word_body(b"<w:p><w:r><w:t>unclosed</w:r></w:p>")
    data = make.rebuild(make.docx_bytes(), {"word/document.xml": [head, tail]})
    parts_with_token, errors, _ = found_in(builtin_scanner, data, "m.docx")
    assert parts_with_token == {"m.docx/body"}
    assert errors["m.docx/body#incomplete"][0] == "corrupt"


def test_xml_without_any_text_that_is_broken_stays_unreadable() -> None:
    (part,) = extract_document(b'<?xml version="1.0"?><a><b></a>', "e.xml")
    assert part.name == "e.xml" and part.error is not None and part.error.code == "corrupt"


def strip(markup: str, fallback: Fallback | None = None) -> str:
    sink = TextSink(Budget(ExtractionLimits()))
    strip_markup(markup, sink, fallback or Fallback())
    return sink.text()


def test_stripping_keeps_text_attributes_and_cdata_and_decodes_only_predefined_entities() -> None:
    text = strip('<!DOCTYPE x [<!ENTITY a "]>">]><x k="v&amp;w">a &lt; b &a; &#65;<![CDATA[<raw>]]><!-- c --></x>')
    assert text.split() == ["v&w", "a", "<", "b", "&a;", "A<raw>"]


def test_stripping_is_linear_on_unterminated_markup() -> None:
    assert strip("<" * 200_000 + "tail").endswith("<<tail")
    assert strip("text<!--" * 100_000) == "text"  # the first unterminated comment ends the markup
    assert strip("a<b" * 100_000).startswith("a<ba<b")


def test_a_small_time_limit_stops_a_big_document_with_the_text_read_so_far() -> None:
    data = make.long_docx(2_000_000)
    limits = ExtractionLimits(time_limit=0.05)
    started = time.monotonic()
    parts = extract_document(data, "big.docx", limits=limits)
    elapsed = time.monotonic() - started
    errors = {p.name: p.error.code for p in parts if p.error is not None}
    assert errors == {"big.docx/body#incomplete": "time_limit"}
    body = next(p for p in parts if p.name == "big.docx/body")
    assert TOKEN in body.text
    assert elapsed < 40 * limits.time_limit  # generous: reading all of it takes far longer
