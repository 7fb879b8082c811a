"""Over HTTP a flood of matches gives a bounded answer with exact counts, and incompleteness is shown."""

from __future__ import annotations

import json
import random

from flask.testing import FlaskClient

from service.validators.luhn import luhn_valid


def distinct_cards(count: int) -> list[str]:
    rng = random.Random(7)
    cards: list[str] = []
    while len(cards) < count:
        body = "4539" + "".join(rng.choice("0123456789") for _ in range(11))
        card = next(body + digit for digit in "0123456789" if luhn_valid(body + digit))
        if card not in cards:
            cards.append(card)
    return cards


def test_a_flood_of_card_numbers_answers_a_bounded_report_with_exact_counts(client: FlaskClient) -> None:
    cards = distinct_cards(3000)
    text = "\n".join(f"visa card {card}" for card in cards)
    response = client.post("/v1/classify", json={"text": text})
    assert response.status_code == 200
    data = response.get_json()
    result = next(r for r in data["results"] if r["sit"]["name"] == "Credit card number")
    assert result["count"] == 3000 and result["unique_count"] == 3000
    assert result["truncated"] is True and len(result["matches"]) == 100
    assert data["truncated"] is True
    assert data["stats"]["matches_found"] >= 3000 and data["stats"]["matches_returned"] <= 1000
    # About 120 KB in; the answer stays a small multiple of it rather than hundreds of times more.
    assert len(response.get_data()) < 40 * len(text.encode())
    assert not any(card in json.dumps(data) for card in cards)


def test_the_answer_lists_incomplete_sits_and_the_complete_flag(client: FlaskClient) -> None:
    data = client.post("/v1/classify", json={"text": "SSN: 536-22-8726"}).get_json()
    assert data["complete"] is True and data["incomplete"] == [] and data["truncated"] is False
    assert data["results"][0]["truncated"] is False
