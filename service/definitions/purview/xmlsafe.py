"""Parse rule-package XML with defusedxml: a DTD, an entity or an external reference is an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from service.definitions.purview.vocabulary import NAMESPACE, PurviewError, q

MAX_PACKAGE_BYTES = 10_000_000


def parse_package(data: bytes, source: str) -> ET.Element:
    """The ``RulePackage`` root element, or ``PurviewError`` with one line saying what is wrong."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PurviewError([f"{source}: larger than {MAX_PACKAGE_BYTES:,} bytes"])
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise PurviewError([f"{source}: refused: {type(error).__name__} (DTDs and entities are not allowed)"]) from None
    except ET.ParseError as error:
        line, column = error.position
        raise PurviewError([f"{source}: not well-formed XML at line {line}, column {column + 1}"]) from None
    if root.tag != q("RulePackage"):
        raise PurviewError([f"{source}: the root element is {root.tag!r}, not RulePackage in namespace {NAMESPACE}"])
    return root
