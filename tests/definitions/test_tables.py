"""Credential tables: each row becomes an ordinary SIT, and a bad row is named in its problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.definitions import DefinitionError, load_builtin_definitions, load_definitions
from service.definitions.model import MatchRequirement, RegexElement
from service.definitions.tables import value_regex
from service.engine import ClassifyOptions, Part, compile_scanner
from service.engine.examples import run_examples
from tests.conftest import DEFINITION_FIXTURES

TABLES = DEFINITION_FIXTURES / "tables"


def test_rows_expand_into_definitions_with_the_table_defaults() -> None:
    loaded = {d.name: d for d in load_definitions([TABLES / "good"])}
    assert set(loaded) == {"Contoso API key", "Contoso deploy token"}
    gated = loaded["Contoso API key"]
    assert gated.category == "credentials"
    assert gated.bundles == ("Developer credentials", "Contoso credentials")
    assert gated.proximity == 60
    assert gated.checksum is False
    assert gated.source == "good/contoso.yaml: rows[0] (Contoso API key)"
    # A bare shape is never reported alone: its only pattern needs the vendor's name.
    assert [(p.confidence, p.supporting) for p in gated.patterns] == [(85, MatchRequirement("kw_vendor"))]
    secret = gated.elements["secret"]
    assert isinstance(secret, RegexElement)
    assert [v.name for v in secret.validators] == ["not_placeholder", "looks_random"]
    prefixed = loaded["Contoso deploy token"]
    assert prefixed.checksum is True
    assert prefixed.bundles == ("Developer credentials", "Contoso credentials", "Deploy credentials")
    assert [(p.confidence, p.supporting) for p in prefixed.patterns] == [
        (95, MatchRequirement("kw_vendor")),
        (85, None),
    ]


def test_expanded_rows_run_their_examples_and_need_the_vendor_name() -> None:
    definitions = load_definitions([TABLES / "good"])
    scanner = compile_scanner(definitions)
    assert [o.label for o in run_examples(scanner, definitions) if not o.passed] == []
    value = "5c1e9a7f3b2d4e6a8c0f1b3d5e7a9c2b"
    near = scanner.classify([Part("a", f"contoso = {value}")], ClassifyOptions())
    far = scanner.classify([Part("b", "contoso\n" + "x " * 60 + value)], ClassifyOptions())
    assert [r.sit_name for r in near.results] == ["Contoso API key"]
    assert far.results == ()


def test_a_length_list_allows_only_those_lengths() -> None:
    regex = value_regex({"charset": "alnum", "length": (36, 40), "prefix": "ctd_"})
    assert "{40}" in regex and "{36}" in regex and "{37" not in regex


def test_problems_name_the_table_file_and_the_row(tmp_path: Path) -> None:
    target = tmp_path / "tables"
    shutil.copytree(TABLES / "bad", target)
    with pytest.raises(DefinitionError) as caught:
        load_definitions([target])
    problems = sorted(str(problem).split("; known:")[0] for problem in caught.value.problems)
    assert problems == [
        "tables/contoso.yaml: rows[0] (Contoso API key): charset: give either regex or charset and length",
        "tables/contoso.yaml: rows[0] (Contoso API key): length: give either regex or charset and length",
        "tables/contoso.yaml: rows[1] (Contoso webhook secret): charset: Must be one of: hex, hex_upper, hex_any, "
        "digits, alnum, alnum_lower, alnum_upper, base64, base64url, token, uuid.",
        "tables/contoso.yaml: rows[1] (Contoso webhook secret): id: Not a valid UUID.",
        "tables/contoso.yaml: rows[1] (Contoso webhook secret): match: Shorter than minimum length 3.",
        "tables/contoso.yaml: rows[2] (Contoso signing key): elements.secret.validators.2.name: "
        "unknown validator 'no_such_validator'",
    ]


def test_the_built_in_tables_hold_most_credential_sits() -> None:
    sources = [d.source for d in load_builtin_definitions()]
    from_tables = [s for s in sources if "/tables/" in s]
    assert len(sources) >= 400
    assert len(from_tables) >= 250
