"""Purview processors (Regex, Keyword, Func_*, Validators, Filters) as our element fields.

Each function returns the YAML-shaped data of our definition files, or raises
``Unrepresentable`` naming the element and why; the caller drops what used it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from service.definitions.purview.boost import RegexTranslationError, from_boost
from service.definitions.purview.package import Package
from service.definitions.purview.vocabulary import (
    DATE_PATTERNS,
    FUNCTIONS_FROM_PURVIEW,
    Unrepresentable,
    date_formats,
    q,
)

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_LIST = re.compile(r"[\s,;]+")


def element_name(ident: str) -> str:
    """A processor id as an element name (letters, digits, ``_ . -``, not starting with a digit)."""
    name = _NOT_NAME.sub("_", ident)
    return name if re.match(r"[A-Za-z_]", name) else f"_{name}"


def id_list(value: str | None) -> list[str]:
    return [item for item in _LIST.split(value or "") if item]


def regex_element(package: Package, ident: str, notes: list[str]) -> dict[str, Any]:
    element = package.regexes[ident]
    path = f"Regex[@id='{ident}']"
    try:
        pattern, case_sensitive, translated = from_boost(element.text or "")
    except RegexTranslationError as error:
        raise Unrepresentable(path, str(error)) from None
    notes.extend(translated)
    raw: dict[str, Any] = {"regex": pattern}
    if not case_sensitive:
        raw["case_sensitive"] = False
    validators = [ref for vid in id_list(element.get("validators")) for ref in _validators(package, vid, path)]
    if validators:
        raw["validators"] = validators
    return raw


def _validators(package: Package, ident: str, path: str) -> list[dict[str, Any]]:
    group = package.validators.get(ident)
    if group is None:
        raise Unrepresentable(path, f"validator {ident!r} is not defined in the package")
    return [_validator(item, f"Validators[@id='{ident}']") for item in group.findall(q("Validator"))]


def _validator(item: ET.Element, path: str) -> dict[str, Any]:
    kind = item.get("type", "")
    params = {p.get("name", ""): (p.text or "").strip() for p in item.findall(q("Param"))}
    where = f"{path}/Validator[@type='{kind}']"
    try:
        if kind == "Checksum":
            return {
                "name": "purview_checksum",
                "params": {
                    "weights": [int(w) for w in _LIST.split(params["Weights"]) if w],
                    "modulus": int(params["Mod"]),
                    "check_digit": int(params["CheckDigit"]),
                    "allow_alphabets": params.get("AllowAlphabets", "0") == "1",
                },
            }
        if kind == "DateSimple" and params.get("Pattern") in DATE_PATTERNS:
            return {"name": "date", "params": {"formats": date_formats(params["Pattern"])}}
    except (KeyError, ValueError):
        raise Unrepresentable(where, "its parameters are missing or not numbers") from None
    raise Unrepresentable(where, "no validator here checks the same thing")


def keyword_parts(package: Package, ident: str) -> dict[str, dict[str, Any]]:
    """One element per (match style, case sensitivity) of the keyword's terms.

    Ours have one style and one case rule per list, Purview's per group and per term.
    """
    parts: dict[tuple[str, bool], list[str]] = {}
    for group in package.keywords[ident].findall(q("Group")):
        style = group.get("matchStyle", "word")
        if style not in ("word", "string"):
            raise Unrepresentable(f"Keyword[@id='{ident}']/Group", f"matchStyle {style!r} is not word or string")
        for term in group.findall(q("Term")):
            text = term.text or ""  # as written: a space inside a term may be deliberate
            if text.strip():
                parts.setdefault((style, term.get("caseSensitive") == "true"), []).append(text)
    if not parts:
        raise Unrepresentable(f"Keyword[@id='{ident}']", "has no terms")
    name = element_name(ident)
    names = [name] if len(parts) == 1 else [f"{name}.{n}" for n in range(1, len(parts) + 1)]
    return {
        part_name: {"keywords": {"terms": terms, "style": style, "case_sensitive": case}}
        for part_name, ((style, case), terms) in zip(names, parts.items(), strict=True)
    }


def function_element(ident: str) -> dict[str, Any]:
    if ident not in FUNCTIONS_FROM_PURVIEW:
        raise Unrepresentable(f"IdMatch|Match[@idRef='{ident}']", "a Purview function with no counterpart here")
    return {"function": FUNCTIONS_FROM_PURVIEW[ident]}


def filter_checks(package: Package, ident: str) -> dict[str, Any]:
    """A Filters element as additional checks on the matched value."""
    group = package.filters.get(ident)
    path = f"Filters[@id='{ident}']"
    if group is None:
        raise Unrepresentable(path, "is not defined in the package")
    checks: dict[str, Any] = {}
    for item in group.findall(q("Filter")):
        kind = item.get("type", "")
        if kind == "AllDigitsSameFilter":
            checks["exclude_repeated_characters"] = True
        elif kind == "TextMatchFilter":
            key, terms = _text_match(package, item, path)
            checks.setdefault(key, []).extend(t for t in terms if t not in checks.get(key, []))
        else:
            raise Unrepresentable(f"{path}/Filter[@type='{kind}']", "a filter type with no counterpart here")
    return checks


def _text_match(package: Package, item: ET.Element, path: str) -> tuple[str, list[str]]:
    direction, logic = item.get("direction", ""), item.get("logic", "Exclude")
    where = f"{path}/Filter[@type='TextMatchFilter']"
    keys = {("StartsWith", "Include"): "starts_with", ("StartsWith", "Exclude"): "not_starts_with"}
    keys |= {("EndsWith", "Include"): "ends_with", ("EndsWith", "Exclude"): "not_ends_with"}
    if (direction, logic) not in keys:
        raise Unrepresentable(where, f"direction {direction!r} with logic {logic!r} has no counterpart here")
    processor = item.get("textProcessorId", "")
    if processor not in package.keywords:
        raise Unrepresentable(where, f"textProcessorId {processor!r} is not a keyword list of the package")
    terms = [t.text or "" for t in package.keywords[processor].iter(q("Term")) if (t.text or "").strip()]
    return keys[(direction, logic)], terms
