"""Round trips, and exported packages validated against the XSD with a real schema validator."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import xmlschema

from service.definitions import load_builtin_definitions
from service.definitions.model import SitDefinition
from service.definitions.purview import Action, export_definitions, import_package
from tests.definitions.purview.conftest import STAFF_PACKAGE, comparable


def canonical(xml: str) -> str:
    return ET.canonicalize(xml, strip_text=True)


def credential_sits() -> list[SitDefinition]:
    definitions = load_builtin_definitions()
    bundle = definitions.bundle("All credentials") or ()
    folder = [d for d in definitions if d.source.startswith("sit_definitions/credentials/")]
    chosen = {d.id: d for d in [*bundle, *folder]}
    assert len(bundle) >= 41 and len(folder) >= 41
    return list(chosen.values())


def test_import_export_import_gives_equal_definitions(schema: xmlschema.XMLSchema) -> None:
    first = import_package(STAFF_PACKAGE.read_bytes(), "first.xml")
    exported = export_definitions(first.definitions)
    schema.validate(exported.xml)
    second = import_package(exported.xml.encode(), "second.xml")
    assert comparable(second.definitions) == comparable(first.definitions)
    assert [e for e in exported.report if e.action is Action.DROPPED] == []  # all of it is representable


def test_export_import_export_gives_equal_xml() -> None:
    first = import_package(STAFF_PACKAGE.read_bytes(), "first.xml")
    exported = export_definitions(first.definitions).xml
    again = export_definitions(import_package(exported.encode(), "again.xml").definitions).xml
    assert canonical(again) == canonical(exported)


def test_builtin_credentials_export_as_a_valid_package(schema: xmlschema.XMLSchema) -> None:
    sits = credential_sits()
    result = export_definitions(sits)
    schema.validate(result.xml)
    entities = ET.fromstring(result.xml).findall(".//{http://schemas.microsoft.com/office/2011/mce}Entity")
    assert len(entities) == len(result.exported) >= len(sits) - 2
    # A SIT left out is named in the report with the reason.
    for missing in {d.name for d in sits} - set(result.exported):
        source = next(d.source for d in sits if d.name == missing)
        assert any(entry.path.startswith(source) and "left out" in entry.message for entry in result.report)


def test_builtin_credentials_survive_export_import_export() -> None:
    exported = export_definitions(credential_sits()).xml
    again = export_definitions(import_package(exported.encode(), "credentials.xml").definitions).xml
    assert canonical(again) == canonical(exported)


def test_what_purview_lacks_is_reported_by_name_on_export() -> None:
    github = next(d for d in credential_sits() if d.name == "GitHub personal access token")
    report = [str(entry) for entry in export_definitions([github]).report]
    source = github.source
    assert f"dropped: {source}: elements.classic_token: validator github_token_crc32: " in "\n".join(report)
    assert any(line.startswith(f"dropped: {source}: elements.hex_after_token: value_group 'key'") for line in report)


def test_equal_elements_are_shared_and_clashing_names_numbered() -> None:
    sits = credential_sits()
    xml = export_definitions(sits).xml
    ids = [e.get("id") for e in ET.fromstring(xml).iter() if e.tag.endswith(("}Regex", "}Keyword"))]
    assert len(ids) == len(set(ids))
    assert any(ident and ident.rsplit(".", 1)[-1].isdigit() for ident in ids)


def test_the_schema_rejects_what_purview_would(schema: xmlschema.XMLSchema) -> None:
    xml = export_definitions(import_package(STAFF_PACKAGE.read_bytes(), "x.xml").definitions).xml
    broken = xml.replace('type="AllDigitsSameFilter"', 'type="NoSuchFilter"', 1)
    assert broken != xml
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate(broken)
