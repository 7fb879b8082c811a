"""Several rules combine predictably: the strictest action of the rules that fired wins,
whatever their order."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.engine.report import Report
from service.policy.decide import decide
from service.policy.model import Action, Channel, ChannelKind
from service.policy.rules import Policy
from service.summary.fingerprint import Fingerprinter

SSN = "U.S. social security number (SSN)"
FINGERPRINTER = Fingerprinter(b"policy-tests-key-0123456789")
MAIL = Channel(ChannelKind.MAIL, recipients=("bob@example.com",))
ORDER = [Action.ALLOW, Action.AUDIT, Action.QUARANTINE, Action.BLOCK, Action.REJECT]


def policy_text(actions: list[Action]) -> str:
    rules = "".join(f"  - name: r{n}\n    action: {a}\n    sits: ['{SSN}']\n" for n, a in enumerate(actions))
    return f"name: p\nrules:\n{rules}"


def test_the_order_of_strictness() -> None:
    assert sorted(Action, key=lambda a: a.strictness) == ORDER
    assert Action.strictest([]) is Action.ALLOW


@pytest.mark.parametrize(("first", "second"), list(itertools.product(Action, Action)))
def test_every_pair_of_actions_gives_the_stricter(
    make_policy: Callable[[str], Policy], make_report: Callable[..., Report], first: Action, second: Action
) -> None:
    report = make_report({SSN: [("536-22-8726", 85)]})
    verdict = decide(report, make_policy(policy_text([first, second])), MAIL, FINGERPRINTER)
    expected = max(first, second, key=ORDER.index)
    assert verdict.action is expected
    assert [hit.action for hit in verdict.rules] == [first, second]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), min_size=1, max_size=6), st.randoms())
def test_the_verdict_is_the_strictest_whatever_the_order(actions: list[Action], rnd: object) -> None:
    shuffled = list(actions)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert Action.strictest(shuffled) is Action.strictest(actions) is max(actions, key=ORDER.index)


def test_rules_that_do_not_fire_do_not_count(
    make_policy: Callable[[str], Policy], make_report: Callable[..., Report]
) -> None:
    text = policy_text([Action.AUDIT]) + "  - name: other\n    action: block\n    sits: [All credentials]\n"
    verdict = decide(make_report({SSN: [("536-22-8726", 85)]}), make_policy(text), MAIL, FINGERPRINTER)
    assert verdict.action is Action.AUDIT
    assert [hit.rule for hit in verdict.rules] == ["r0"]


@pytest.mark.parametrize("mail_action", [Action.QUARANTINE, Action.REJECT])
def test_mail_actions_are_carried_out_as_block_elsewhere(
    make_policy: Callable[[str], Policy], make_report: Callable[..., Report], mail_action: Action
) -> None:
    policy = make_policy(policy_text([mail_action]))
    report = make_report({SSN: [("536-22-8726", 85)]})
    assert decide(report, policy, MAIL, FINGERPRINTER).action is mail_action
    assert decide(report, policy, Channel(ChannelKind.HTTP), FINGERPRINTER).action is Action.BLOCK
    assert decide(report, policy, Channel(ChannelKind.API), FINGERPRINTER).action is Action.BLOCK
