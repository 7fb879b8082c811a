"""Loading definition files: every problem is reported with its file, field path and cause."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.definitions import DefinitionError, load_definitions, parse_definition_text
from service.definitions.model import AnyRequirement, KeywordStyle, MatchRequirement
from tests.conftest import DEFINITION_FIXTURES


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_definitions([directory])
    return [str(problem) for problem in caught.value.problems]


def copy_one(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "defs"
    target.mkdir()
    shutil.copy(DEFINITION_FIXTURES / "bad" / name, target / name)
    return target


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    problems = problems_of(copy_one(tmp_path, "many_problems.yaml"))
    prefix = "defs/many_problems.yaml: "
    expected = [
        "id: Not a valid UUID.",
        "description: Missing data for required field.",
        "checksum: Not a valid boolean.",
        "recommended_confidence: Must be greater than or equal to 1 and less than or equal to 100.",
        "colour: Unknown field.",
        "elements.words.keywords.style: Must be one of: word, string.",
        "elements.both: an element needs exactly one of 'regex', 'keywords' or 'function'",
        "patterns.0.confidence: Must be greater than or equal to 1 and less than or equal to 100.",
        "patterns.1.supporting.any.min: is 3 but only 1 requirements are listed",
    ]
    for message in expected:
        assert prefix + message in problems, f"missing {message!r} in {problems}"


def test_reference_problems_are_reported_after_the_shape_is_right(tmp_path: Path) -> None:
    problems = problems_of(copy_one(tmp_path, "references.yaml"))
    prefix = "defs/references.yaml: "
    assert prefix + "elements.token.value_group: the regex has no group named 'tail'" in problems
    assert prefix + "elements.token.validators.0.group: the regex has no group named 'nope'" in problems
    assert any(p.startswith(prefix + "elements.helper.function: unknown function 'no_such_function'") for p in problems)
    assert prefix + "patterns.0.supporting: unknown element 'ghost'" in problems
    assert prefix + "patterns.0.supporting: unknown element 'phantom'" in problems


def test_regex_and_validator_problems_name_the_element(tmp_path: Path) -> None:
    text = (
        (DEFINITION_FIXTURES / "bad" / "many_problems.yaml")
        .read_text()
        .replace("id: not-a-uuid", "id: 11111111-2222-4333-8444-555555555555")
    )
    text = text.replace("checksum: maybe", "checksum: true").replace(
        "recommended_confidence: 120", "recommended_confidence: 85"
    )
    text = text.replace("colour: blue\n", "description: d\n").replace("style: fuzzy", "style: word")
    text = text.replace("  both:\n    regex: 'x'\n    keywords: {terms: [y]}\n", "")
    text = text.replace("{confidence: 0,", "{confidence: 85,").replace("min: 3, ", "")
    definition, problems = parse_definition_text(text, "draft.yaml")
    assert definition is None
    messages = [str(p) for p in problems]
    assert any(m.startswith("draft.yaml: elements.token.regex: does not compile:") for m in messages)
    assert any(
        m.startswith("draft.yaml: elements.token.validators.1.name: unknown validator 'no_such_validator'")
        for m in messages
    )
    assert any(m.startswith("draft.yaml: elements.token.validators.2.params.modulus:") for m in messages)
    assert any(m.startswith("draft.yaml: elements.token.validators.2.params.weights:") for m in messages)
    assert "draft.yaml: patterns.1.primary: unknown element 'missing_element'" in messages


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    problems = problems_of(copy_one(tmp_path, "not_yaml.yaml"))
    assert len(problems) == 1
    assert problems[0].startswith("defs/not_yaml.yaml: not valid YAML: line ")


def test_problems_of_several_files_are_collected(tmp_path: Path) -> None:
    target = tmp_path / "defs"
    shutil.copytree(DEFINITION_FIXTURES / "bad", target)
    problems = problems_of(target)
    files = {p.split(":", 1)[0] for p in problems}
    assert files == {"defs/many_problems.yaml", "defs/references.yaml", "defs/not_yaml.yaml"}


def test_duplicate_ids_and_names_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "defs"
    target.mkdir()
    source = DEFINITION_FIXTURES / "engine" / "overlap.yaml"
    shutil.copy(source, target / "a.yaml")
    shutil.copy(source, target / "b.yaml")
    problems = problems_of(target)
    assert any(p.startswith("defs/b.yaml: id: id 5c2f4f4e-") and "also used by defs/a.yaml" in p for p in problems)
    assert any(p.startswith("defs/b.yaml: name: name 'Test overlapping elements' is also used by") for p in problems)


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "nowhere")
    assert problems == [f"{tmp_path / 'nowhere'}: definitions directory does not exist"]


def test_requirements_load_into_nested_any(engine_scanner: object) -> None:
    definitions = load_definitions([DEFINITION_FIXTURES / "engine"])
    order = definitions.get("Test order token")
    assert order is not None
    top = order.patterns[0].supporting
    assert isinstance(top, AnyRequirement)
    assert top.min == 3 and top.max is None
    first, second, third = top.of
    assert first == MatchRequirement("kw_order")
    assert second == AnyRequirement(of=(MatchRequirement("kw_ref_string"), MatchRequirement("kw_case")), min=1)
    assert third == AnyRequirement(of=(MatchRequirement("kw_test"),), min=0, max=0)


def test_defaults_are_filled_in() -> None:
    definitions = load_definitions([DEFINITION_FIXTURES / "engine"])
    overlap = definitions.get("Test overlapping elements")
    assert overlap is not None
    assert overlap.proximity == 300
    assert overlap.bundles == ()
    order = definitions.get("Test order token")
    assert order is not None
    keyword = order.elements["kw_order"]
    assert getattr(keyword, "style", None) is KeywordStyle.WORD
    assert getattr(keyword, "case_sensitive", None) is False


def test_definitions_are_immutable() -> None:
    definitions = load_definitions([DEFINITION_FIXTURES / "engine"])
    order = definitions.get("Test order token")
    assert order is not None
    with pytest.raises(TypeError):
        order.elements["new"] = order.elements["kw_order"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        order.name = "changed"  # type: ignore[misc]


def test_bundles_and_lookup_by_id_or_name(builtin_definitions: object) -> None:
    definitions = load_definitions([DEFINITION_FIXTURES / "engine"])
    by_name = definitions.get("test ORDER token")
    by_id = definitions.get("0b9a3c55-2a1e-4a7e-9b3f-5d1f0c6e7a10")
    assert by_name is not None and by_name is by_id
    assert [d.name for d in definitions.select(["Engine tests"])] == ["Test order token"]
