"""Masking over HTTP: a masked span always wins, whatever SIT the request asked for.

Each case is a real text in which one SIT's value is evidence for, or lies next to,
another SIT's match; none of the values may be shown anywhere in the answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import regex
from flask.testing import FlaskClient

TEXTS = Path(__file__).parent.parent / "fixtures" / "texts"
MASKED = regex.compile(r"[a-z0-9_+.:/-]*\*\*\*\*…\(\d+\)")
CARD = "4539148803436467"
AWS_KEY_ID = "AKIAKA4QNYFYL6EZUTMG"
AWS_SECRET = "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"
PYPI_TOKENS = [
    line.split("= ", 1)[1]
    for line in (TEXTS / "pypirc_two_tokens.txt").read_text().splitlines()
    if line.startswith("password = ")
]


def classify(client: FlaskClient, text: str, **options: Any) -> dict[str, Any]:
    response = client.post("/v1/classify", json={"text": text, **options})
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    return data


def found(data: dict[str, Any], sit_name: str) -> dict[str, Any]:
    return next(result for result in data["results"] if result["sit"]["name"] == sit_name)


@pytest.mark.parametrize(
    ("options", "sit_name"),
    [
        ({}, "Credit card expiry date"),
        ({"min_confidence": 70}, "Card verification value"),
        ({"sits": ["Credit card expiry date"]}, "Credit card expiry date"),
    ],
)
def test_a_card_number_that_is_only_evidence_is_masked(
    client: FlaskClient, options: dict[str, Any], sit_name: str
) -> None:
    text = (TEXTS / "card_with_expiry.txt").read_text()
    if sit_name == "Card verification value":
        text = "Visa card number 4539148803436467 exp 12/27 cvv 123\n"
    data = classify(client, text, **options)
    found(data, sit_name)  # the case is real: the SIT fires with the card as evidence
    assert CARD not in json.dumps(data)
    assert "4539 1488" not in json.dumps(data)


def test_an_access_key_id_that_is_evidence_for_a_secret_key_is_masked(client: FlaskClient) -> None:
    data = classify(
        client, (TEXTS / "aws_key_pair.txt").read_text(), sits=["Amazon S3 client secret access key"], min_confidence=70
    )
    result = found(data, "Amazon S3 client secret access key")
    evidence = [e for m in result["matches"] for e in m["evidence"]]
    assert any(e["element"] == "key_id" for e in evidence)
    assert AWS_KEY_ID not in json.dumps(data) and AWS_SECRET not in json.dumps(data)


def test_two_pypi_tokens_in_one_pypirc_do_not_show_each_other(client: FlaskClient) -> None:
    assert len(PYPI_TOKENS) == 2
    data = classify(client, (TEXTS / "pypirc_two_tokens.txt").read_text(), context=2000, min_confidence=1)
    shown = json.dumps(data)
    assert found(data, "PyPI API token")["count"] == 2
    for token in PYPI_TOKENS:
        assert token[5:] not in shown  # not even without the kind prefix
        assert token[20:60] not in shown


def test_a_keyword_inside_another_token_does_not_unmask_it(client: FlaskClient) -> None:
    data = classify(client, (TEXTS / "pypirc_two_tokens.txt").read_text(), context=2000, min_confidence=1)
    for result in data["results"]:
        for match in result["matches"]:
            summary = match["summary"]
            for highlight in summary["highlights"]:
                if highlight["kind"] == "keyword":
                    # A highlighted keyword is plain text or a whole masked value, never a
                    # clear piece of a value with a mask beside it.
                    piece = summary["text"][highlight["start"] : highlight["end"]]
                    assert "****" not in piece or MASKED.fullmatch(piece), piece
            for evidence in match["evidence"]:
                assert all(evidence["text"] not in token[4:] for token in PYPI_TOKENS) or "****" in evidence["text"]


def test_a_login_password_inside_a_general_password_summary_is_masked(client: FlaskClient) -> None:
    data = classify(client, (TEXTS / "login_inside_password.txt").read_text(), min_confidence=1)
    assert {r["sit"]["name"] for r in data["results"]} >= {"General password", "User login credentials"}
    assert "Rp7!xk2Q" not in json.dumps(data)
    assert "svc_reports" not in json.dumps(data)


def test_highlights_point_into_the_masked_text(client: FlaskClient) -> None:
    data = classify(client, (TEXTS / "aws_key_pair.txt").read_text(), min_confidence=1)
    for result in data["results"]:
        for match in result["matches"]:
            text = match["summary"]["text"]
            for highlight in match["summary"]["highlights"]:
                piece = text[highlight["start"] : highlight["end"]]
                if highlight["kind"] in {"match", "masked"}:
                    assert "****" in piece, piece


def test_revealing_shows_the_values(make_client: Any) -> None:
    client = make_client(allow_reveal=True)
    data = classify(client, (TEXTS / "card_with_expiry.txt").read_text(), reveal=True)
    assert CARD in json.dumps(data)
