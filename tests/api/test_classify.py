"""POST /v1/classify in its three body forms, with summaries, masking and fingerprints."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from service.definitions import DefinitionSet
from tests.conftest import FIXTURES

TEXTS = FIXTURES / "texts"
TOKEN = "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"
GITHUB = "GitHub personal access token"
SSN = "U.S. social security number (SSN)"


def result(body: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [r for r in body["results"] if r["sit"]["name"] == name]
    return found


def test_json_text_is_classified_with_masked_value_and_fingerprint(client: FlaskClient) -> None:
    response = client.post("/v1/classify", json={"text": f"pat={TOKEN}"})
    assert response.status_code == 200
    body = response.get_json()
    github = result(body, GITHUB)
    assert (github["confidence"], github["count"], github["unique_count"]) == (85, 1, 1)
    (match,) = github["matches"]
    assert (match["start"], match["end"], match["part"]) == (4, 44, "text")
    assert match["value"] == "ghp_****…(40)"
    assert match["fingerprint"].startswith("hmac-sha256:") and len(match["fingerprint"]) == 44
    assert TOKEN not in response.get_data(as_text=True)
    assert body["complete"] is True
    assert body["stats"]["bytes"] == 44 and body["stats"]["parts"] == 1


def test_summary_highlights_the_match_and_its_keywords(client: FlaskClient) -> None:
    text = "Refund requested. Visa card number 4895 6866 7767 5908, exp 08/29, thanks."
    body = client.post("/v1/classify", json={"text": text}).get_json()
    (match,) = result(body, "Credit card number")["matches"]
    summary = match["summary"]
    shown = {h["kind"]: [] for h in summary["highlights"]}
    for h in summary["highlights"]:
        shown[h["kind"]].append(summary["text"][h["start"] : h["end"]])
    assert shown["match"] == ["****…(19)"]
    assert {"Visa", "card number", "exp"} <= set(shown["keyword"])
    assert "4895" not in summary["text"]
    assert summary["text"].startswith("Refund requested.")


def test_a_second_secret_inside_a_snippet_is_masked_too(client: FlaskClient) -> None:
    text = (TEXTS / "two_secrets_close.txt").read_text()
    body = client.post("/v1/classify", json={"text": text, "sits": [SSN]}).get_json()
    (match,) = result(body, SSN)["matches"]
    summary = match["summary"]
    assert TOKEN not in summary["text"] and "zQWB" not in summary["text"]
    masked = [summary["text"][h["start"] : h["end"]] for h in summary["highlights"] if h["kind"] == "masked"]
    assert masked == ["ghp_****…(40)"]
    assert [r["sit"]["name"] for r in body["results"]] == [SSN]


def test_summary_is_cut_at_word_boundaries_with_ellipses(client: FlaskClient) -> None:
    text = "lorem ipsum dolor " * 20 + f"token: {TOKEN} " + "sit amet consectetur " * 20
    body = client.post("/v1/classify", json={"text": text, "context": 30}).get_json()
    summary = result(body, GITHUB)["matches"][0]["summary"]["text"]
    assert summary.startswith("…") and summary.endswith("…")
    inner = summary.strip("…")
    assert inner.split(" ")[0] in {"lorem", "ipsum", "dolor", "token:"}
    assert inner.split(" ")[-1] in {"sit", "amet", "consectetur"}


def test_document_without_findings(client: FlaskClient) -> None:
    response = client.post("/v1/classify", data=(TEXTS / "clean.txt").read_bytes(), content_type="text/plain")
    assert response.status_code == 200
    body = response.get_json()
    assert body["results"] == []
    assert body["complete"] is True
    assert body["parts"] == [{"name": "body", "media_type": "text/plain", "chars": 75, "size": 75}]


def test_offsets_are_code_points_after_astral_characters(client: FlaskClient) -> None:
    prefix = "😀𝄞 party 🎉 — SSN: "
    text = prefix + "536-22-8726"
    body = client.post("/v1/classify", json={"text": text}).get_json()
    (match,) = result(body, SSN)["matches"]
    assert match["start"] == len(prefix) == 18  # code points; UTF-16 would say 21, UTF-8 bytes 30
    assert text[match["start"] : match["end"]] == "536-22-8726"
    (evidence,) = match["evidence"]
    assert text[evidence["start"] : evidence["end"]] == "SSN"


def test_multipart_upload_of_several_files_names_each_part(client: FlaskClient) -> None:
    data = {
        "file": [
            (io.BytesIO((TEXTS / "github_token_valid.txt").read_bytes()), "config.env"),
            (io.BytesIO((TEXTS / "clean.txt").read_bytes()), "notes.txt"),
            (io.BytesIO(b"Employee SSN: 536-22-8726"), "config.env"),
        ],
        "min_confidence": "75",
    }
    body = client.post("/v1/classify", data=data, content_type="multipart/form-data").get_json()
    assert [p["name"] for p in body["parts"]] == ["config.env", "notes.txt", "config.env#2"]
    assert result(body, GITHUB)["matches"][0]["part"] == "config.env"
    assert result(body, SSN)["matches"][0]["part"] == "config.env#2"


def test_ten_megabyte_upload_is_classified(client: FlaskClient) -> None:
    filler = b"The quarterly report shows steady growth across all regions.\n" * 170_000
    payload = filler[:5_000_000] + f"\nexport GITHUB_TOKEN={TOKEN}\n".encode() + filler[: 10 * 1024 * 1024 - 5_000_000]
    assert len(payload) > 10 * 1024 * 1024
    response = client.post(
        "/v1/classify", data={"file": (io.BytesIO(payload), "big.log")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["stats"]["bytes"] == len(payload)
    (match,) = result(body, GITHUB)["matches"]
    assert match["start"] == 5_000_000 + len("\nexport GITHUB_TOKEN=")


def test_raw_octet_stream_with_options_in_the_query(client: FlaskClient, builtin_definitions: DefinitionSet) -> None:
    response = client.post(
        "/v1/classify?sits=All%20credentials,Credit%20card%20number&min_confidence=65",
        data=(TEXTS / "two_secrets_close.txt").read_bytes(),
        content_type="application/octet-stream",
    )
    body = response.get_json()
    assert response.status_code == 200
    assert [r["sit"]["name"] for r in body["results"]] == [GITHUB]
    credentials = builtin_definitions.bundle("All credentials")
    assert credentials is not None
    assert body["stats"]["sits_scanned"] == len(credentials) + 1


def test_fingerprints_are_stable_across_requests_and_documents(client: FlaskClient) -> None:
    first = client.post("/v1/classify", json={"text": f"a {TOKEN}"}).get_json()
    second = client.post("/v1/classify", json={"text": f"pat={TOKEN} and again {TOKEN}"}).get_json()
    fingerprints = {m["fingerprint"] for m in result(second, GITHUB)["matches"]}
    assert fingerprints == {result(first, GITHUB)["matches"][0]["fingerprint"]}
    assert result(second, GITHUB)["unique_count"] == 1


def test_fingerprints_depend_on_the_server_key(make_client: Callable[..., FlaskClient]) -> None:
    one = make_client(fingerprint_key=b"a" * 32).post("/v1/classify", json={"text": TOKEN}).get_json()
    two = make_client(fingerprint_key=b"b" * 32).post("/v1/classify", json={"text": TOKEN}).get_json()
    assert result(one, GITHUB)["matches"][0]["fingerprint"] != result(two, GITHUB)["matches"][0]["fingerprint"]


def test_reveal_is_refused_unless_the_server_allows_it(make_client: Callable[..., FlaskClient]) -> None:
    denied = make_client().post("/v1/classify", json={"text": TOKEN, "reveal": True})
    assert denied.status_code == 403
    assert denied.content_type == "application/problem+json"
    assert TOKEN not in denied.get_data(as_text=True)
    allowed = make_client(allow_reveal=True).post("/v1/classify", json={"text": f"pat={TOKEN}", "reveal": True})
    match = result(allowed.get_json(), GITHUB)["matches"][0]
    assert match["value"] == TOKEN
    assert match["summary"]["text"] == f"pat={TOKEN}"


def test_explain_returns_the_rejected_candidates(client: FlaskClient) -> None:
    text = (TEXTS / "github_token_one_char_changed.txt").read_text()
    body = client.post("/v1/classify", json={"text": text, "explain": True}).get_json()
    assert body["results"] == []
    (rejection,) = [r for r in body["trace"] if r["element"] == "classic_token"]
    assert rejection["stage"] == "validator"
    assert rejection["reason"] == "github_token_crc32: CRC32 checksum does not match"
    assert rejection["value"] == "ghp_****…(40)"
