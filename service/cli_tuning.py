"""``dlp sits test DRAFT SAMPLE...``: try a draft definition on sample files, and say why.

Exit status: 0 when the draft lints without errors and its own examples pass, 1 when
they do not, 2 when the draft or a sample cannot be read. What the samples contain does
not change the status: they are for reading, not for gating.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from service.classify import Document
from service.config import load_settings
from service.runtime import build_scanner
from service.tuning import DraftError, DraftFormat, DraftLimits, load_draft, try_draft

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2


def add_test_command(sits: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    test_cmd = sits.add_parser("test", help="try a draft definition on samples, with why each candidate did not match")
    test_cmd.add_argument("draft", type=Path, metavar="DRAFT", help="a YAML or JSON definition, or Purview XML")
    test_cmd.add_argument("samples", nargs="*", type=Path, metavar="SAMPLE", help="files to try it on (any format)")
    test_cmd.add_argument("--format", choices=[str(f) for f in DraftFormat], help="the draft's format (default: guess)")
    test_cmd.add_argument(
        "--min-confidence", type=_confidence, metavar="N", help="report matches at or above N (1-100)"
    )
    test_cmd.add_argument("--json", action="store_true", help="the answer of POST /v1/sits/test, as JSON")
    test_cmd.set_defaults(handler=run_sits_test)


def _confidence(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 100, not {text!r}")
    return value


def run_sits_test(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        text = args.draft.read_text(encoding="utf-8-sig")
        samples = [Document(path.read_bytes(), name=str(path)) for path in args.samples]
    except (OSError, UnicodeDecodeError) as error:
        print(f"dlp: error: cannot read {_which(error)}: {error.__class__.__name__}", file=sys.stderr)
        return EXIT_ERROR
    try:
        draft = load_draft(text, DraftFormat(args.format) if args.format else None, settings.max_draft_sits)
        limits = DraftLimits(
            request_time_limit=settings.request_time_limit,
            engine_time_limit=settings.time_limit,
            extraction=settings.extraction_limits,
        )
        trial = try_draft(
            draft, samples, limits, min_confidence=args.min_confidence, also_mask=(build_scanner(settings),)
        )
    except DraftError as error:
        print(f"dlp: error: {args.draft}: {'; '.join(str(p) for p in error.problems)}", file=sys.stderr)
        return EXIT_ERROR
    data = trial.to_dict()
    if args.json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print_trial(sys.stdout, data)
    return EXIT_PASSED if trial.passed else EXIT_FAILED


def _which(error: OSError | UnicodeDecodeError) -> str:
    return str(getattr(error, "filename", None) or "the draft")


def print_trial(out: TextIO, data: dict[str, Any]) -> None:
    names = ", ".join(d["name"] for d in data["definitions"])
    print(f"draft: {len(data['definitions'])} SIT(s): {names} (version {data['definitions_version']})", file=out)
    for note in data["import_notes"]:
        print(f"  {note}", file=out)
    for finding in data["lint"]:
        where = f" {finding['path']}" if finding["path"] else ""
        print(f"  {finding['severity']}: {finding['sit']}{where}: {finding['message']}", file=out)
    failed = [e for e in data["examples"] if not e["passed"]]
    print(f"examples: {len(data['examples']) - len(failed)} passed, {len(failed)} failed", file=out)
    for example in failed:
        print(f"  FAIL {example['sit']['name']} {example['kind']}[{example['index']}]: {example['detail']}", file=out)
    for sample in data["samples"]:
        _print_sample(out, sample)


def _print_sample(out: TextIO, sample: dict[str, Any]) -> None:
    print(f"sample {sample['name']}:", file=out)
    if "error" in sample:
        print(f"  error: {sample['error']}", file=out)
        return
    for result in sample["results"]:
        for match in result["matches"]:
            print(
                f"  match {result['sit']['name']} at {match['confidence']} by {match['pattern']!r}: "
                f"{match['part']} {match['start']}-{match['end']} {match['value']}",
                file=out,
            )
            for item in match["evidence"]:
                print(f"      {item['element']} at {item['start']}-{item['end']}: {item['text']}", file=out)
    for rejection in sample["not_matched"]:
        print(
            f"  not matched {rejection['sit']['name']}: {rejection['part']} {rejection['start']}-{rejection['end']} "
            f"{rejection['value']}: {rejection['stage']}: {rejection['reason']}",
            file=out,
        )
    if not sample["results"] and not sample["not_matched"]:
        print("  no candidate", file=out)
