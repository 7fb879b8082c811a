"""The machine-readable outputs of ``dlp classify`` and ``dlp git``: JSON, JSON lines, SARIF 2.1.0
and CSV, next to the text for people (``cli_output``).

Every writer gets the outcomes in input order and the run's summary at the end. Values are masked
in all of them unless the run reveals values; a failure is one record naming its path once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import PurePath
from typing import Any, Protocol, TextIO
from urllib.parse import quote

from service.cli_findings import Finding
from service.cli_output import RunSummary, print_outcome
from service.cli_scan import Outcome
from service.definitions.model import SitDefinition

FORMATS = ("text", "json", "jsonl", "sarif", "csv")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# High-confidence findings are errors in a code-scanning view; the rest are warnings.
ERROR_CONFIDENCE = 85
CSV_COLUMNS = (
    "path", "line", "column", "end_line", "end_column", "start", "end", "part", "sit_id", "sit_name",
    "confidence", "pattern", "value", "fingerprint", "commit", "date",
)  # fmt: skip


class Writer(Protocol):
    def outcome(self, outcome: Outcome) -> None: ...

    def finish(self, summary: RunSummary) -> None: ...


def error_record(outcome: Outcome) -> dict[str, Any]:
    return {"code": "failed", "message": "; ".join(outcome.problems), "problems": list(outcome.problems)}


class TextWriter:
    def __init__(self, out: TextIO, reveal: bool, explain: bool, quiet: bool, many: bool) -> None:
        self.out, self.reveal, self.explain, self.quiet, self.many = out, reveal, explain, quiet, many

    def outcome(self, outcome: Outcome) -> None:
        print_outcome(self.out, outcome, self.reveal, self.explain, self.quiet)

    def finish(self, summary: RunSummary) -> None:
        if self.quiet:
            return
        if self.many or summary.suppressed or summary.skipped:
            summary.print(self.out)
        elif summary.with_findings == 0 and summary.failed == 0:
            # One input and nothing to say: say so once, so that silence is not mistaken for a hang.
            print("no sensitive information found", file=self.out)


class JsonLinesWriter:
    """One JSON record per document, one per line: the API's answer (with lines and columns) plus
    ``name``; a failed document carries ``error``; a skipped one ``skipped``."""

    def __init__(self, out: TextIO, quiet: bool) -> None:
        self.out, self.quiet = out, quiet

    def record(self, outcome: Outcome) -> dict[str, Any] | None:
        if outcome.failed:
            return {**(outcome.record or {"name": outcome.name}), "error": error_record(outcome)}
        if self.quiet and not outcome.findings:
            return None
        if outcome.skipped is not None:
            return {"name": outcome.name, "skipped": outcome.skipped}
        return outcome.record

    def outcome(self, outcome: Outcome) -> None:
        record = self.record(outcome)
        if record is not None:
            print(json.dumps(record, ensure_ascii=False), file=self.out)

    def finish(self, summary: RunSummary) -> None:
        return None


class JsonWriter(JsonLinesWriter):
    """One JSON document: every record, and the summary."""

    def __init__(self, out: TextIO, quiet: bool) -> None:
        super().__init__(out, quiet)
        self.records: list[dict[str, Any]] = []

    def outcome(self, outcome: Outcome) -> None:
        record = self.record(outcome)
        if record is not None:
            self.records.append(record)

    def finish(self, summary: RunSummary) -> None:
        document = {"documents": self.records, "summary": summary.to_dict()}
        print(json.dumps(document, ensure_ascii=False, indent=2), file=self.out)


class CsvWriter:
    def __init__(self, out: TextIO) -> None:
        self.writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        self.writer.writeheader()

    def outcome(self, outcome: Outcome) -> None:
        for finding in outcome.findings:
            self.writer.writerow(finding.to_dict())

    def finish(self, summary: RunSummary) -> None:
        return None


class SarifWriter:
    """A SARIF 2.1.0 log for code-scanning views: one rule per SIT found, one result per finding with
    its physical location (columns in code points), masked snippet and our fingerprint."""

    def __init__(self, out: TextIO, definition: Callable[[str], SitDefinition | None]) -> None:
        self.out = out
        self.definition = definition
        self.rules: dict[str, int] = {}
        self.rule_objects: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []

    def outcome(self, outcome: Outcome) -> None:
        for finding in outcome.findings:
            self.results.append(self._result(finding))
        if outcome.failed:
            self.notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{outcome.name}: {'; '.join(outcome.problems)}"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(outcome.name)}}}],
                }
            )

    def _rule_index(self, finding: Finding) -> int:
        index = self.rules.get(finding.sit_id)
        if index is None:
            index = self.rules[finding.sit_id] = len(self.rule_objects)
            self.rule_objects.append(sarif_rule(finding, self.definition(finding.sit_id)))
        return index

    def _result(self, finding: Finding) -> dict[str, Any]:
        region: dict[str, Any] = {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
            "charOffset": finding.start,
            "charLength": finding.end - finding.start,
            "snippet": {"text": finding.value},
        }
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": {"uri": artifact_uri(finding.path)}, "region": region}
        }
        if finding.snippet is not None:
            location["physicalLocation"]["contextRegion"] = {
                "startLine": finding.line,
                "endLine": finding.end_line,
                "snippet": {"text": finding.snippet},
            }
        properties: dict[str, Any] = {"confidence": finding.confidence, "pattern": finding.pattern}
        if finding.part != finding.path:
            properties["part"] = finding.part
        if finding.commit is not None:
            properties.update(commit=finding.commit, date=finding.date)
        return {
            "ruleId": finding.sit_id,
            "ruleIndex": self._rule_index(finding),
            "level": "error" if finding.confidence >= ERROR_CONFIDENCE else "warning",
            "message": {"text": f"{finding.sit_name} ({finding.value}) at confidence {finding.confidence}"},
            "locations": [location],
            "partialFingerprints": {"dlpValueFingerprint/v1": finding.fingerprint},
            "properties": properties,
        }

    def finish(self, summary: RunSummary) -> None:
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "dlp",
                    "fullName": "DLP classifier",
                    "version": tool_version(),
                    "rules": self.rule_objects,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": self.results,
            "invocations": [
                {
                    "executionSuccessful": summary.failed == 0,
                    "toolExecutionNotifications": self.notifications,
                }
            ],
            "properties": {"summary": summary.to_dict()},
        }
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        print(json.dumps(log, ensure_ascii=False, indent=2), file=self.out)


def tool_version() -> str:
    try:
        return metadata.version("dlp-classifier")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def sarif_rule(finding: Finding, definition: SitDefinition | None) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.sit_id,
        "name": "".join(word[:1].upper() + word[1:] for word in _words(finding.sit_name)),
        "shortDescription": {"text": finding.sit_name},
        "defaultConfiguration": {"level": "error"},
    }
    if definition is None:
        return rule
    rule["fullDescription"] = {"text": definition.description}
    help_lines = [
        f"{definition.description}",
        "",
        f"Category: {definition.category}. Recommended confidence: {definition.recommended_confidence}.",
        "Remove the value from the file and its history, and rotate it if it is a credential. "
        "A known, accepted value can be silenced with a `dlp:allow` comment on its line or a baseline.",
    ]
    rule["help"] = {"text": "\n".join(help_lines), "markdown": "\n".join(help_lines)}
    if definition.references:
        rule["helpUri"] = definition.references[0]
    rule["properties"] = {"tags": ["security", definition.category, *definition.bundles]}
    return rule


def _words(name: str) -> list[str]:
    return [word for word in "".join(c if c.isalnum() else " " for c in name).split() if word]


def artifact_uri(path: str) -> str:
    """A relative path stays relative (code-scanning views resolve it against the checkout); an
    absolute one becomes a file URI."""
    if path == "-":
        return "stdin"
    pure = PurePath(path)
    if pure.is_absolute():
        return "file://" + quote(pure.as_posix())
    return quote(pure.as_posix())


def make_writer(
    format_name: str,
    out: TextIO,
    *,
    reveal: bool,
    explain: bool,
    quiet: bool,
    many: bool,
    definition: Callable[[str], SitDefinition | None],
) -> Writer:
    if format_name == "json":
        return JsonWriter(out, quiet)
    if format_name == "jsonl":
        return JsonLinesWriter(out, quiet)
    if format_name == "sarif":
        return SarifWriter(out, definition)
    if format_name == "csv":
        return CsvWriter(out)
    return TextWriter(out, reveal, explain, quiet, many)
