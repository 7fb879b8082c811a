"""Files posted to the API are extracted: matches name their part; unreadable input is 422."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"


def upload(client: FlaskClient, *names: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    files = [(io.BytesIO((DOCUMENTS / name).read_bytes()), name.rsplit("/", 1)[-1]) for name in names]
    response = client.post("/v1/classify", data={"file": files}, content_type="multipart/form-data")
    return response.status_code, response.get_json(force=True)


def test_mail_with_attachments_names_every_part(client: FlaskClient) -> None:
    status, body = upload(client, "message.eml")
    assert status == 200
    names = [p["name"] for p in body["parts"]]
    assert names == [
        "message.eml/headers",
        "message.eml/body",
        "message.eml/body2.html",
        "message.eml/attachments/report.docx/body",
        "message.eml/attachments/report.docx/headers-footers",
        "message.eml/attachments/bundle.zip/plain.txt",
    ]
    ssn = next(r for r in body["results"] if r["sit"]["name"] == "U.S. social security number (SSN)")
    assert {m["part"] for m in ssn["matches"]} >= {
        "message.eml/headers",
        "message.eml/attachments/bundle.zip/plain.txt",
    }


def test_a_raw_office_body_is_extracted_too(client: FlaskClient) -> None:
    response = client.post(
        "/v1/classify", data=(DOCUMENTS / "payroll.xlsx").read_bytes(), content_type="application/octet-stream"
    )
    body = response.get_json()
    assert [p["name"] for p in body["parts"]] == ["body/Summary", "body/Payroll"]
    assert body["results"]


def test_encrypted_members_are_listed_and_the_rest_is_classified(client: FlaskClient) -> None:
    status, body = upload(client, "hostile/encrypted.zip", "plain.txt")
    assert status == 200
    assert body["complete"] is False
    errors = {p["name"]: p["error"]["code"] for p in body["parts"] if "error" in p}
    assert errors == {"encrypted.zip/secret.txt": "encrypted"}
    assert {r["sit"]["name"] for r in body["results"]} >= {
        "GitHub personal access token",
        "Credit card number",
        "U.S. social security number (SSN)",
    }


def test_a_document_that_cannot_be_read_at_all_is_422(client: FlaskClient) -> None:
    status, body = upload(client, "hostile/truncated.docx")
    assert status == 422
    assert body["type"].endswith("/unreadable-document")
    assert body["detail"].startswith("The document could not be read: truncated.docx:")
