"""Real files of every supported format: each planted value is found in the right part at the right offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.classify import Document, classify
from service.engine import Scanner
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"
TOKEN = "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"
DECOY = "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"
CARD = "4895 6866 7767 5908"
SSN = "536-22-8726"
GITHUB, CREDIT_CARD, US_SSN = "GitHub personal access token", "Credit card number", "U.S. social security number (SSN)"

# fixture → the part where each planted value must be found
EXPECTED: dict[str, dict[str, str]] = {
    "plain.txt": {TOKEN: "plain.txt", CARD: "plain.txt", SSN: "plain.txt"},
    "legacy-cp1252.txt": {TOKEN: "legacy-cp1252.txt", CARD: "legacy-cp1252.txt", SSN: "legacy-cp1252.txt"},
    "utf16.txt": {TOKEN: "utf16.txt", CARD: "utf16.txt", SSN: "utf16.txt"},
    "page.html": {TOKEN: "page.html", CARD: "page.html", SSN: "page.html"},
    "data.xml": {TOKEN: "data.xml", CARD: "data.xml", SSN: "data.xml"},
    "report.docx": {TOKEN: "report.docx/body", CARD: "report.docx/headers-footers", SSN: "report.docx/headers-footers"},
    "payroll.xlsx": {TOKEN: "payroll.xlsx/Payroll", CARD: "payroll.xlsx/Payroll", SSN: "payroll.xlsx/Payroll"},
    "deck.pptx": {TOKEN: "deck.pptx/slide2/notes", CARD: "deck.pptx/slide2", SSN: "deck.pptx/slide2"},
    "review.pdf": {TOKEN: "review.pdf/page2", CARD: "review.pdf/page2", SSN: "review.pdf/page2"},
    "notes.odt": {TOKEN: "notes.odt/content", CARD: "notes.odt/content", SSN: "notes.odt/content"},
    "bundle.zip": {TOKEN: "bundle.zip/notes/plain.txt", CARD: "bundle.zip/notes/plain.txt",
                   SSN: "bundle.zip/notes/plain.txt"},
    "bundle.tar": {TOKEN: "bundle.tar/plain.txt", CARD: "bundle.tar/payroll.xlsx/Payroll", SSN: "bundle.tar/plain.txt"},
    "plain.txt.gz": {TOKEN: "plain.txt.gz/plain.txt", CARD: "plain.txt.gz/plain.txt", SSN: "plain.txt.gz/plain.txt"},
    "bundle.tar.bz2": {TOKEN: "bundle.tar.bz2/bundle.tar/plain.txt", CARD: "bundle.tar.bz2/bundle.tar/plain.txt",
                       SSN: "bundle.tar.bz2/bundle.tar/plain.txt"},
    "plain.txt.xz": {TOKEN: "plain.txt.xz/plain.txt", CARD: "plain.txt.xz/plain.txt", SSN: "plain.txt.xz/plain.txt"},
    "message.eml": {TOKEN: "message.eml/body2.html", CARD: "message.eml/body", SSN: "message.eml/headers"},
    "message.msg": {TOKEN: "message.msg/attachments/notes.txt", CARD: "message.msg/body", SSN: "message.msg/headers"},
    "mislabelled.pdf": {TOKEN: "mislabelled.pdf/body", CARD: "mislabelled.pdf/headers-footers",
                        SSN: "mislabelled.pdf/headers-footers"},
}  # fmt: skip
SIT_OF = {TOKEN: GITHUB, CARD: CREDIT_CARD, SSN: US_SSN}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_planted_values_are_found_in_their_part(builtin_scanner: Scanner, fixture: str) -> None:
    classification = classify(builtin_scanner, [Document((DOCUMENTS / fixture).read_bytes(), name=fixture)])
    report = classification.report
    assert report.complete, [p.error for p in report.errors]
    texts = {part.name: part.text for part in classification.parts}
    for value, part_name in EXPECTED[fixture].items():
        result = report.result_for(SIT_OF[value])
        assert result is not None, f"{SIT_OF[value]} not found in {fixture}"
        located = [m for m in result.matches if m.part == part_name]
        assert located, f"{value[:6]}… not in {part_name}; found in {[m.part for m in result.matches]}"
        match = located[0]
        # Offsets are code points into that part's text, and they land on the value.
        assert texts[part_name][match.start : match.end] == value
        assert match.start == texts[part_name].index(value)


def test_mail_attachments_are_recursed_into(builtin_scanner: Scanner) -> None:
    report = classify(builtin_scanner, [Document((DOCUMENTS / "message.eml").read_bytes(), name="message.eml")]).report
    result = report.result_for(GITHUB)
    assert result is not None
    assert {m.part for m in result.matches} == {
        "message.eml/body2.html",
        "message.eml/attachments/report.docx/body",
        "message.eml/attachments/bundle.zip/plain.txt",
    }


def test_script_and_style_are_not_visible_text(builtin_scanner: Scanner) -> None:
    classification = classify(builtin_scanner, [Document((DOCUMENTS / "page.html").read_bytes(), name="page.html")])
    (part,) = classification.parts
    assert DECOY not in part.text
    assert "Access review & findings" in part.text  # entities decoded
    result = classification.report.result_for(GITHUB)
    assert result is not None and result.unique_count == 1


def test_a_mislabelled_file_is_read_by_its_content(builtin_scanner: Scanner) -> None:
    classification = classify(
        builtin_scanner,
        [Document((DOCUMENTS / "mislabelled.pdf").read_bytes(), name="x.pdf", media_type="application/pdf")],
    )
    assert classification.parts[0].media_type.endswith("wordprocessingml.document")


def test_legacy_and_utf16_text_decode_correctly() -> None:
    from service.extract import extract_document

    (latin,) = extract_document((DOCUMENTS / "legacy-cp1252.txt").read_bytes(), "a.txt")
    (wide,) = extract_document((DOCUMENTS / "utf16.txt").read_bytes(), "b.txt")
    assert latin.text.startswith("Kündigung – Müller")
    assert wide.text.startswith("Überblick")


def test_fixtures_are_real_files_made_by_the_script() -> None:
    script = (FIXTURES / "make_documents.py").read_text()
    for name in EXPECTED:
        assert f'"{name}"' in script, name
        assert (DOCUMENTS / name).stat().st_size > 0
    assert (DOCUMENTS / "report.docx").read_bytes()[:2] == b"PK"
    assert (DOCUMENTS / "review.pdf").read_bytes()[:5] == b"%PDF-"
    assert Path(DOCUMENTS / "plain.txt.gz").read_bytes()[:2] == b"\x1f\x8b"
