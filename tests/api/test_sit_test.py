"""POST /v1/sits/test: a draft tried on samples, with every "did not match because" reason."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from tests.api.conftest import bearer

DRAFT_FILE = Path(__file__).parent.parent / "fixtures" / "tuning" / "contoso_employee_id.yaml"
DRAFT = DRAFT_FILE.read_text(encoding="utf-8")
VALID = "EMP-88752316"  # Luhn-valid digits
FAR = " filler" * 30  # more than the draft's proximity of 50 characters


def trial(client: FlaskClient, samples: list[Any], **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/sits/test", json={"definition": DRAFT, "samples": samples} | extra)
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def only_rejection(sample: dict[str, Any]) -> dict[str, Any]:
    assert sample["results"] == []
    [rejection] = sample["not_matched"]
    assert VALID not in json.dumps(rejection)  # the candidate is masked
    return rejection


def test_a_match_is_explained_by_its_pattern_and_evidence(client: FlaskClient) -> None:
    data = trial(client, [f"Employee {VALID} started in May."])
    assert data["passed"] and data["lint"] == []
    assert all(example["passed"] for example in data["examples"]) and len(data["examples"]) == 6
    [sample] = data["samples"]
    [result] = sample["results"]
    [match] = result["matches"]
    assert (match["pattern"], match["confidence"], match["start"]) == ("employee ID with a keyword", 85, 9)
    assert [(e["element"], e["start"], e["text"]) for e in match["evidence"]] == [("kw_employee", 0, "Employee")]
    assert VALID not in json.dumps(data)


def test_a_failed_checksum_names_the_validator(client: FlaskClient) -> None:
    rejection = only_rejection(trial(client, ["Employee EMP-88752317"])["samples"][0])
    assert (rejection["stage"], rejection["validator"]) == ("validator", "luhn")
    assert "Luhn" in rejection["reason"]


def test_a_placeholder_is_told_apart(client: FlaskClient) -> None:
    rejection = only_rejection(trial(client, ["Employee EMP-00000000"])["samples"][0])
    assert (rejection["stage"], rejection["validator"]) == ("placeholder", "not_placeholder")


def test_a_keyword_too_far_says_how_far(client: FlaskClient) -> None:
    text = f"employee{FAR} {VALID}"
    rejection = only_rejection(trial(client, [text])["samples"][0])
    assert rejection["stage"] == "confidence"
    assert (rejection["confidence"], rejection["threshold"]) == (65, 75)
    [higher] = rejection["patterns"]
    assert higher["pattern"] == "employee ID with a keyword"
    [miss] = higher["missing"]
    assert miss == {"element": "kw_employee", "kind": "too_far", "distance": len(FAR) + 1, "proximity": 50}


def test_an_absent_keyword_is_named(client: FlaskClient) -> None:
    rejection = only_rejection(trial(client, [f"ID {VALID}"])["samples"][0])
    assert rejection["patterns"][0]["missing"] == [{"element": "kw_employee", "kind": "absent"}]


def test_an_exclusion_nearby_says_which_element(client: FlaskClient) -> None:
    rejection = only_rejection(trial(client, [f"employee example {VALID}"])["samples"][0])
    assert rejection["stage"] == "pattern"
    assert [p["pattern"] for p in rejection["patterns"]] == ["employee ID with a keyword", "employee ID alone"]
    assert all({"element": "kw_not_real", "kind": "excluded"} in p["missing"] for p in rejection["patterns"])


def test_a_filter_is_named(client: FlaskClient) -> None:
    rejection = only_rejection(trial(client, [f"employee test: {VALID}"])["samples"][0])
    assert rejection["stage"] == "check" and "excluded prefix" in rejection["reason"]


def test_below_the_minimum_asked_for(client: FlaskClient) -> None:
    rejection = only_rejection(trial(client, [f"employee {VALID}"], min_confidence=90)["samples"][0])
    assert (rejection["stage"], rejection["confidence"], rejection["threshold"]) == ("confidence", 85, 90)


def test_samples_keep_their_names_and_order(client: FlaskClient) -> None:
    data = trial(client, [{"name": "hr.txt", "text": f"employee {VALID}"}, "nothing here"])
    assert [s["name"] for s in data["samples"]] == ["hr.txt", "sample-2"]
    assert [len(s["results"]) for s in data["samples"]] == [1, 0]


def test_a_draft_as_a_json_object_and_as_several_yaml_documents(client: FlaskClient) -> None:
    as_object = yaml.safe_load(DRAFT)
    response = client.post("/v1/sits/test", json={"definition": as_object, "samples": [f"employee {VALID}"]})
    assert response.status_code == 200
    assert response.get_json()["samples"][0]["results"][0]["confidence"] == 85
    second = dict(as_object, id="0f5e8c1e-6b6e-4c55-9d7a-3c1b2d4e5f61", name="Contoso employee ID (copy)")
    both = DRAFT + "\n---\n" + yaml.safe_dump(second)
    data = client.post("/v1/sits/test", json={"definition": both, "samples": [f"employee {VALID}"]}).get_json()
    assert [d["name"] for d in data["definitions"]] == ["Contoso employee ID", "Contoso employee ID (copy)"]
    assert {r["sit"]["name"] for r in data["samples"][0]["results"]} == {d["name"] for d in data["definitions"]}


def test_files_through_multipart_are_extracted(client: FlaskClient, tmp_path: Path) -> None:
    response = client.post(
        "/v1/sits/test",
        data={
            "definition": (io.BytesIO(DRAFT.encode()), "draft.yaml"),
            "sample": [(io.BytesIO(f"employee {VALID}".encode()), "a.txt"), (io.BytesIO(b"nothing"), "b.txt")],
            "min_confidence": "80",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    samples = response.get_json()["samples"]
    assert [(s["name"], len(s["results"])) for s in samples] == [("a.txt", 1), ("b.txt", 0)]


def test_the_loaded_definitions_are_untouched_and_mask_the_summaries(client: FlaskClient) -> None:
    before = client.get("/v1/sits").get_json()
    aws = "AKIAQ7RT2WZXPLM4NBVC"
    data = trial(client, [f"employee {VALID} aws_access_key_id = {aws}"])
    assert client.get("/v1/sits").get_json() == before
    assert "Contoso employee ID" not in {s["name"] for s in before["sits"]}
    summary = data["samples"][0]["results"][0]["matches"][0]["summary"]["text"]
    assert aws not in summary and "AKIA" not in summary


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ("id: [unclosed", "<draft>"),
        ("name: only a name\n", "<draft>: id"),
        (
            DRAFT.replace("regex: '\\bEMP-(?P<digits>\\d{8})\\b'", "regex: '(unclosed'"),
            "<draft>: elements.employee_id.regex",
        ),
    ],
)
def test_a_broken_draft_is_a_problem_naming_the_field(client: FlaskClient, definition: str, field: str) -> None:
    response = client.post("/v1/sits/test", json={"definition": definition, "samples": ["x"]})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("invalid-draft")
    assert field in {error["field"] for error in problem["errors"]}


def test_too_many_definitions_in_a_draft(make_client: Any) -> None:
    client = make_client(max_draft_sits=1)
    as_object = yaml.safe_load(DRAFT)
    second = dict(as_object, id="0f5e8c1e-6b6e-4c55-9d7a-3c1b2d4e5f61", name="Copy")
    response = client.post("/v1/sits/test", json={"definition": [as_object, second]})
    assert response.status_code == 422 and "limit of 1" in response.get_json()["errors"][0]["message"]


def test_bad_requests(client: FlaskClient) -> None:
    assert client.post("/v1/sits/test", json={"samples": ["x"]}).status_code == 422
    assert client.post("/v1/sits/test", json={"definition": DRAFT, "bogus": 1}).status_code == 422
    assert client.post("/v1/sits/test", data="text", content_type="text/plain").status_code == 415
    assert client.post("/v1/sits/test", json={"definition": DRAFT, "reveal": True}).status_code == 403


def test_keys_are_required_when_configured(keyed_client: FlaskClient) -> None:
    assert keyed_client.post("/v1/sits/test", json={"definition": DRAFT}).status_code == 401
    response = keyed_client.post(
        "/v1/sits/test", json={"definition": DRAFT, "samples": [f"employee {VALID}"]}, headers=bearer("reviewer")
    )
    assert response.status_code == 200


XML_DRAFT = (DRAFT_FILE.parent / "contoso_employee_id.xml").read_text(encoding="utf-8")
XML_VALID = "79542208"  # its weighted checksum holds
XML_CASES = [
    (f"employee {XML_VALID}", None, None),
    ("employee 79542209", "validator", {"validator": "purview_checksum"}),
    ("employee 99912346", "check", None),  # TextMatchFilter StartsWith 999, Exclude
    ("employee 11111111", "check", None),  # AllDigitsSameFilter
    (f"employee{FAR} {XML_VALID}", "confidence", {"kind": "too_far"}),
    (f"no keyword {XML_VALID}", "confidence", {"kind": "absent"}),
    (f"employee example {XML_VALID}", "pattern", {"kind": "excluded"}),
]


@pytest.mark.parametrize(("text", "stage", "detail"), XML_CASES)
def test_a_purview_xml_draft_explains_every_reason(
    client: FlaskClient, text: str, stage: str | None, detail: dict[str, str] | None
) -> None:
    data = trial(client, [text], definition=XML_DRAFT)
    assert [d["name"] for d in data["definitions"]] == ["Contoso employee number"]
    [sample] = data["samples"]
    if stage is None:
        assert [r["confidence"] for r in sample["results"]] == [85] and sample["not_matched"] == []
        return
    assert sample["results"] == []
    [rejection] = sample["not_matched"]
    assert rejection["stage"] == stage
    if detail and "validator" in detail:
        assert rejection["validator"] == detail["validator"]
    if detail and "kind" in detail:
        kinds = {miss["kind"] for pattern in rejection["patterns"] for miss in pattern["missing"]}
        assert detail["kind"] in kinds


def test_what_a_purview_draft_could_not_bring_is_named(client: FlaskClient) -> None:
    package = (DRAFT_FILE.parent.parent / "purview" / "fabrikam_staff.xml").read_text(encoding="utf-8")
    data = trial(client, ["staff number 1234561"], definition=package)
    assert len(data["definitions"]) == 3
    assert any(note.startswith("dropped: ") and "minCount" in note for note in data["import_notes"])
    assert any(note.startswith("translated: ") for note in data["import_notes"])


def test_a_malformed_purview_draft_is_a_problem(client: FlaskClient) -> None:
    response = client.post("/v1/sits/test", json={"definition": "<RulePackage><Rules>", "samples": []})
    assert response.status_code == 422 and response.get_json()["type"].endswith("invalid-draft")
