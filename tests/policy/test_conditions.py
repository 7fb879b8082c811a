"""Every finding condition, channel condition and exception kind, each where it holds and where it does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service.engine.report import Report
from service.policy.decide import decide
from service.policy.model import Action, Channel, ChannelKind, Direction
from service.policy.rules import Policy
from service.summary.fingerprint import Fingerprinter

SSN = "U.S. social security number (SSN)"
GITHUB = "GitHub personal access token"
FINGERPRINTER = Fingerprinter(b"policy-tests-key-0123456789")
HTTP = Channel(ChannelKind.HTTP, Direction.OUTBOUND, "POST", "upload.example.com", "application/json")
MAIL = Channel(ChannelKind.MAIL, Direction.OUTBOUND, sender="alice@corp.example", recipients=("bob@partner.example",))

MakePolicy = Callable[[str], Policy]
MakeReport = Callable[..., Report]


def block_rule(extra: str) -> str:
    return f"name: p\nrules:\n  - name: r\n    action: block\n{extra}"


def action(policy: Policy, report: Report, channel: Channel = HTTP) -> Action:
    return decide(report, policy, channel, FINGERPRINTER).action


@pytest.mark.parametrize(
    ("selector", "fires"),
    [
        (SSN, True),  # a SIT name
        ("a44669fe-0d48-453d-a9b1-2cc83f2cba77", True),  # a SIT id
        ("U.S. personal data", True),  # a bundle the SSN is in
        ("All credentials", False),  # a bundle it is not in
        (GITHUB, False),
    ],
)
def test_sits_select_by_id_name_or_bundle(
    make_policy: MakePolicy, make_report: MakeReport, selector: str, fires: bool
) -> None:
    policy = make_policy(block_rule(f"    sits: ['{selector}']\n"))
    assert action(policy, make_report({SSN: [("536-22-8726", 85)]})) is (Action.BLOCK if fires else Action.ALLOW)


@pytest.mark.parametrize(
    ("level", "confidence", "fires"),
    [
        ("high", 85, True),
        ("high", 75, False),
        ("medium", 75, True),
        ("medium", 65, False),
        ("low", 65, True),
        (80, 85, True),
        (80, 75, False),
    ],
)
def test_confidence_as_a_level_or_a_number(
    make_policy: MakePolicy, make_report: MakeReport, level: object, confidence: int, fires: bool
) -> None:
    policy = make_policy(block_rule(f"    min_confidence: {level}\n"))
    assert action(policy, make_report({SSN: [("536-22-8726", confidence)]})) is (
        Action.BLOCK if fires else Action.ALLOW
    )


def test_without_a_level_each_sits_recommended_confidence_counts(
    make_policy: MakePolicy, make_report: MakeReport
) -> None:
    policy = make_policy(block_rule(""))
    assert action(policy, make_report({SSN: [("536-22-8726", 85)]})) is Action.BLOCK
    assert action(policy, make_report({SSN: [("536-22-8726", 65)]})) is Action.ALLOW  # SSN recommends 75


@pytest.mark.parametrize(
    ("conditions", "values", "fires"),
    [
        ("min_count: 3", ["536-22-8726", "536-22-8726", "078-05-1120"], True),
        ("min_count: 3", ["536-22-8726", "078-05-1120"], False),
        ("min_unique: 2", ["536-22-8726", "078-05-1120"], True),
        ("min_unique: 2", ["536-22-8726", "536-22-8726", "536-22-8726"], False),
        ("max_count: 2", ["536-22-8726", "078-05-1120"], True),
        ("max_count: 2", ["536-22-8726", "078-05-1120", "219-09-9999"], False),
    ],
)
def test_instance_and_unique_counts(
    make_policy: MakePolicy, make_report: MakeReport, conditions: str, values: list[str], fires: bool
) -> None:
    policy = make_policy(block_rule(f"    {conditions}\n"))
    report = make_report({SSN: [(value, 85) for value in values]})
    assert action(policy, report) is (Action.BLOCK if fires else Action.ALLOW)


def test_counts_are_of_matches_at_the_rules_confidence(make_policy: MakePolicy, make_report: MakeReport) -> None:
    policy = make_policy(block_rule("    min_confidence: high\n    min_count: 2\n"))
    assert action(policy, make_report({SSN: [("536-22-8726", 85), ("078-05-1120", 75)]})) is Action.ALLOW
    assert action(policy, make_report({SSN: [("536-22-8726", 85), ("078-05-1120", 85)]})) is Action.BLOCK


def test_min_count_zero_fires_on_the_channel_alone(make_policy: MakePolicy, make_report: MakeReport) -> None:
    policy = make_policy(block_rule("    min_count: 0\n    where: {url_hosts: [paste.example]}\n"))
    clean = make_report({})
    assert action(policy, clean, Channel(ChannelKind.HTTP, url_host="paste.example")) is Action.BLOCK
    assert action(policy, clean, HTTP) is Action.ALLOW


# (condition written in the policy, a channel it holds for, a channel it does not hold for)
CHANNEL_CONDITIONS = [
    ("kinds: [mail]", MAIL, HTTP),
    ("directions: [inbound]", Channel(ChannelKind.HTTP, Direction.INBOUND), HTTP),
    ("methods: [put]", Channel(ChannelKind.HTTP, method="PUT"), HTTP),
    ("url_hosts: [example.com]", HTTP, Channel(ChannelKind.HTTP, url_host="example.org")),  # subdomains included
    ("url_hosts: [upload.example.com]", HTTP, Channel(ChannelKind.HTTP, url_host="notupload.example.com")),
    ("content_types: ['application/*']", HTTP, Channel(ChannelKind.HTTP, content_type="text/plain")),
    ("content_types: [text/plain]", Channel(ChannelKind.HTTP, content_type="text/plain"), HTTP),
    ("sender_domains: [corp.example]", MAIL, Channel(ChannelKind.MAIL, sender="eve@evil.example")),
    ("sender_domains: [corp.example]", MAIL, Channel(ChannelKind.MAIL, sender="<>")),  # the null sender
    (
        "recipient_domains: [gmail.example]",
        Channel(ChannelKind.MAIL, recipients=("a@partner.example", "b@gmail.example")),  # any recipient
        MAIL,
    ),
    ("url_hosts: [example.com]", HTTP, MAIL),  # a channel without the attribute never meets it
]


@pytest.mark.parametrize(("condition", "holds", "fails"), CHANNEL_CONDITIONS)
def test_every_channel_condition(
    make_policy: MakePolicy, make_report: MakeReport, condition: str, holds: Channel, fails: Channel
) -> None:
    policy = make_policy(block_rule(f"    where: {{{condition}}}\n"))
    report = make_report({SSN: [("536-22-8726", 85)]})
    assert action(policy, report, holds) is Action.BLOCK
    assert action(policy, report, fails) is Action.ALLOW


# Recipients in exceptions need every recipient: tested on their own below.
EXCEPTIONS = [case for case in CHANNEL_CONDITIONS if not case[0].startswith("recipient_domains")]


@pytest.mark.parametrize(("condition", "excused", "not_excused"), EXCEPTIONS)
def test_every_exception_kind(
    make_policy: MakePolicy, make_report: MakeReport, condition: str, excused: Channel, not_excused: Channel
) -> None:
    policy = make_policy(block_rule(f"    unless: {{{condition}}}\n"))
    report = make_report({SSN: [("536-22-8726", 85)]})
    assert action(policy, report, excused) is Action.ALLOW
    assert action(policy, report, not_excused) is Action.BLOCK


def test_a_recipient_exception_needs_every_recipient_in_its_domains(
    make_policy: MakePolicy, make_report: MakeReport
) -> None:
    policy = make_policy(block_rule("    unless: {recipient_domains: [partner.example]}\n"))
    report = make_report({SSN: [("536-22-8726", 85)]})
    only_partner = Channel(ChannelKind.MAIL, recipients=("bob@partner.example", "carol@mx.partner.example"))
    assert action(policy, report, only_partner) is Action.ALLOW
    # One outside recipient among partners: the exception must not let the mail reach them.
    mixed = Channel(ChannelKind.MAIL, recipients=("bob@partner.example", "eve@evil.example"))
    assert action(policy, report, mixed) is Action.BLOCK
    assert action(policy, report, HTTP) is Action.BLOCK


def test_a_list_of_exceptions_excuses_when_any_holds(make_policy: MakePolicy, make_report: MakeReport) -> None:
    policy = make_policy(
        block_rule("    unless:\n      - {url_hosts: [a.example]}\n      - {url_hosts: [b.example]}\n")
    )
    report = make_report({SSN: [("536-22-8726", 85)]})
    assert action(policy, report, Channel(ChannelKind.HTTP, url_host="b.example")) is Action.ALLOW
    assert action(policy, report, Channel(ChannelKind.HTTP, url_host="c.example")) is Action.BLOCK


def test_conditions_of_one_block_must_all_hold(make_policy: MakePolicy, make_report: MakeReport) -> None:
    policy = make_policy(block_rule("    where: {kinds: [http], methods: [POST]}\n"))
    report = make_report({SSN: [("536-22-8726", 85)]})
    assert action(policy, report, HTTP) is Action.BLOCK
    assert action(policy, report, Channel(ChannelKind.HTTP, method="GET")) is Action.ALLOW


def test_findings_carry_fingerprints_never_values(make_policy: MakePolicy, make_report: MakeReport) -> None:
    policy = make_policy(block_rule(""))
    verdict = decide(make_report({SSN: [("536-22-8726", 85)]}), policy, HTTP, FINGERPRINTER, definitions_version="v1")
    (hit,) = verdict.rules
    (finding,) = hit.findings
    assert finding.fingerprints == (FINGERPRINTER.fingerprint("536-22-8726"),)
    assert "536-22-8726" not in str(verdict.to_dict())
    assert verdict.definitions_version == "v1"
    assert (finding.sit_name, finding.count, finding.unique_count) == (SSN, 1, 1)
