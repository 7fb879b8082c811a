"""Reads policy files (one YAML file per policy) and binds them to the loaded definitions.

Binding resolves each rule's SIT, bundle and confidence selectors to the confidence every
selected SIT must reach, so deciding needs no definitions. A policy set loads only when it
has no lint errors: a rule naming a SIT that does not exist would otherwise never fire,
and a policy that silently stops blocking is the failure a DLP service must not have.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from service.definitions.errors import Problem, flatten_messages
from service.definitions.model import SitDefinition
from service.definitions.sets import DefinitionSet
from service.definitions.version import VERSION_LENGTH, canonical
from service.policy.errors import PolicyError
from service.policy.lint import Severity, lint_policies
from service.policy.rules import Policy, PolicySet, Rule
from service.policy.schema import PolicySchema

POLICY_SUFFIXES = (".yaml", ".yml")
MAX_POLICY_FILE_BYTES = 1_000_000


def builtin_policies_dir() -> Path:
    """The policies shipped with the service (``default`` among them)."""
    return Path(str(importlib.resources.files("service.policy"))) / "builtin"


def parse_policy(raw: Any, source: str) -> tuple[Policy | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(source, "", "a policy must be a mapping of fields")]
    try:
        policy: Policy = PolicySchema().load(raw)
    except ValidationError as error:
        return None, [Problem(source, path, message) for path, message in flatten_messages(error.messages)]
    return dataclasses.replace(policy, source=source), []


def read_policy_file(path: Path, source: str) -> tuple[Policy | None, list[Problem]]:
    try:
        if path.stat().st_size > MAX_POLICY_FILE_BYTES:
            return None, [Problem(source, "", f"file is larger than {MAX_POLICY_FILE_BYTES} bytes")]
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, [Problem(source, "", "file is not UTF-8 text")]
    except OSError as error:
        return None, [Problem(source, "", f"cannot read file: {error.strerror}")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return None, [Problem(source, "", f"not valid YAML: {where}{getattr(error, 'problem', None) or error}")]
    return parse_policy(raw, source)


def read_policies(directories: Iterable[Path]) -> tuple[list[Policy], list[Problem]]:
    """Every policy file below the directories, parsed; names must be unique across them."""
    policies: list[Policy] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for directory in directories:
        if not directory.is_dir():
            problems.append(Problem(str(directory), "", "policy directory does not exist"))
            continue
        for path in sorted(p for p in directory.rglob("*") if p.suffix in POLICY_SUFFIXES and p.is_file()):
            # Relative names keep machine-specific paths out of messages.
            source = str(Path(directory.name) / path.relative_to(directory))
            policy, found = read_policy_file(path, source)
            problems.extend(found)
            if policy is None:
                continue
            if directory == builtin_policies_dir():
                policy = dataclasses.replace(policy, builtin=True)
            key = policy.name.casefold()
            if key in seen:
                problems.append(Problem(source, "name", f"policy {policy.name!r} is also defined in {seen[key]}"))
                continue
            seen[key] = source
            policies.append(policy)
    return policies, problems


def bind(policy: Policy, definitions: DefinitionSet) -> Policy:
    """``policy`` with every rule's thresholds resolved against ``definitions`` (unknown selectors
    select nothing; the linter reports them)."""
    return dataclasses.replace(policy, rules=tuple(_bind_rule(rule, definitions) for rule in policy.rules))


def _bind_rule(rule: Rule, definitions: DefinitionSet) -> Rule:
    selected: Iterable[SitDefinition] = definitions.definitions
    if rule.sits:
        selected = {d.id: d for selector in rule.sits for d in _resolve(selector, definitions)}.values()
    thresholds = {d.id: rule.min_confidence or d.recommended_confidence for d in selected}
    return dataclasses.replace(rule, thresholds=thresholds)


def _resolve(selector: str, definitions: DefinitionSet) -> tuple[SitDefinition, ...]:
    single = definitions.get(selector)
    if single is not None:
        return (single,)
    return definitions.bundle(selector) or ()


def policy_set_version(policies: Sequence[Policy]) -> str:
    """A content hash of the policies (not of where they were read from), stable across processes."""
    digest = hashlib.sha256()
    for policy in sorted(policies, key=lambda p: p.name):
        data = canonical(dataclasses.replace(policy, source=""))
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:VERSION_LENGTH]


def load_policies(directories: Iterable[Path], definitions: DefinitionSet) -> PolicySet:
    """Read, bind and lint the policies; raise ``PolicyError`` listing every problem and lint error."""
    policies, problems = read_policies(directories)
    bound = [bind(policy, definitions) for policy in policies]
    errors = [f for f in lint_policies(bound, definitions) if f.severity is Severity.ERROR]
    problems.extend(Problem(f.source, f.path, f"{f.code}: {f.message}") for f in errors)
    if problems:
        raise PolicyError(problems)
    return PolicySet({policy.name: policy for policy in bound}, policy_set_version(bound))
