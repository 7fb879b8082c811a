"""The policy linter: mistakes a policy can parse with but should not ship with.

Each finding has a stable code. Errors stop a policy set from loading (and make
``dlp policy validate`` fail); warnings are shown but pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from service.definitions.sets import DefinitionSet
from service.policy.model import Action, ChannelKind
from service.policy.rules import HTTP_CONDITIONS, MAIL_ACTIONS, MAIL_CONDITIONS, Policy, Rule


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class LintCode(StrEnum):
    UNKNOWN_SIT = "unknown-sit"  # a selector names no SIT id, SIT name or bundle
    NO_RULES = "no-rules"  # the policy allows everything
    UNREACHABLE_RULE = "unreachable-rule"  # an exception excuses every channel the rule applies to
    SHADOWED_RULE = "shadowed-rule"  # another rule, at least as strict, fires whenever this one does
    CONFLICTING_CONDITIONS = "conflicting-conditions"  # no channel or finding can meet all conditions
    ACTION_NOT_FOR_CHANNEL = "action-not-for-channel"  # quarantine/reject where no mail can pass
    INCOMPLETE_PASSES = "incomplete-passes"  # a blocking rule lets unread content through


@dataclass(frozen=True)
class PolicyLintFinding:
    code: LintCode
    severity: Severity
    source: str
    policy: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{self.severity}: {where}: {self.code}: {self.message}"


# What a check finds: (code, severity, path in the policy, message).
_Finding = tuple[LintCode, Severity, str, str]
# Channel kinds that can carry each kind-specific condition (the REST API can carry any).
_KINDS_FOR = {
    **{name: frozenset({ChannelKind.MAIL, ChannelKind.API}) for name in MAIL_CONDITIONS},
    **{name: frozenset({ChannelKind.HTTP, ChannelKind.API}) for name in HTTP_CONDITIONS},
}


def lint_policies(policies: Iterable[Policy], definitions: DefinitionSet) -> list[PolicyLintFinding]:
    """Lint bound policies (``loader.bind``) against the definitions they were bound to."""
    return [
        PolicyLintFinding(code, severity, policy.source, policy.name, path, message)
        for policy in policies
        for code, severity, path, message in _lint_policy(policy, definitions)
    ]


def _lint_policy(policy: Policy, definitions: DefinitionSet) -> Iterator[_Finding]:
    if not policy.rules:
        yield LintCode.NO_RULES, Severity.WARNING, "rules", "the policy has no rules: it allows everything"
    for index, rule in enumerate(policy.rules):
        path = f"rules.{index}"
        yield from _unknown_sits(rule, path, definitions, Severity.WARNING if policy.builtin else Severity.ERROR)
        yield from _conflicts(rule, path)
        yield from _unreachable(rule, path)
        yield from _action_for_channel(rule, path)
        yield from _incomplete(rule, path)
        for other in policy.rules:
            if other is not rule and _shadows(other, rule):
                yield (
                    LintCode.SHADOWED_RULE,
                    Severity.WARNING,
                    path,
                    f"rule {other.name!r} fires whenever {rule.name!r} does, with an action at least as strict: "
                    f"{rule.name!r} never changes a verdict",
                )
                break


def _unknown_sits(rule: Rule, path: str, definitions: DefinitionSet, severity: Severity) -> Iterator[_Finding]:
    for number, selector in enumerate(rule.sits):
        if definitions.get(selector) is None and not definitions.bundle(selector):
            yield (
                LintCode.UNKNOWN_SIT,
                severity,
                f"{path}.sits.{number}",
                f"{selector!r} is no loaded SIT id, SIT name or bundle",
            )


def _conflicts(rule: Rule, path: str) -> Iterator[_Finding]:
    if rule.max_count is not None and rule.max_count < max(rule.min_count, rule.min_unique):
        yield (
            LintCode.CONFLICTING_CONDITIONS,
            Severity.ERROR,
            f"{path}.max_count",
            f"max_count {rule.max_count} is below min_count {rule.min_count} or min_unique {rule.min_unique}",
        )
    kinds = rule.where.kinds
    if kinds is None:
        return
    for name in rule.where.given():
        if name in _KINDS_FOR and not kinds & _KINDS_FOR[name]:
            yield (
                LintCode.CONFLICTING_CONDITIONS,
                Severity.ERROR,
                f"{path}.where.{name}",
                f"no channel of kinds {sorted(kinds)} has {name.replace('_', ' ')}",
            )


def _unreachable(rule: Rule, path: str) -> Iterator[_Finding]:
    """An exception excuses every channel ``where`` admits when each of its keys is implied by
    the same key of ``where`` (recipients aside: an exception on them needs every recipient)."""
    for number, exception in enumerate(rule.unless):
        keys = exception.given()
        if "recipient_domains" in keys:
            continue
        implied = all(
            getattr(rule.where, key) is not None and set(getattr(rule.where, key)) <= set(getattr(exception, key))
            for key in keys
        )
        if implied:
            yield (
                LintCode.UNREACHABLE_RULE,
                Severity.ERROR,
                f"{path}.unless" + (f".{number}" if len(rule.unless) > 1 else ""),
                f"this exception excuses every channel the rule applies to: {rule.name!r} can never fire",
            )


def _action_for_channel(rule: Rule, path: str) -> Iterator[_Finding]:
    if rule.action not in MAIL_ACTIONS:
        return
    kinds = rule.where.kinds
    if kinds is not None and ChannelKind.MAIL not in kinds:
        yield (
            LintCode.ACTION_NOT_FOR_CHANNEL,
            Severity.ERROR,
            f"{path}.action",
            f"{rule.action} is a mail action, but the rule applies only to {', '.join(sorted(kinds))}",
        )
    elif kinds is None:
        yield (
            LintCode.ACTION_NOT_FOR_CHANNEL,
            Severity.WARNING,
            f"{path}.action",
            f"{rule.action} is a mail action; on web and API channels it is carried out as block "
            "(set where.kinds: [mail] to say so)",
        )


def _incomplete(rule: Rule, path: str) -> Iterator[_Finding]:
    if rule.action.strictness >= Action.BLOCK.strictness and rule.on_incomplete is Action.ALLOW:
        yield (
            LintCode.INCOMPLETE_PASSES,
            Severity.WARNING,
            f"{path}.on_incomplete",
            "a blocking rule lets a document through when it could not be read completely: "
            "padding a document until the scan runs out of time would get it past the rule",
        )


def _shadows(other: Rule, rule: Rule) -> bool:
    """``other`` fires whenever ``rule`` does (on any channel, for any findings) and is at least as strict."""
    if other.where.given() or other.unless or other.max_count is not None or rule.min_count == 0:
        return False
    covers = all(other.thresholds.get(sit, 101) <= level for sit, level in rule.thresholds.items())
    return (
        bool(rule.thresholds)
        and covers
        and other.min_count <= rule.min_count
        and other.min_unique <= rule.min_unique
        and other.action.strictness >= rule.action.strictness
        and other.incomplete_action.strictness >= rule.incomplete_action.strictness
    )
