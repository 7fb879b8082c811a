"""Loading policy files: the shape is checked field by field, names are unique, the version
follows the content, and the built-in policy loads on any definitions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from service.config import ConfigError, Settings, load_settings
from service.definitions import DefinitionSet, load_definitions
from service.policy.errors import PolicyError
from service.policy.loader import builtin_policies_dir, load_policies, read_policies
from service.policy.model import Action
from service.runtime import build_policies

ENGINE_DEFINITIONS = Path(__file__).parent.parent / "fixtures" / "definitions" / "engine"
GOOD = "name: good\nrules:\n  - name: r\n    action: block\n    min_confidence: medium\n"


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("name: p\nrules:\n  - name: r\n    action: explode\n", "rules.0.action", "Must be one of"),
        (
            "name: p\nrules:\n  - name: r\n    action: block\n    min_confidence: extreme\n",
            "rules.0.min_confidence",
            "low, medium, high",
        ),
        (
            "name: p\nrules:\n  - name: r\n    action: block\n    min_confidence: 101\n",
            "rules.0.min_confidence",
            "1 to 100",
        ),
        ("name: p\nrules:\n  - name: r\n    action: block\n    colour: red\n", "rules.0.colour", "Unknown field"),
        (
            "name: p\nrules:\n  - name: r\n    action: block\n    where: {kinds: [fax]}\n",
            "rules.0.where.kinds.0",
            "Must be one of",
        ),
        (
            "name: p\nrules:\n  - name: r\n    action: block\n    on_incomplete: reject\n",
            "rules.0.on_incomplete",
            "allow, audit, block",
        ),
        ("name: p\nrules:\n  - name: r\n    action: block\n  - name: r\n    action: audit\n", "rules", "used twice"),
        ("name: has space\nrules: []\n", "name", "letters, digits"),
        ("rules: []\n", "name", "required"),
        ("- just a list\n", "", "mapping"),
        ("name: [unclosed\n", "", "not valid YAML"),
    ],
)
def test_problems_name_the_file_and_field(tmp_path: Path, text: str, path: str, words: str) -> None:
    policies, problems = read_policies([write(tmp_path, "bad.yaml", text)])
    assert policies == []
    assert [problem.path for problem in problems] == [path]
    assert words in problems[0].message
    assert problems[0].source == f"{tmp_path.name}/bad.yaml"


def test_policy_names_are_unique_across_folders(tmp_path: Path) -> None:
    _, problems = read_policies([write(tmp_path / "a", "x.yaml", GOOD), write(tmp_path / "b", "y.yaml", GOOD)])
    assert len(problems) == 1 and "also defined in a/x.yaml" in problems[0].message


def test_the_version_follows_the_content_not_the_place(tmp_path: Path, builtin_definitions: DefinitionSet) -> None:
    one = load_policies([write(tmp_path / "one", "x.yaml", GOOD)], builtin_definitions)
    two = load_policies([write(tmp_path / "two", "renamed.yaml", GOOD)], builtin_definitions)
    changed = load_policies([write(tmp_path / "three", "x.yaml", GOOD.replace("block", "audit"))], builtin_definitions)
    assert one.version == two.version != changed.version


def test_the_built_in_policy_loads_without_the_built_in_definitions() -> None:
    definitions = load_definitions([ENGINE_DEFINITIONS])
    policies = load_policies([builtin_policies_dir()], definitions)
    default = policies.get("default")
    assert default is not None
    # No credentials to block among these SITs, but an incomplete document is still blocked.
    assert default.rules[0].thresholds == {}
    assert default.rules[0].incomplete_action is Action.BLOCK


def test_the_configured_policy_must_exist(builtin_definitions: DefinitionSet, tmp_path: Path) -> None:
    settings = replace(Settings(), policy="nonexistent")
    with pytest.raises(PolicyError, match="no loaded policy is named 'nonexistent'"):
        build_policies(settings, builtin_definitions)
    settings = replace(Settings(), policy="good", policy_dirs=(write(tmp_path, "good.yaml", GOOD),))
    assert build_policies(settings, builtin_definitions).get("good") is not None


def test_policy_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {"DLP_POLICY_DIRS": f"{tmp_path}/a:{tmp_path}/b", "DLP_POLICY": "strict", "DLP_AUDIT_LOG": "-"}
    )
    assert settings.policy_dirs == (tmp_path / "a", tmp_path / "b")
    assert (settings.policy, settings.audit_log) == ("strict", "-")
    defaults = load_settings({})
    assert (defaults.policy, defaults.audit_log, defaults.policy_dirs) == ("default", None, ())
    with pytest.raises(ConfigError, match="policy"):
        load_settings({"DLP_POLICY": "  "})
