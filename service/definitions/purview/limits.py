"""Purview's published limits for custom sensitive information types.

Source: Microsoft Learn, "Sensitive information type limits" (purview/sit-limits), the
table of limits for custom SIT configurations. Purview refuses a rule package that
breaks them, so the importer rejects such a package and the linter warns about a SIT of
ours that could not be exported as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from service.definitions.lint.findings import LintFinding, Severity
from service.definitions.model import KeywordElement, RegexElement, SitDefinition

MAX_REGEX_LENGTH = 1024  # characters of one regular expression
MAX_TERM_LENGTH = 50  # characters of one term of a keyword list
MAX_TERMS_PER_LIST = 2048  # terms of one keyword list
MAX_DISTINCT_REGEXES = 20  # distinct regular expressions of one SIT
MAX_CUSTOM_SITS = 500  # custom SITs of one tenant, so at most that many entities in a package


def regex_length_problem(pattern: str) -> str | None:
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"regex is {len(pattern):,} characters; Purview allows at most {MAX_REGEX_LENGTH:,}"
    return None


def term_problems(terms: tuple[str, ...] | list[str]) -> Iterator[tuple[int | None, str, str]]:
    """(index of the term or None for the list, code, message) for every limit the terms break."""
    if len(terms) > MAX_TERMS_PER_LIST:
        yield (
            None,
            "purview-too-many-terms",
            (f"keyword list has {len(terms):,} terms; Purview allows at most {MAX_TERMS_PER_LIST:,}"),
        )
    for index, term in enumerate(terms):
        if len(term) > MAX_TERM_LENGTH:
            yield (
                index,
                "purview-term-too-long",
                (f"term is {len(term)} characters; Purview allows at most {MAX_TERM_LENGTH}"),
            )


def distinct_regex_problem(patterns: set[str]) -> str | None:
    if len(patterns) > MAX_DISTINCT_REGEXES:
        return f"SIT uses {len(patterns)} distinct regexes; Purview allows at most {MAX_DISTINCT_REGEXES}"
    return None


def purview_limit_findings(definition: SitDefinition) -> list[LintFinding]:
    """A finding for every Purview limit the definition breaks, each naming its field path."""

    def finding(path: str, code: str, message: str) -> LintFinding:
        # Information, not a warning: the definition runs here; only its export to Purview would fail.
        return LintFinding(Severity.INFO, code, definition.source, definition.name, path, message)

    findings: list[LintFinding] = []
    regexes: set[str] = set()
    for name, element in definition.elements.items():
        if isinstance(element, RegexElement):
            regexes.add(element.pattern)
            problem = regex_length_problem(element.pattern)
            if problem:
                findings.append(finding(f"elements.{name}.regex", "purview-regex-too-long", problem))
        elif isinstance(element, KeywordElement):
            for index, code, message in term_problems(element.terms):
                path = f"elements.{name}.keywords.terms" + ("" if index is None else f".{index}")
                findings.append(finding(path, code, message))
    problem = distinct_regex_problem(regexes)
    if problem:
        findings.append(finding("elements", "purview-too-many-regexes", problem))
    return findings
