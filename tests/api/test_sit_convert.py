"""POST /v1/sits/convert: drafts and loaded SITs as YAML or Purview XML, and its refusals."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from flask.testing import FlaskClient

from service.api import create_app
from service.config import Settings
from service.engine import Scanner
from tests.api.conftest import bearer

TUNING = Path(__file__).parent.parent / "fixtures" / "tuning"
DRAFT = (TUNING / "contoso_employee_id.yaml").read_text(encoding="utf-8")
PACKAGE = (TUNING / "contoso_employee_id.xml").read_text(encoding="utf-8")
RULES = "{http://schemas.microsoft.com/office/2011/mce}"


def convert(client: FlaskClient, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post("/v1/sits/convert", json=body)
    assert response.status_code == status, response.get_json()
    if status >= 400:
        assert response.mimetype == "application/problem+json"
    data: dict[str, Any] = response.get_json()
    return data


def test_a_yaml_draft_becomes_a_rule_package_with_notes_of_what_it_could_not_carry(client: FlaskClient) -> None:
    answer = convert(client, {"definition": DRAFT, "to": "purview"})
    assert answer["format"] == "purview"
    assert answer["definitions"] == [{"id": "0f5e8c1e-6b6e-4c55-9d7a-3c1b2d4e5f60", "name": "Contoso employee ID"}]
    root = ET.fromstring(answer["text"])
    [entity] = root.iter(f"{RULES}Entity")
    assert entity.get("id") == "0f5e8c1e-6b6e-4c55-9d7a-3c1b2d4e5f60"
    assert entity.get("patternsProximity") == "50"
    assert any("luhn" in note for note in answer["notes"])


def test_a_rule_package_becomes_yaml_that_reads_back_as_the_same_definition(client: FlaskClient) -> None:
    answer = convert(client, {"definition": PACKAGE, "to": "yaml"})
    assert answer["format"] == "yaml"
    [document] = [d for d in yaml.safe_load_all(answer["text"]) if d]
    assert document["name"] == answer["definitions"][0]["name"]
    again = convert(client, {"definition": answer["text"], "to": "purview"})
    assert again["definitions"] == answer["definitions"]


def test_several_definitions_are_one_yaml_stream(client: FlaskClient) -> None:
    other = yaml.safe_load(DRAFT) | {"id": "1f5e8c1e-6b6e-4c55-9d7a-3c1b2d4e5f61", "name": "Contoso badge"}
    answer = convert(client, {"definition": yaml.safe_dump_all([yaml.safe_load(DRAFT), other]), "to": "yaml"})
    assert [d["name"] for d in yaml.safe_load_all(answer["text"]) if d] == ["Contoso employee ID", "Contoso badge"]


def test_a_loaded_sit_comes_back_as_its_author_wrote_it(client: FlaskClient) -> None:
    answer = convert(client, {"sit": "GitHub personal access token", "to": "yaml"})
    [document] = [d for d in yaml.safe_load_all(answer["text"]) if d]
    assert document["name"] == "GitHub personal access token"
    assert "github_token_crc32" in answer["text"]  # validators as written, not as Purview could carry them
    assert answer["notes"] == []


def test_a_row_of_a_credential_table_comes_back_as_a_whole_definition(
    client: FlaskClient, builtin_scanner: Scanner
) -> None:
    row = next(d for d in builtin_scanner.definitions if ": rows[" in d.source)
    answer = convert(client, {"sit": row.id, "to": "yaml"})
    [document] = [d for d in yaml.safe_load_all(answer["text"]) if d]
    assert (document["id"], document["name"]) == (row.id, row.name)
    assert set(document) >= {"elements", "patterns", "examples"}


def test_a_loaded_sit_as_purview_xml(client: FlaskClient) -> None:
    answer = convert(client, {"sit": "U.S. social security number (SSN)", "to": "purview"})
    assert answer["text"].startswith("<?xml") and "a44669fe-0d48-453d-a9b1-2cc83f2cba77" in answer["text"]


def test_an_unknown_sit_is_404_without_repeating_it(client: FlaskClient) -> None:
    secret = "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"
    answer = convert(client, {"sit": secret, "to": "yaml"}, 404)
    assert secret not in str(answer)


def test_a_definition_or_a_sit_is_needed_not_both(client: FlaskClient) -> None:
    neither = convert(client, {"to": "yaml"}, 422)
    both = convert(client, {"definition": DRAFT, "sit": "Credit card number", "to": "yaml"}, 422)
    assert neither["errors"][0]["field"] == both["errors"][0]["field"] == "definition"
    convert(client, {"sit": "Credit card number", "format": "yaml", "to": "yaml"}, 422)


def test_bad_targets_and_bodies_are_refused(client: FlaskClient) -> None:
    assert convert(client, {"definition": DRAFT, "to": "docx"}, 422)["errors"][0]["field"] == "to"
    assert convert(client, {"definition": DRAFT}, 422)["errors"][0]["field"] == "to"
    assert convert(client, {"definition": DRAFT, "to": "yaml", "extra": 1}, 422)["errors"][0]["field"] == "extra"
    response = client.post("/v1/sits/convert", data=DRAFT, content_type="text/plain")
    assert response.status_code == 415 and response.mimetype == "application/problem+json"
    response = client.post("/v1/sits/convert", data="{", content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_an_unreadable_draft_is_an_invalid_draft_problem(client: FlaskClient) -> None:
    answer = convert(
        client, {"definition": DRAFT.replace("primary: employee_id", "primary: nowhere"), "to": "purview"}, 422
    )
    assert answer["type"].endswith("/invalid-draft")
    assert any("nowhere" in error["message"] for error in answer["errors"])
    broken = convert(client, {"definition": "<RulePackage", "to": "yaml"}, 422)
    assert broken["type"].endswith("/invalid-draft")


def test_a_body_over_the_limit_is_413(make_client: Callable[..., FlaskClient]) -> None:
    response = make_client(max_body_bytes=100).post("/v1/sits/convert", json={"definition": DRAFT, "to": "yaml"})
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_keys_are_needed_when_configured(keyed_client: FlaskClient) -> None:
    assert keyed_client.post("/v1/sits/convert", json={"definition": DRAFT, "to": "yaml"}).status_code == 401
    response = keyed_client.post(
        "/v1/sits/convert", json={"definition": DRAFT, "to": "yaml"}, headers=bearer("gateway")
    )
    assert response.status_code == 200


def test_the_route_is_documented(builtin_scanner: Scanner) -> None:
    spec = create_app(Settings(), scanner=builtin_scanner).test_client().get("/openapi.json").get_json()
    operation = spec["paths"]["/v1/sits/convert"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json"}
    assert {"200", "404", "415", "422"} <= set(operation["responses"])
    request = spec["components"]["schemas"]["ConvertRequest"]
    assert set(request["properties"]) == {"definition", "sit", "format", "to"}
