"""Every code of the linter: a definition that triggers it and a near twin that does not."""

from __future__ import annotations

import pytest

from service.definitions import DefinitionError, load_definitions
from service.definitions.lint import SEVERITIES, Code, LintFinding, Severity, lint, lint_definition
from service.definitions.loader import read_definitions
from tests.conftest import DEFINITION_FIXTURES
from tests.definitions.lint.helpers import LINT_FIXTURES, fixture_definition

# code, fixture that triggers it, fixture that does not, field the finding names
CASES = [
    (Code.PATTERN_WITHOUT_EVIDENCE, "no_evidence.trigger", "no_evidence.clean", "patterns[1]"),
    (Code.UNVALIDATED_SELF_SUFFICIENT_PATTERN, "unvalidated.trigger", "unvalidated.clean", "patterns[0]"),
    (Code.UNREACHABLE_RECOMMENDED_CONFIDENCE, "unreachable.trigger", "unreachable.clean", "recommended_confidence"),
    (Code.REPEATED_PATTERN, "repeated.trigger", "repeated.clean", "patterns[1]"),
    (Code.PATTERN_NEVER_DECIDES, "never_decides.trigger", "never_decides.clean", "patterns[1]"),
    (Code.UNUSED_ELEMENT, "unused.trigger", "unused.clean", "elements.kw_number"),
    (Code.REGEX_CATASTROPHIC_BACKTRACKING, "catastrophic.trigger", "catastrophic.clean", "elements.nested.regex"),
    (Code.REGEX_BACKTRACKING_RISK, "backtracking_risk.trigger", "backtracking_risk.clean", "elements.word.regex"),
    (Code.REGEX_NOT_ANALYSED, "not_analysed.trigger", "not_analysed.clean", "elements.code.regex"),
    (Code.KEYWORD_TERM_TOO_SHORT, "too_short.trigger", "too_short.clean", "elements.kw_number.keywords.terms[0]"),
    (Code.KEYWORD_TERM_TOO_SHORT, "too_short_string.trigger", "short.trigger", "elements.kw_number.keywords.terms[0]"),
    (Code.KEYWORD_TERM_SHORT, "short.trigger", "short.clean", "elements.kw_number.keywords.terms[0]"),
    (Code.KEYWORD_TERM_STOP_WORD, "stop_word.trigger", "stop_word.clean", "elements.kw_number.keywords.terms[0]"),
    (Code.SUPPORTING_OUTSIDE_WINDOW, "outside_window.trigger", "outside_window.clean", "patterns[0].supporting"),
    (Code.SUPPORTING_OUTSIDE_WINDOW, "outside_window_zero.trigger", "outside_window.clean", "patterns[0].supporting"),
    (
        Code.EXCLUSION_OUTSIDE_WINDOW,
        "exclusion_outside.trigger",
        "exclusion_outside.clean",
        "patterns[0].supporting[1][0]",
    ),
    (Code.EXAMPLE_FAILS, "examples_fail.trigger", "examples.clean", "examples.match[2]"),
    (Code.TOO_FEW_EXAMPLES, "too_few_examples.trigger", "examples.clean", "examples.match"),
]
# Codes about a set of files rather than one definition, tested below.
SET_CODES = {Code.INVALID_DEFINITION, Code.DUPLICATE_ID, Code.DUPLICATE_NAME}


def with_code(findings: list[LintFinding], code: Code) -> list[LintFinding]:
    return [finding for finding in findings if finding.code == code]


@pytest.mark.parametrize(("code", "trigger", "clean", "path"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_the_trigger_has_the_finding_and_its_twin_does_not(code: Code, trigger: str, clean: str, path: str) -> None:
    found = with_code(lint_definition(fixture_definition(trigger)), code)
    assert found, f"{trigger} should trigger {code}"
    assert path in [finding.path for finding in found]
    assert all(finding.severity is SEVERITIES[code] for finding in found)
    assert all(finding.source == f"{trigger}.yaml" and finding.message for finding in found)
    assert with_code(lint_definition(fixture_definition(clean)), code) == []


def test_every_code_has_a_case() -> None:
    assert {case[0] for case in CASES} | SET_CODES == set(Code)
    assert set(SEVERITIES) == set(Code)


def test_the_three_backtracking_regexes_are_each_an_error() -> None:
    found = with_code(lint_definition(fixture_definition("catastrophic.trigger")), Code.REGEX_CATASTROPHIC_BACKTRACKING)
    assert sorted(finding.path for finding in found) == [
        "elements.alternation.regex",
        "elements.counted.regex",
        "elements.nested.regex",
    ]
    assert all(finding.severity is Severity.ERROR and finding.timed_out for finding in found)


def test_failing_examples_say_which_and_why() -> None:
    found = with_code(lint_definition(fixture_definition("examples_fail.trigger")), Code.EXAMPLE_FAILS)
    by_path = {finding.path: finding.message for finding in found}
    assert set(by_path) == {"examples.match[2]", "examples.no_match[0]"}
    assert "found at confidence 75, expected 85" in by_path["examples.match[2]"]
    assert "unexpectedly found" in by_path["examples.no_match[0]"]
    assert "407193" not in by_path["examples.no_match[0]"]  # the value found is masked


def test_examples_can_be_left_out() -> None:
    assert (
        with_code(lint_definition(fixture_definition("examples_fail.trigger"), run_examples=False), Code.EXAMPLE_FAILS)
        == []
    )


def test_duplicate_ids_and_names_across_folders_name_both_files() -> None:
    folders = [LINT_FIXTURES / "duplicates" / "first", LINT_FIXTURES / "duplicates" / "second"]
    definitions, problems = read_definitions(folders)
    assert problems == [] and len(definitions) == 2
    findings = lint(definitions, run_examples=False)
    (same_id,) = with_code(findings, Code.DUPLICATE_ID)
    (same_name,) = with_code(findings, Code.DUPLICATE_NAME)
    for clash in (same_id, same_name):
        assert clash.source == "second/employee_copy.yaml" and "first/employee.yaml" in clash.message
        assert clash.severity is Severity.ERROR
    # Loading them together for a scanner still refuses the clash.
    with pytest.raises(DefinitionError):
        load_definitions(folders)


def test_one_folder_alone_has_no_clash() -> None:
    definitions, _ = read_definitions([LINT_FIXTURES / "duplicates" / "first"])
    findings = lint(definitions, run_examples=False)
    assert with_code(findings, Code.DUPLICATE_ID) == with_code(findings, Code.DUPLICATE_NAME) == []


def test_files_that_do_not_load_are_findings_and_the_others_are_still_linted() -> None:
    definitions, problems = read_definitions([DEFINITION_FIXTURES / "bad", LINT_FIXTURES / "duplicates" / "first"])
    from service.definitions.lint import lint_report

    report = lint_report(definitions, problems)
    invalid = with_code(list(report.findings), Code.INVALID_DEFINITION)
    assert "bad/many_problems.yaml: error invalid-definition colour: Unknown field." in [str(f) for f in invalid]
    assert len(report.outcomes) == 6  # the definition that loaded ran its examples
    clean, _ = read_definitions([LINT_FIXTURES / "duplicates" / "first"])
    assert with_code(lint(clean), Code.INVALID_DEFINITION) == []


def test_a_finding_reads_as_file_severity_code_field_message() -> None:
    (found,) = with_code(lint_definition(fixture_definition("unused.trigger")), Code.UNUSED_ELEMENT)
    assert str(found) == "unused.trigger.yaml: warning unused-element elements.kw_number: no pattern uses this element"
    assert found.to_dict() == {
        "severity": "warning",
        "code": "unused-element",
        "source": "unused.trigger.yaml",
        "sit": "Lint unused.trigger",
        "path": "elements.kw_number",
        "message": "no pattern uses this element",
        "timed_out": False,
    }
