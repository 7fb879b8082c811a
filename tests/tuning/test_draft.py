"""Reading drafts: one definition or several, YAML or JSON, with every problem named."""

from __future__ import annotations

import json

import pytest
import yaml

from service.tuning import DraftError, DraftFormat, load_draft
from service.tuning.draft import sniff_format
from tests.conftest import FIXTURES

DRAFT = (FIXTURES / "tuning" / "contoso_employee_id.yaml").read_text(encoding="utf-8")
AS_OBJECT = yaml.safe_load(DRAFT)
COPY = dict(AS_OBJECT, id="0f5e8c1e-6b6e-4c55-9d7a-3c1b2d4e5f61", name="Copy")


def test_one_definition_in_yaml_and_in_json_reads_the_same() -> None:
    from_yaml = load_draft(DRAFT).definitions
    from_json = load_draft(json.dumps(AS_OBJECT), DraftFormat.JSON).definitions
    assert [d.name for d in from_yaml] == ["Contoso employee ID"]
    assert from_yaml.version == from_json.version


def test_several_definitions_as_documents_or_as_a_list() -> None:
    documents = load_draft(DRAFT + "\n---\n" + yaml.safe_dump(COPY)).definitions
    listed = load_draft(json.dumps([AS_OBJECT, COPY])).definitions
    assert [d.name for d in documents] == [d.name for d in listed] == ["Contoso employee ID", "Copy"]


def test_every_problem_of_every_definition_is_named() -> None:
    broken = dict(AS_OBJECT, recommended_confidence=400)
    with pytest.raises(DraftError) as raised:
        load_draft(json.dumps([broken, {"name": "no id"}]))
    sources = {problem.source for problem in raised.value.problems}
    assert sources == {"<draft>[0]", "<draft>[1]"}
    assert any(problem.path == "recommended_confidence" for problem in raised.value.problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "holds no definition"),
        ("id: [unclosed", "not valid YAML or JSON: line 1"),
        (json.dumps([AS_OBJECT, AS_OBJECT]), "is also used by"),
    ],
)
def test_unreadable_drafts(text: str, message: str) -> None:
    with pytest.raises(DraftError) as raised:
        load_draft(text)
    assert any(message in problem.message for problem in raised.value.problems)


def test_the_number_of_definitions_is_limited() -> None:
    with pytest.raises(DraftError, match="more than the limit of 1"):
        load_draft(json.dumps([AS_OBJECT, COPY]), max_definitions=1)


def test_xml_is_recognised_by_its_first_tag() -> None:
    assert sniff_format("\ufeff  <?xml version='1.0'?><RulePackage/>") is DraftFormat.PURVIEW
    assert sniff_format(DRAFT) is DraftFormat.YAML
    assert sniff_format(json.dumps(AS_OBJECT)) is DraftFormat.YAML
