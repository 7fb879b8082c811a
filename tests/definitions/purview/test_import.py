"""Importing a rule package: what maps, what is translated, what is named as left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.classify import Document, classify
from service.definitions import load_definitions
from service.definitions.purview import Action, import_package, write_definitions
from service.definitions.sets import DefinitionSet
from service.engine import ClassifyOptions, Scanner, compile_scanner
from tests.definitions.purview.conftest import FIXTURES, STAFF_PACKAGE, comparable

STAFF = "3f9c2d41-7a6b-4e8f-b1d2-9c0e5a7f3b21"
CONTRACTOR = "8e2b6f10-4c3d-4a9e-a7f5-1d6c8b2e9f04"
BADGE = "c41d7e93-2f6a-4b8c-9e15-7a3f0d6b2c88"
LEGACY = "5a0e3c7b-9d21-4f6e-8b4a-2c7d1e9f6a35"


@pytest.fixture(scope="module")
def imported():  # type: ignore[no-untyped-def]
    return import_package(STAFF_PACKAGE.read_bytes(), STAFF_PACKAGE.name)


@pytest.fixture(scope="module")
def scanner(imported) -> Scanner:  # type: ignore[no-untyped-def]
    return compile_scanner(DefinitionSet(tuple(imported.definitions)))


def found(scanner: Scanner, text: str) -> dict[str, int]:
    """SIT name → highest confidence, at any confidence."""
    report = classify(scanner, [Document(text)], ClassifyOptions(min_confidence=1)).report
    return {result.sit_name: result.confidence for result in report.results}


def test_every_representable_entity_becomes_a_definition(imported) -> None:  # type: ignore[no-untyped-def]
    by_id = {definition.id: definition for definition in imported.definitions}
    assert set(by_id) == {STAFF, CONTRACTOR, BADGE}
    staff = by_id[STAFF]
    assert staff.name == "Fabrikam staff number"  # the default language of LocalizedStrings
    assert staff.description.startswith("A seven-digit Fabrikam staff number")
    assert (staff.proximity, staff.recommended_confidence) == (200, 75)
    assert sorted(p.confidence for p in staff.patterns) == [65, 75, 85]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("staff number 1234561 hired 12/03/2019", {"Fabrikam staff number": 75}),
        ("staff number 1234561", {"Fabrikam staff number": 65}),
        ("staff number 1234561 hired 12/03/2019, badge on file", {"Fabrikam staff number": 85}),
        # Any minMatches=0 maxMatches=0: a test value in the window rules the 85 pattern out.
        ("sample staff number 1234561 hired 12/03/2019, badge on file", {"Fabrikam staff number": 75}),
        # Any maxMatches=2 of three: badge, and (staff number and personnel) both hold, so 2 ≤ 2.
        ("personnel staff number 1234561 hired 12/03/2019, badge", {"Fabrikam staff number": 85}),
        ("StaffNo=1234561", {"Fabrikam staff number": 65}),  # the case-sensitive string group
        ("staffno=1234561", {}),
        ("staff number 1234562", {}),  # the checksum fails
        ("staff number 7777777", {}),  # passes the checksum; AllDigitsSameFilter excludes it
        ("staff number 0001232", {}),  # passes the checksum; starts with an excluded prefix
        ("staff number 1234561 hired 31/02/2019", {"Fabrikam staff number": 65}),  # no 31 February
        ("agency code FAB-XY 1234", {"Fabrikam contractor code": 75}),
        ("agency code fab-xy1234", {"Fabrikam contractor code": 75}),  # (?i)
        ("agency code FAB-XY0000", {}),  # the pattern's EndsWith Exclude filter
        ("FAB-XY0000 since 2020-05-17", {"Fabrikam contractor code": 85}),  # Func_us_date, unfiltered
        ("badge B-12345", {"Fabrikam badge id": 75}),
        ("B-12345", {}),
    ],
)
def test_imported_definitions_classify_the_sample_values(scanner: Scanner, text: str, expected: dict[str, int]) -> None:
    assert found(scanner, text) == expected


def test_what_cannot_be_represented_is_named_with_its_path_and_reason(imported) -> None:  # type: ignore[no-untyped-def]
    dropped = [str(entry) for entry in imported.report if entry.action is Action.DROPPED]
    assert dropped == [
        f"dropped: Entity[@id='{STAFF}']/Pattern[4]/Match[@idRef='Keyword_badge']: "
        "minCount 2: a requirement here counts one occurrence; pattern left out",
        f"dropped: Entity[@id='{BADGE}']/Pattern[2]/*[@idRef='{STAFF}']: "
        "refers to another entity; a SIT here cannot require one; pattern left out",
        f"dropped: Entity[@id='{BADGE}']/Pattern[3]/IdMatch|Match[@idRef='Func_credit_card']: "
        "a Purview function with no counterpart here; pattern left out",
        f"dropped: Entity[@id='{LEGACY}']/Pattern[1]/Regex[@id='Regex_legacy_code']: "
        r"\v is a vertical tab in some Boost versions and vertical white space in others; write \x0b; "
        "pattern left out",
        f"dropped: Entity[@id='{LEGACY}']: no pattern could be imported; entity left out",
    ]


def test_translations_are_reported_too(imported) -> None:  # type: ignore[no-untyped-def]
    translated = {entry.message for entry in imported.report if entry.action is Action.TRANSLATED}
    assert "split into Keyword_staff.1, Keyword_staff.2: one match style and case rule per list here" in translated
    assert r"\Q…\E became an escaped literal" in translated
    assert "our date function, which also finds other date layouts than Func_us_date" in translated


def test_filters_become_checks_and_differently_filtered_uses_get_their_own_copy(imported) -> None:  # type: ignore[no-untyped-def]
    contractor = next(d for d in imported.definitions if d.id == CONTRACTOR)
    filtered = contractor.elements["Regex_contractor_code.Filters_contractor"]
    plain = contractor.elements["Regex_contractor_code"]
    assert filtered.checks.not_ends_with == ("0000",)  # type: ignore[union-attr]
    assert plain.checks.is_empty()  # type: ignore[union-attr]
    staff = next(d for d in imported.definitions if d.id == STAFF)
    checks = staff.elements["Regex_staff_number"].checks  # type: ignore[union-attr]
    assert checks.exclude_repeated_characters and checks.not_starts_with == ("000", "999")


def test_written_files_load_as_the_same_definitions(imported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = write_definitions(imported.raw, tmp_path, STAFF_PACKAGE.name)
    assert sorted(p.name for p in paths) == [
        "fabrikam_badge_id.yaml",
        "fabrikam_contractor_code.yaml",
        "fabrikam_staff_number.yaml",
    ]
    assert "&id" not in "".join(p.read_text(encoding="utf-8") for p in paths)  # no YAML anchors
    loaded = load_definitions([tmp_path])
    assert sorted(comparable(loaded), key=lambda d: d.id) == sorted(
        comparable(imported.definitions), key=lambda d: d.id
    )


def test_the_fixture_packages_are_what_the_schema_describes(schema) -> None:  # type: ignore[no-untyped-def]
    assert schema.is_valid(str(STAFF_PACKAGE))
    assert schema.is_valid(str(FIXTURES / "over_limit.xml"))  # valid structure; over Purview's limits


def test_an_id_that_is_not_an_element_name_is_renamed_and_reported(schema) -> None:  # type: ignore[no-untyped-def]
    package = FIXTURES / "odd_ids.xml"
    assert schema.is_valid(str(package))
    result = import_package(package.read_bytes(), package.name)
    (definition,) = result.definitions
    assert set(definition.elements) == {"_1st_locker", "Keyword_locker"}
    assert [str(e) for e in result.report if e.action is Action.RENAMED] == [
        "renamed: Entity[@id='6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f']/*[@idRef='1st:locker']: "
        "element named '_1st_locker'"
    ]
    assert definition.description == "Fabrikam locker number"  # no description given: the name
    scanner = compile_scanner(DefinitionSet(tuple(result.definitions)))
    assert found(scanner, "locker L1234") == {"Fabrikam locker number": 75}
