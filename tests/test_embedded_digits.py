"""A value glued inside a longer run of letters (a hash, a base62 token) is not that value.

Checksum-only number patterns otherwise fire on digit runs inside hex digests and ids:
an NHS number in ``a3f49434765919b2``, a card number in a base62 session token. For every
match example of every SIT, each matched value is wrapped in letters on both sides, as
in a hex or base62 string; the SIT must then find nothing there.
"""

from __future__ import annotations

import random

import pytest

from service.definitions import load_builtin_definitions
from service.engine import ClassifyOptions, Part, Scanner

# SITs whose values are free-form secrets, URLs or encoded blobs: letters are part of the
# value itself, so letters glued to it only make a longer value of the same kind, and the
# delimiters around it (a key name, quotes, a scheme, PEM lines) are what bound it.
FREE_FORM_SECRET = "a free-form secret after its name: letters glued on are part of the secret"
EXCLUDED = {
    "Email address": "local parts and domain names are letters: xxjohn@contoso.comyy is another address",
    "General password": FREE_FORM_SECRET,
    "Client secret / API key": FREE_FORM_SECRET,
    "User login credentials": FREE_FORM_SECRET,
    "Microsoft Entra user credentials": FREE_FORM_SECRET,
    "Database connection string password": FREE_FORM_SECRET,
    "Azure SQL connection string": FREE_FORM_SECRET,
    "Azure App Service deployment password": FREE_FORM_SECRET,
    "Azure Bot service app secret": FREE_FORM_SECRET,
    "Azure Container Registry access key": FREE_FORM_SECRET,
    "Azure Machine Learning web service API key": FREE_FORM_SECRET,
    "Docker registry credentials": FREE_FORM_SECRET,
    "HTTP authorization header": "any token after an Authorization header or an API key header name",
    "Azure Logic App shared access signature": "the sig parameter of a URL: base64url, bounded by & or the URL's end",
    "Azure Storage account shared access signature": "the sig parameter of a URL: base64, bounded by & or its end",
    "Azure Storage account shared access signature for high-risk resources": "the sig parameter of a URL",
    "Azure subscription management certificate": "a base64 attribute value, bounded by its quotes",
    "ASP.NET machine key": "hex attribute values, bounded by their quotes",
    "X.509 certificate private key": "a PEM block, bounded by its BEGIN and END lines",
    "Slack incoming webhook URL": "a URL: letters before the scheme or after the token leave a real webhook inside",
}
# Patterns of other SITs that find a free-form value in a URL.
EXCLUDED_PATTERNS = {
    ("GitHub personal access token", "user credentials in URL (a password written into a link)"): (
        "a password inside a URL, bounded by : and @"
    ),
}

HEX_LETTERS = "abcdef"
BASE62_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# Categories of identifiers written as numbers: cards, accounts, national and medical ids.
NUMERIC_CATEGORIES = {"financial", "national_id", "personal", "medical"}


def cases(categories: set[str] | None = None) -> list[tuple[str, int]]:
    return [
        (definition.name, index)
        for definition in load_builtin_definitions()
        if definition.name not in EXCLUDED and (categories is None or definition.category in categories)
        for index in range(len(definition.examples.match))
    ]


CASES = cases()
NUMERIC_CASES = cases(NUMERIC_CATEGORIES)


def glue(
    text: str, spans: list[tuple[int, int]], letters: str, sides: str, rng: random.Random
) -> tuple[str, list[tuple[int, int]]]:
    """The text with letters glued to the spans, and where the glued runs now are.

    ``sides`` is ``both``, or ``left``/``right`` to glue on one side only, where the value's
    edge is a digit, so that each look-around has to refuse on its own.
    """
    glued: list[tuple[int, int]] = []
    for start, end in sorted(spans, reverse=True):
        left = sides == "both" or (sides == "left" and text[start].isdigit())
        right = sides == "both" or (sides == "right" and text[end - 1].isdigit())
        if not (left or right):
            continue
        before = "".join(rng.choice(letters) for _ in range(rng.randint(2, 4))) if left else ""
        after = "".join(rng.choice(letters) for _ in range(rng.randint(2, 4))) if right else ""
        text = text[:start] + before + text[start:end] + after + text[end:]
        shift = len(before) + len(after)
        glued = [(a + shift, b + shift) for a, b in glued]
        glued.append((start, end + shift))
    return text, glued


def findings_in_glued_runs(scanner: Scanner, sit: str, index: int, letters: str, sides: str) -> list[str]:
    definition = next(d for d in scanner.definitions if d.name == sit)
    text = definition.examples.match[index].text
    options = ClassifyOptions(min_confidence=1, sits=(definition.id,))
    result = scanner.classify([Part("doc", text)], options).result_for(definition.id)
    assert result is not None, "the example itself must match"
    rng = random.Random(f"{sit}{index}{letters}{sides}")
    glued_text, runs = glue(text, [(m.start, m.end) for m in result.matches], letters, sides, rng)
    after = scanner.classify([Part("doc", glued_text)], options).result_for(definition.id)
    return [
        f"{glued_text[m.start : m.end]!r} by {m.pattern!r}"
        for m in (after.matches if after is not None else ())
        if (sit, m.pattern) not in EXCLUDED_PATTERNS and any(m.start < b and a < m.end for a, b in runs)
    ]


@pytest.mark.parametrize(("sit", "index"), CASES, ids=[f"{sit}/match[{index}]" for sit, index in CASES])
@pytest.mark.parametrize("letters", [HEX_LETTERS, HEX_LETTERS.upper(), BASE62_LETTERS], ids=["hex", "HEX", "base62"])
def test_a_value_glued_inside_letters_is_not_found(
    builtin_scanner: Scanner, sit: str, index: int, letters: str
) -> None:
    assert findings_in_glued_runs(builtin_scanner, sit, index, letters, "both") == []


@pytest.mark.parametrize(("sit", "index"), NUMERIC_CASES, ids=[f"{sit}/match[{index}]" for sit, index in NUMERIC_CASES])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_number_with_letters_glued_to_one_side_is_not_found(
    builtin_scanner: Scanner, sit: str, index: int, side: str
) -> None:
    assert findings_in_glued_runs(builtin_scanner, sit, index, HEX_LETTERS + BASE62_LETTERS, side) == []


def test_exclusions_name_builtin_sits() -> None:
    names = {definition.name for definition in load_builtin_definitions()}
    assert set(EXCLUDED) <= names
    assert {sit for sit, _ in EXCLUDED_PATTERNS} <= names
