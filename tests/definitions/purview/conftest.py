"""Shared fixtures: the rule packages under tests/fixtures/purview and the XSD written for them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import pytest
import xmlschema

from service.definitions.model import SitDefinition

FIXTURES = Path(__file__).parents[2] / "fixtures" / "purview"
STAFF_PACKAGE = FIXTURES / "fabrikam_staff.xml"


@pytest.fixture(scope="session")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(FIXTURES / "xsd" / "RulePackage.xsd"))


def comparable(definitions: Iterable[SitDefinition]) -> list[SitDefinition]:
    """Definitions without the file they came from, which differs between two imports."""
    return [dataclasses.replace(definition, source="") for definition in definitions]
