"""The Tune view in Chromium: a draft that misses, the reason shown, the fix, export and re-import."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import FIXTURES
from tests.ui.conftest import screenshot, serious_violations

DRAFT = (FIXTURES / "tuning" / "contoso_employee_id.yaml").read_text(encoding="utf-8")
# Without its pattern for a number alone, the draft needs the keyword within 50 characters.
KEYWORD_ONLY = DRAFT.replace(
    "  - name: employee ID alone\n    confidence: 65\n    primary: employee_id\n"
    "    supporting: {any: {max: 0, of: [kw_not_real]}}\n",
    "",
)
FIXED = KEYWORD_ONLY.replace("proximity: 50", "proximity: 300")
VALID = "EMP-88752316"  # Luhn-valid digits
FAR_SAMPLE = "employee" + " filler" * 20 + f" {VALID} joined in May."


def run_draft(page: Page, draft: str, *samples: str) -> None:
    page.click("#tab-tune")
    page.fill("#draft-editor", draft)
    for number, text in enumerate(samples, start=1):
        if page.locator(f"#sample-{number}").count() == 0:
            page.click("#sample-add")
        page.fill(f"#sample-{number}", text)
    run(page)


def run(page: Page) -> None:
    page.locator("#tune-status").evaluate("node => { node.textContent = ''; }")
    page.click("#tune-run")
    expect(page.locator("#tune-status")).to_contain_text("samples matched")


def test_a_draft_that_misses_says_why_and_fires_once_fixed_then_travels_as_purview_xml(
    page: Page, tmp_path: Path
) -> None:
    run_draft(page, KEYWORD_ONLY, FAR_SAMPLE)
    outcome = page.locator('#tune-results section.sample[data-sample="Sample 1"]')
    expect(outcome).to_contain_text("No match.")
    why = outcome.locator('.why[data-stage="pattern"]')
    expect(why).to_have_count(1)
    expect(why).to_contain_text("kw_employee: nearest is")
    expect(why).to_contain_text("the window is 50")
    assert VALID not in outcome.inner_text()  # the candidate is masked
    screenshot(page, "tune-why-not")

    # The fix is typed into the editor; the sample is still there for the second run.
    page.fill("#draft-editor", FIXED)
    run(page)
    expect(page.locator("#sample-1")).to_have_value(FAR_SAMPLE)
    found = outcome.locator('.found[data-sit="Contoso employee ID"]')
    expect(found).to_have_count(1)
    expect(found).to_contain_text("confidence 85")
    expect(found.locator(".summary mark.match")).to_have_count(1)
    screenshot(page, "tune-fixed")

    # Export as a Purview rule package, then open that file as the draft: it still fires.
    with page.expect_download() as download:
        page.click("#download-purview")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "contoso_employee_id.xml"
    xml = saved.read_text(encoding="utf-8")
    assert "<Entity" in xml and 'patternsProximity="300"' in xml
    expect(page.locator("#convert-notes li").first).to_contain_text("luhn")  # what Purview cannot carry is said
    page.set_input_files("#draft-file", str(saved))
    expect(page.locator("#draft-editor")).to_have_value(xml)
    expect(page.locator("#draft-highlight .tok-tag").first).to_be_attached()
    run(page)
    expect(outcome.locator(".found")).to_have_count(1)
    expect(outcome).to_contain_text("Contoso employee ID")


def test_a_draft_downloads_as_yaml_that_reads_back_the_same(page: Page, tmp_path: Path) -> None:
    run_draft(page, FIXED, f"Employee {VALID}")
    with page.expect_download() as download:
        page.click("#download-yaml")
    saved = tmp_path / "draft.yaml"
    download.value.save_as(saved)
    page.set_input_files("#draft-file", str(saved))
    run(page)
    expect(page.locator('#tune-results section.sample[data-sample="Sample 1"] .found')).to_have_count(1)


def test_sample_files_are_tried_beside_text_samples(page: Page, tmp_path: Path) -> None:
    sample = tmp_path / "staff.txt"
    sample.write_text(f"staff number: {VALID}\n", encoding="utf-8")
    page.click("#tab-tune")
    page.set_input_files("#sample-files", str(sample))
    run_draft(page, FIXED, "no employee number here")
    expect(page.locator('#tune-results section.sample[data-sample="staff.txt"] .found')).to_have_count(1)
    expect(page.locator('#tune-results section.sample[data-sample="Sample 1"]')).to_contain_text("No match.")


def test_a_loaded_sit_is_a_starting_point(page: Page) -> None:
    page.click("#tab-tune")
    expect(page.locator("#builtin-sit option")).not_to_have_count(1)
    page.select_option("#builtin-sit", label="GitHub personal access token")
    page.click("#builtin-load")
    expect(page.locator("#tune-status")).to_contain_text("Loaded GitHub personal access token")
    text = page.locator("#draft-editor").input_value()
    assert "name: GitHub personal access token" in text and "github_token_crc32" in text  # as its author wrote it
    expect(page.locator("#draft-highlight .tok-key").first).to_be_attached()
    page.fill("#sample-1", "export GITHUB_TOKEN=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")
    run(page)
    expect(page.locator('#tune-results section.sample[data-sample="Sample 1"] .found')).to_have_count(1)


def test_lint_findings_and_unreadable_drafts_point_at_their_line(page: Page) -> None:
    run_draft(page, DRAFT.replace("checksum: true", "checksum: false"), f"Employee {VALID}")
    finding = page.locator('#lint-list li[data-severity="error"]')
    expect(finding).to_contain_text("pattern-without-evidence")
    line = DRAFT.splitlines().index("  - name: employee ID alone") + 1
    expect(finding.locator("button")).to_have_text(f"line {line}")
    expect(page.locator("#draft-highlight .line").nth(line - 1)).to_have_attribute("data-finding", "error")
    finding.locator("button").click()
    expect(page.locator("#draft-editor")).to_be_focused()

    page.fill("#draft-editor", DRAFT.replace("    primary: employee_id\n", "    primary: employe_id\n", 1))
    page.click("#tune-run")
    expect(page.locator("#tune-error")).to_contain_text("unknown element")
    broken = DRAFT.splitlines().index("    primary: employee_id") + 1
    expect(page.locator("#lint-list li button")).to_have_text(f"line {broken}")


def test_the_tune_view_has_no_serious_accessibility_violation(page: Page) -> None:
    run_draft(page, KEYWORD_ONLY, FAR_SAMPLE)
    page.click("#sample-add")
    assert serious_violations(page) == []
