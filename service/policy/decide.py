"""Deciding: a classification report, a policy and a channel in, a verdict out.

Pure: no I/O, no clock, no metrics. Every rule whose channel conditions hold and whose
findings qualify contributes its action, and an incomplete classification contributes each
applicable rule's ``on_incomplete``; the strictest contribution is the verdict. Findings
carry fingerprints of values, never the values.
"""

from __future__ import annotations

from service.engine.report import Report, SitResult
from service.policy.model import Action, Channel, ChannelKind, Finding, RuleHit, Verdict
from service.policy.rules import MAIL_ACTIONS, Policy, Rule
from service.summary.fingerprint import Fingerprinter

# Fingerprints listed per finding: enough to correlate leaks, bounded for audit lines.
MAX_FINGERPRINTS = 20


def decide(
    report: Report,
    policy: Policy,
    channel: Channel,
    fingerprinter: Fingerprinter,
    definitions_version: str = "",
) -> Verdict:
    incomplete = incomplete_reasons(report)
    hits = [
        hit for rule in policy.rules if (hit := _evaluate(rule, report, channel, fingerprinter, incomplete)) is not None
    ]
    return Verdict(
        action=Action.strictest(hit.action for hit in hits),
        policy=policy.name,
        rules=tuple(hits),
        complete=report.complete,
        incomplete=incomplete,
        definitions_version=definitions_version,
        elapsed_ms=report.elapsed_ms,
    )


def incomplete_reasons(report: Report) -> tuple[str, ...]:
    """Why the classification is incomplete, as stable codes (never part names: they may be values)."""
    codes = {part.error.code for part in report.errors if part.error is not None}
    codes.update(str(item.reason) for item in report.incomplete)
    return tuple(sorted(codes))


def _evaluate(
    rule: Rule, report: Report, channel: Channel, fingerprinter: Fingerprinter, incomplete: tuple[str, ...]
) -> RuleHit | None:
    if not rule.applies_to(channel):
        return None
    findings = tuple(
        finding for result in report.results if (finding := _finding(rule, result, fingerprinter)) is not None
    )
    actions: list[Action] = []
    reasons: list[str] = []
    if findings or rule.min_count == 0:
        actions.append(rule.action)
        names = ", ".join(finding.sit_name for finding in findings)
        reasons.append(f"found {names}" if findings else "the channel matches")
    if incomplete:
        actions.append(rule.incomplete_action)
        reasons.append(f"classification incomplete ({', '.join(incomplete)}): on_incomplete {rule.incomplete_action}")
    if not actions:
        return None
    return RuleHit(rule.name, _for_channel(Action.strictest(actions), channel), findings, "; ".join(reasons))


def _finding(rule: Rule, result: SitResult, fingerprinter: Fingerprinter) -> Finding | None:
    """``result`` as the rule sees it: its matches at the rule's confidence for that SIT, if
    they are as many (and as distinct) as the rule asks."""
    level = rule.thresholds.get(result.sit_id)
    if level is None:
        return None
    matches = [match for match in result.matches if match.confidence >= level]
    if result.truncated and result.confidence >= level:
        # Not every match is listed: the exact totals count, which can only make the rule stricter.
        count, unique = result.count, result.unique_count
    else:
        count, unique = len(matches), len({match.normalized for match in matches})
    if count == 0 or count < rule.min_count or unique < rule.min_unique:
        return None
    if rule.max_count is not None and count > rule.max_count:
        return None
    fingerprints = dict.fromkeys(fingerprinter.fingerprint(match.normalized) for match in matches)
    return Finding(
        sit_id=result.sit_id,
        sit_name=result.sit_name,
        confidence=max((match.confidence for match in matches), default=result.confidence),
        count=count,
        unique_count=unique,
        fingerprints=tuple(fingerprints)[:MAX_FINGERPRINTS],
    )


def _for_channel(action: Action, channel: Channel) -> Action:
    # Only a mail server can hold or refuse a message; elsewhere the safe equivalent is to block.
    if action in MAIL_ACTIONS and channel.kind is not ChannelKind.MAIL:
        return Action.BLOCK
    return action
