"""``dlp policy list|show|validate``: the policies a gateway would decide by, and their linter."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from service.config import ConfigError, load_settings
from service.definitions import DefinitionSet, load_definitions
from service.definitions.loader import builtin_definitions_dir
from service.policy.errors import PolicyError
from service.policy.lint import Severity, lint_policies
from service.policy.loader import bind, builtin_policies_dir, load_policies, read_policies
from service.policy.rules import ChannelCondition, Policy, Rule

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1


class PolicyCliError(Exception):
    """A problem to report as one line and exit status 2."""


def add_policy_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy_cmd = commands.add_parser("policy", help="list, show and validate policies")
    policy = policy_cmd.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
    list_cmd = policy.add_parser("list", help="list loaded policies")
    list_cmd.add_argument("--json", action="store_true")
    _add_sources(list_cmd)
    list_cmd.set_defaults(handler=run_policy_list)
    show_cmd = policy.add_parser("show", help="show one policy's rules")
    show_cmd.add_argument("name", metavar="NAME")
    show_cmd.add_argument("--json", action="store_true")
    _add_sources(show_cmd)
    show_cmd.set_defaults(handler=run_policy_show)
    validate_cmd = policy.add_parser("validate", help="load and lint policies")
    validate_cmd.add_argument(
        "dirs", nargs="*", type=Path, metavar="DIR", help="policy folders (default: built-in and DLP_POLICY_DIRS)"
    )
    _add_definitions(validate_cmd)
    validate_cmd.set_defaults(handler=run_policy_validate)


def _add_sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policies", type=Path, action="append", default=[], metavar="DIR", help="also load policies from DIR"
    )
    _add_definitions(parser)


def _add_definitions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--definitions", type=Path, action="append", default=[], metavar="DIR", help="also load SITs from DIR"
    )
    parser.add_argument("--no-builtin", action="store_true", help="do not load the built-in SITs")


def _definitions(args: argparse.Namespace) -> DefinitionSet:
    directories = [] if args.no_builtin else [builtin_definitions_dir()]
    directories.extend(args.definitions)
    if not directories:
        raise PolicyCliError("no definitions: --no-builtin needs at least one --definitions DIR")
    return load_definitions(directories)


def _configured_dirs() -> list[Path]:
    try:
        settings = load_settings(os.environ)
    except ConfigError as error:
        raise PolicyCliError(f"configuration: {error}") from None
    return [builtin_policies_dir(), *settings.policy_dirs]


def _loaded(args: argparse.Namespace) -> list[Policy]:
    try:
        return list(load_policies([*_configured_dirs(), *args.policies], _definitions(args)))
    except PolicyError as error:
        raise PolicyCliError(" ".join(str(error).split())) from None


def run_policy_list(args: argparse.Namespace) -> int:
    policies = _loaded(args)
    if args.json:
        print(json.dumps([describe_policy(p, detailed=False) for p in policies], ensure_ascii=False, indent=2))
        return EXIT_CLEAN
    width = max((len(p.name) for p in policies), default=4)
    for policy in policies:
        print(f"{policy.name:<{width}}  {len(policy.rules):>3} rules  {policy.description}")
    return EXIT_CLEAN


def run_policy_show(args: argparse.Namespace) -> int:
    policy = next((p for p in _loaded(args) if p.name.casefold() == args.name.casefold()), None)
    if policy is None:
        raise PolicyCliError(f"unknown policy {args.name!r}")
    if args.json:
        print(json.dumps(describe_policy(policy), ensure_ascii=False, indent=2))
        return EXIT_CLEAN
    print(f"{policy.name}  ({policy.source})")
    if policy.description:
        print(f"  {policy.description}")
    for rule in policy.rules:
        described = describe_rule(rule)
        sits = ", ".join(rule.sits) or "every SIT"
        level = rule.min_confidence if rule.min_confidence is not None else "recommended"
        print(f"  {rule.name}: {rule.action} on {sits} at confidence {level}, on incomplete {rule.incomplete_action}")
        for key in ("where", "unless"):
            if described.get(key):
                print(f"    {key}: {json.dumps(described[key], ensure_ascii=False)}")
    return EXIT_CLEAN


def run_policy_validate(args: argparse.Namespace) -> int:
    directories = args.dirs or _configured_dirs()
    definitions = _definitions(args)
    policies, problems = read_policies(directories)
    for problem in problems:
        print(f"error: {problem}")
    findings = lint_policies([bind(policy, definitions) for policy in policies], definitions)
    for finding in findings:
        print(finding)
    errors = len(problems) + sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    print(
        f"{len(policies)} polic{'ies' if len(policies) != 1 else 'y'}: "
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    )
    return EXIT_PROBLEMS if errors else EXIT_CLEAN


def describe_policy(policy: Policy, detailed: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"name": policy.name, "description": policy.description, "source": policy.source}
    data["rules"] = [describe_rule(rule) for rule in policy.rules] if detailed else [r.name for r in policy.rules]
    return data


def describe_rule(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": rule.name,
        "action": str(rule.action),
        "sits": list(rule.sits),
        "min_confidence": rule.min_confidence,
        "min_count": rule.min_count,
        "max_count": rule.max_count,
        "min_unique": rule.min_unique,
        "on_incomplete": str(rule.incomplete_action),
    }
    if rule.where.given():
        data["where"] = _condition(rule.where)
    if rule.unless:
        data["unless"] = [_condition(exception) for exception in rule.unless]
    return data


def _condition(condition: ChannelCondition) -> dict[str, Any]:
    return {name: sorted(str(v) for v in getattr(condition, name)) for name in condition.given()}
