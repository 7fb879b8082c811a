"""Builds the scanner and the policies the service, the gateways and the CLI run on, from settings."""

from __future__ import annotations

from service.config import Settings
from service.definitions import DefinitionSet, Problem, load_definitions
from service.definitions.loader import builtin_definitions_dir
from service.engine import Scanner, compile_scanner
from service.policy.errors import PolicyError
from service.policy.loader import builtin_policies_dir, load_policies
from service.policy.rules import PolicySet


def build_scanner(settings: Settings) -> Scanner:
    """Load the built-in definitions (unless turned off) and the configured folders, and compile them."""
    directories = [builtin_definitions_dir()] if settings.builtin_definitions else []
    directories.extend(settings.definitions_dirs)
    return compile_scanner(load_definitions(directories), time_limit=settings.time_limit, engine=settings.engine)


def build_policies(settings: Settings, definitions: DefinitionSet) -> PolicySet:
    """Load the built-in policies and the configured folders, bound to ``definitions``; the
    configured policy must be among them."""
    policies = load_policies([builtin_policies_dir(), *settings.policy_dirs], definitions)
    if policies.get(settings.policy) is None:
        raise PolicyError([Problem("DLP_POLICY", "", f"no loaded policy is named {settings.policy!r}")])
    return policies
