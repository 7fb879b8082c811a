"""Each lint code, on a policy that triggers it and on a near twin that does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.definitions import DefinitionSet
from service.policy.errors import PolicyError
from service.policy.lint import LintCode, Severity, lint_policies
from service.policy.loader import builtin_policies_dir, load_policies
from service.policy.rules import Policy

MakePolicy = Callable[[str], Policy]


def one_rule(body: str) -> str:
    return f"name: p\nrules:\n  - name: r\n{body}"


# (code, a policy that triggers it, one that does not)
CASES = [
    (
        LintCode.UNKNOWN_SIT,
        one_rule("    action: block\n    sits: [No such SIT]\n"),
        one_rule("    action: block\n    sits: [All credentials]\n"),
    ),
    (LintCode.NO_RULES, "name: p\nrules: []\n", one_rule("    action: audit\n")),
    (
        LintCode.UNREACHABLE_RULE,
        one_rule("    action: block\n    where: {kinds: [http]}\n    unless: {kinds: [http, mail]}\n"),
        one_rule("    action: block\n    where: {kinds: [http, mail]}\n    unless: {kinds: [http]}\n"),
    ),
    (
        LintCode.UNREACHABLE_RULE,
        one_rule("    action: block\n    unless: {}\n"),
        one_rule("    action: block\n    unless: {recipient_domains: [partner.example]}\n"),
    ),
    (
        LintCode.CONFLICTING_CONDITIONS,
        one_rule("    action: block\n    min_count: 5\n    max_count: 2\n"),
        one_rule("    action: block\n    min_count: 2\n    max_count: 5\n"),
    ),
    (
        LintCode.CONFLICTING_CONDITIONS,
        one_rule("    action: block\n    where: {kinds: [http], recipient_domains: [x.example]}\n"),
        one_rule("    action: block\n    where: {kinds: [mail], recipient_domains: [x.example]}\n"),
    ),
    (
        LintCode.ACTION_NOT_FOR_CHANNEL,
        one_rule("    action: quarantine\n    where: {kinds: [http]}\n"),
        one_rule("    action: quarantine\n    where: {kinds: [mail]}\n"),
    ),
    (
        LintCode.ACTION_NOT_FOR_CHANNEL,
        one_rule("    action: reject\n"),
        one_rule("    action: block\n"),
    ),
    (
        LintCode.INCOMPLETE_PASSES,
        one_rule("    action: block\n    on_incomplete: allow\n"),
        one_rule("    action: audit\n    on_incomplete: allow\n"),
    ),
    (
        LintCode.SHADOWED_RULE,
        "name: p\nrules:\n  - name: wide\n    action: block\n"
        "  - name: narrow\n    action: audit\n    sits: [All credentials]\n    min_confidence: high\n",
        "name: p\nrules:\n  - name: wide\n    action: audit\n"
        "  - name: narrow\n    action: block\n    sits: [All credentials]\n    min_confidence: high\n",
    ),
]


def codes(policy: Policy, definitions: DefinitionSet) -> set[LintCode]:
    return {finding.code for finding in lint_policies([policy], definitions)}


@pytest.mark.parametrize(("code", "triggering", "clean"), CASES, ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)])
def test_each_code_triggers_only_where_it_should(
    make_policy: MakePolicy, builtin_definitions: DefinitionSet, code: LintCode, triggering: str, clean: str
) -> None:
    assert code in codes(make_policy(triggering), builtin_definitions)
    assert code not in codes(make_policy(clean), builtin_definitions)


def test_the_built_in_policy_lints_clean(builtin_definitions: DefinitionSet) -> None:
    policies = load_policies([builtin_policies_dir()], builtin_definitions)
    assert lint_policies(policies, builtin_definitions) == []


def test_findings_name_file_path_and_code(make_policy: MakePolicy, builtin_definitions: DefinitionSet) -> None:
    (finding,) = lint_policies([make_policy(CASES[0][1])], builtin_definitions)
    assert (finding.severity, finding.path) == (Severity.ERROR, "rules.0.sits.0")
    assert str(finding).startswith("error: test.yaml: rules.0.sits.0: unknown-sit:")


def test_a_lint_error_stops_the_policy_set_from_loading(tmp_path: Path, builtin_definitions: DefinitionSet) -> None:
    (tmp_path / "p.yaml").write_text(CASES[0][1], encoding="utf-8")
    with pytest.raises(PolicyError, match="unknown-sit"):
        load_policies([tmp_path], builtin_definitions)


def test_a_warning_does_not(tmp_path: Path, builtin_definitions: DefinitionSet) -> None:
    (tmp_path / "p.yaml").write_text(one_rule("    action: reject\n"), encoding="utf-8")
    assert load_policies([tmp_path], builtin_definitions).get("p") is not None
