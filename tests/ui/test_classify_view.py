"""The Classify view in Chromium: pasted text and uploaded files, highlighted in place and listed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import FIXTURES
from tests.ui.conftest import screenshot, serious_violations

TOKEN = "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"  # a test value whose checksum holds; it grants nothing
CARD = "4895 6866 7767 5908"  # Luhn-valid, not a published test number
PASTED = f"Deploy notes\nexport GITHUB_TOKEN={TOKEN}\nPlease charge my Visa card number {CARD}, exp 08/29.\n"
DOCUMENTS = FIXTURES / "documents"


def classify_text(page: Page, text: str) -> None:
    page.fill("#classify-text", text)
    page.click("#classify-run")
    expect(page.locator("#classify-status")).to_contain_text("found in")


def sit_row(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#sit-table tbody tr[data-sit="{name}"]')


def test_pasted_text_shows_each_match_in_place_and_lists_the_sits(page: Page) -> None:
    classify_text(page, PASTED)
    document = page.locator("#document-view")
    token_mark = document.locator('mark.match[data-sit="GitHub personal access token"]')
    card_mark = document.locator('mark.match[data-sit="Credit card number"]')
    expect(token_mark).to_have_count(1)
    expect(card_mark).to_have_count(1)
    # Masked in place, as the API returns the value; the text around it is the document's own.
    expect(token_mark).to_have_text("ghp_****…(40)")
    assert TOKEN not in document.inner_text() and CARD not in document.inner_text()
    assert "Please charge my" in document.inner_text()
    # Two SITs, two colours; intensity follows confidence.
    token_classes = token_mark.get_attribute("class") or ""
    card_classes = card_mark.get_attribute("class") or ""
    assert "conf-high" in token_classes and "conf-high" in card_classes
    assert {c for c in token_classes.split() if c.startswith("sit-")} != {
        c for c in card_classes.split() if c.startswith("sit-")
    }
    # The evidence that counted is highlighted too: the card wording near the number.
    keywords = [text.casefold() for text in document.locator("mark.keyword").all_inner_texts()]
    assert any("card" in keyword or "visa" in keyword for keyword in keywords), keywords
    for name in ("GitHub personal access token", "Credit card number"):
        row = sit_row(page, name)
        expect(row.locator("td.count")).to_have_text("1")
        expect(row.locator("td.unique")).to_have_text("1")
        expect(row.locator("td.confidence")).to_have_text("85")
    # Every match comes with its contextual summary as the API returns it, masked.
    summaries = page.locator('#match-list article[data-sit="GitHub personal access token"] .summary')
    expect(summaries).to_have_count(1)
    expect(summaries.locator("mark.match")).to_have_text("ghp_****…(40)")
    screenshot(page, "classify-text")


def test_revealing_shows_the_value_when_the_key_may(page: Page) -> None:
    page.check("#classify-reveal")
    classify_text(page, PASTED)
    expect(page.locator('#document-view mark.match[data-sit="GitHub personal access token"]')).to_have_text(TOKEN)


def test_revealing_is_refused_for_a_key_without_the_permission(page: Page) -> None:
    page.fill("#api-key", "gateway-key-0123456789abcdef")
    page.press("#api-key", "Tab")
    page.check("#classify-reveal")
    page.fill("#classify-text", PASTED)
    page.click("#classify-run")
    expect(page.locator("#classify-error")).to_contain_text("may not reveal")


def test_without_a_key_the_page_says_to_enter_one(page: Page) -> None:
    page.click("#api-key-forget")
    page.fill("#classify-text", PASTED)
    page.click("#classify-run")
    expect(page.locator("#classify-error")).to_contain_text("Enter an API key")
    assert page.evaluate("() => sessionStorage.length") == 0


def test_uploaded_word_file_and_mail_are_navigated_by_their_parts(page: Page) -> None:
    page.set_input_files("#classify-files", [str(DOCUMENTS / "report.docx"), str(DOCUMENTS / "message.eml")])
    expect(page.locator("#classify-file-list li")).to_have_count(2)
    page.click("#classify-run")
    expect(page.locator("#classify-status")).to_contain_text("found in")
    tree = page.locator("#parts-tree")
    for label in ("report.docx", "message.eml", "attachments", "bundle.zip", "plain.txt", "body2.html"):
        expect(tree.locator("button", has_text=label).first).to_be_visible()
    # Choosing the zip inside the mail's attachments shows only the matches found in it.
    tree.locator("button", has_text="bundle.zip").click()
    expect(tree.locator('button[aria-current="true"]')).to_have_attribute(
        "data-selection", "message.eml/attachments/bundle.zip/"
    )
    parts = page.locator("#match-list article dd").filter(has_text="message.eml/attachments/bundle.zip/")
    assert parts.count() >= 1
    assert all(
        text.startswith("message.eml/attachments/bundle.zip/")
        for text in page.locator("#match-list article dl dd:nth-of-type(1)").all_inner_texts()
    )
    # The Word file on its own: its matches, each with a summary carrying a highlighted match.
    tree.locator('button[data-selection="report.docx/"]').click()
    articles = page.locator("#match-list article")
    assert articles.count() >= 1
    expect(articles.first.locator(".summary mark.match")).to_have_count(1)
    screenshot(page, "classify-files")


def test_a_dropped_text_file_is_shown_in_place_beside_a_word_file(page: Page, tmp_path: Path) -> None:
    notes = tmp_path / "deploy-notes.txt"
    notes.write_text(PASTED, encoding="utf-8")
    page.set_input_files("#classify-files", [str(notes), str(DOCUMENTS / "report.docx")])
    page.click("#classify-run")
    expect(page.locator("#classify-status")).to_contain_text("found in")
    page.locator('#parts-tree button[data-selection="deploy-notes.txt"]').click()
    document = page.locator("#document-view")
    expect(document.locator('mark.match[data-sit="GitHub personal access token"]')).to_have_text("ghp_****…(40)")
    assert TOKEN not in document.inner_text()
    # A Word file's text stays on the server: its matches are shown in their contexts only.
    page.locator('#parts-tree button[data-selection="report.docx/"]').click()
    expect(document).to_be_hidden()
    expect(page.locator("#document-caption")).to_contain_text("in its context")


def test_the_classify_view_has_no_serious_accessibility_violation(page: Page) -> None:
    classify_text(page, PASTED)
    assert serious_violations(page) == []


def test_the_classify_view_is_usable_by_keyboard(page: Page) -> None:
    page.focus("#classify-text")
    page.keyboard.type(f"token {TOKEN}")
    page.keyboard.press("Tab")  # to the file chooser
    page.keyboard.press("Tab")  # to the reveal box
    page.keyboard.press("Tab")  # to the Classify button
    expect(page.locator("#classify-run")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator('#sit-table tbody tr[data-sit="GitHub personal access token"]')).to_have_count(1)
    page.focus("#tab-classify")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-tune")).to_be_focused()
    expect(page.locator("#view-tune")).to_be_visible()
