"""Verdicts as milter replies at end of message: accept, a header, quarantine or an SMTP
rejection. The texts name the policy and its rules, never a value found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from service.gateway.milter import protocol as p
from service.gateway.milter.config import MilterConfig, OversizeAction
from service.policy.model import Action, Verdict

TEMPFAIL_CODE, TEMPFAIL_STATUS = "451", "4.7.1"
OVERSIZE_CODE, OVERSIZE_STATUS = "552", "5.3.4"
# Reply texts go into SMTP responses and Sendmail's format strings: printable ASCII only,
# no '%' and no line breaks, and short.
_UNSAFE = re.compile(r"[^ -$&-~]")
MAX_NAME = 64
MAX_RULES = 3


class Outcome(StrEnum):
    """What the MTA was told, for metrics and logs."""

    ACCEPT = "accept"
    AUDIT = "audit"  # accepted with the verdict header
    QUARANTINE = "quarantine"
    REJECT = "reject"
    TEMPFAIL = "tempfail"


@dataclass(frozen=True)
class Answer:
    frames: tuple[bytes, ...]
    outcome: Outcome


def safe(text: str, limit: int = MAX_NAME) -> str:
    return _UNSAFE.sub("?", text)[:limit]


def rules_text(verdict: Verdict) -> str:
    """The rules that set the verdict's action (at most a few), e.g. ``credentials, cards``."""
    names = [safe(hit.rule) for hit in verdict.rules if hit.action == verdict.action]
    shown = ", ".join(names[:MAX_RULES])
    return shown + (f" and {len(names) - MAX_RULES} more" if len(names) > MAX_RULES else "")


def header_value(action: str, policy: str, complete: bool = True) -> str:
    return f"{action}; policy={safe(policy)}" + ("" if complete else "; incomplete")


def answer(verdict: Verdict, config: MilterConfig, actions: int, forged_headers: int = 0) -> Answer:
    """The replies for ``verdict``; ``actions`` are the ones the MTA agreed to."""
    if verdict.blocks or (verdict.action == Action.QUARANTINE and not actions & p.ACT_QUARANTINE):
        return reject(verdict, config)
    frames = list(_remove_forged(config, actions, forged_headers))
    outcome = Outcome.ACCEPT
    if verdict.action == Action.QUARANTINE:
        rules = rules_text(verdict)
        frames.append(p.quarantine(f"DLP policy {safe(verdict.policy)}" + (f": {rules}" if rules else "")))
        outcome = Outcome.QUARANTINE
    elif verdict.action == Action.AUDIT:
        outcome = Outcome.AUDIT
    if (outcome != Outcome.ACCEPT or config.header_on_allow) and actions & p.ACT_ADDHDRS:
        frames.append(p.add_header(config.header_name, header_value(verdict.action, verdict.policy, verdict.complete)))
    frames.append(p.encode(p.ACCEPT))
    return Answer(tuple(frames), outcome)


def reject(verdict: Verdict, config: MilterConfig) -> Answer:
    text = f'Message refused by data-loss-prevention policy "{safe(verdict.policy)}"'
    rules = rules_text(verdict)
    if rules:
        text += f" (rule: {rules})"
    return Answer((p.reply_code(config.reject_code, config.reject_status, text),), Outcome.REJECT)


def tempfail(reason: str) -> Answer:
    text = f"Data-loss-prevention check {reason}, try again later"
    return Answer((p.reply_code(TEMPFAIL_CODE, TEMPFAIL_STATUS, safe(text, 200)),), Outcome.TEMPFAIL)


def oversize(config: MilterConfig, actions: int, forged_headers: int) -> Answer:
    limit = f"{config.max_message_bytes} bytes"
    if config.oversize_action == OversizeAction.REJECT:
        text = f"Message larger than the data-loss-prevention limit of {limit}"
        return Answer((p.reply_code(OVERSIZE_CODE, OVERSIZE_STATUS, text),), Outcome.REJECT)
    if config.oversize_action == OversizeAction.TEMPFAIL:
        return tempfail(f"unavailable for messages over {limit}")
    frames = list(_remove_forged(config, actions, forged_headers))
    if actions & p.ACT_ADDHDRS:
        frames.append(p.add_header(config.header_name, "unscanned; reason=size"))
    frames.append(p.encode(p.ACCEPT))
    return Answer(tuple(frames), Outcome.ACCEPT)


def _remove_forged(config: MilterConfig, actions: int, count: int) -> list[bytes]:
    """Delete verdict headers the message arrived with, so only ours can be trusted."""
    if not actions & p.ACT_CHGHDRS:
        return []
    # Last copy first: deleting one never renumbers the copies before it.
    return [p.delete_header(config.header_name, index) for index in range(count, 0, -1)]
