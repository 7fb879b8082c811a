"""What the linter reports: a finding with a stable code, its severity and the field it is about."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service.definitions.model import SitDefinition


class Severity(StrEnum):
    ERROR = "error"  # makes `dlp sits validate` fail: the definition is wrong or dangerous
    WARNING = "warning"  # shown, passes: the definition works but something in it is useless or weak
    INFO = "info"  # shown, passes: what the linter could not check


class Code(StrEnum):
    """Every code the linter reports; docs/definitions.md has a row for each."""

    INVALID_DEFINITION = "invalid-definition"
    DUPLICATE_ID = "duplicate-id"
    DUPLICATE_NAME = "duplicate-name"
    PATTERN_WITHOUT_EVIDENCE = "pattern-without-evidence"
    UNVALIDATED_SELF_SUFFICIENT_PATTERN = "unvalidated-self-sufficient-pattern"
    UNREACHABLE_RECOMMENDED_CONFIDENCE = "unreachable-recommended-confidence"
    REPEATED_PATTERN = "repeated-pattern"
    PATTERN_NEVER_DECIDES = "pattern-never-decides"
    UNUSED_ELEMENT = "unused-element"
    REGEX_CATASTROPHIC_BACKTRACKING = "regex-catastrophic-backtracking"
    REGEX_BACKTRACKING_RISK = "regex-backtracking-risk"
    REGEX_NOT_ANALYSED = "regex-not-analysed"
    KEYWORD_TERM_TOO_SHORT = "keyword-term-too-short"
    KEYWORD_TERM_SHORT = "keyword-term-short"
    KEYWORD_TERM_STOP_WORD = "keyword-term-stop-word"
    SUPPORTING_OUTSIDE_WINDOW = "supporting-outside-window"
    EXCLUSION_OUTSIDE_WINDOW = "exclusion-outside-window"
    EXAMPLE_FAILS = "example-fails"
    TOO_FEW_EXAMPLES = "too-few-examples"


# Each code has one severity, so a reader can tell from the code alone whether it blocks.
SEVERITIES: dict[Code, Severity] = {
    Code.INVALID_DEFINITION: Severity.ERROR,
    Code.DUPLICATE_ID: Severity.ERROR,
    Code.DUPLICATE_NAME: Severity.ERROR,
    Code.PATTERN_WITHOUT_EVIDENCE: Severity.ERROR,
    Code.UNVALIDATED_SELF_SUFFICIENT_PATTERN: Severity.WARNING,
    Code.UNREACHABLE_RECOMMENDED_CONFIDENCE: Severity.ERROR,
    Code.REPEATED_PATTERN: Severity.WARNING,
    Code.PATTERN_NEVER_DECIDES: Severity.WARNING,
    Code.UNUSED_ELEMENT: Severity.WARNING,
    Code.REGEX_CATASTROPHIC_BACKTRACKING: Severity.ERROR,
    Code.REGEX_BACKTRACKING_RISK: Severity.WARNING,
    Code.REGEX_NOT_ANALYSED: Severity.INFO,
    Code.KEYWORD_TERM_TOO_SHORT: Severity.WARNING,
    Code.KEYWORD_TERM_SHORT: Severity.INFO,
    Code.KEYWORD_TERM_STOP_WORD: Severity.WARNING,
    Code.SUPPORTING_OUTSIDE_WINDOW: Severity.ERROR,
    Code.EXCLUSION_OUTSIDE_WINDOW: Severity.WARNING,
    Code.EXAMPLE_FAILS: Severity.ERROR,
    Code.TOO_FEW_EXAMPLES: Severity.WARNING,
}


@dataclass(frozen=True)
class LintFinding:
    severity: Severity
    code: str  # a Code value; a str so that rules kept elsewhere may bring their own codes
    source: str  # the file the SIT was loaded from
    sit: str  # the SIT's name ('' when the file did not load)
    path: str  # the field, e.g. patterns[1].supporting[0]; '' for the whole definition
    message: str
    timed_out: bool = False  # a check that runs the definition reached its time limit

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.source}: {self.severity} {self.code}{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": str(self.severity),
            "code": self.code,
            "source": self.source,
            "sit": self.sit,
            "path": self.path,
            "message": self.message,
            "timed_out": self.timed_out,
        }


def finding(definition: SitDefinition, code: Code, path: str, message: str, timed_out: bool = False) -> LintFinding:
    return LintFinding(SEVERITIES[code], str(code), definition.source, definition.name, path, message, timed_out)


def pattern_path(index: int) -> str:
    return f"patterns[{index}]"


def element_path(name: str) -> str:
    return f"elements.{name}"
