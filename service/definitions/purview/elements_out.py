"""Our elements as Purview processors: Regex (with Validators and Filters), Keyword, Func_*.

Each builder returns the XML of the processor with a placeholder id, plus report notes;
``Unrepresentable`` when the element has no Purview form at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.definitions.model import (
    AdditionalChecks,
    FunctionElement,
    KeywordElement,
    Normalization,
    RegexElement,
    ValidatorRef,
)
from service.definitions.purview import limits
from service.definitions.purview.boost import RegexTranslationError, to_boost
from service.definitions.purview.vocabulary import (
    DATE_PATTERNS,
    FUNCTIONS_TO_PURVIEW,
    Unrepresentable,
    date_formats,
    q,
)
from service.functions import DETECTORS

PLACEHOLDER = "@ID@"
_CHECKS_AS_FILTERS = {
    "starts_with": ("StartsWith", "Include"),
    "not_starts_with": ("StartsWith", "Exclude"),
    "ends_with": ("EndsWith", "Include"),
    "not_ends_with": ("EndsWith", "Exclude"),
}
_CHECKS_DROPPED: tuple[str, ...] = ("exclude_values", "required_prefixes", "forbidden_prefixes")
_CHECKS_DROPPED += ("required_suffixes", "forbidden_suffixes")
# weighted_checksum parameters that Purview's Checksum can express (the defaults).
_PLAIN_WEIGHTED = {"mode": "remainder", "check_alphabet": None, "char_values": "digits", "repeat_weights": False}
_PLAIN_WEIGHTED |= {"weights_from": "left", "length": None, "ignore": " -./"}


@dataclass
class Processor:
    """The XML one element becomes: the processor and what only it uses (validators, filters)."""

    kind: str  # regex, keyword, function
    parts: list[ET.Element] = field(default_factory=list)
    function_id: str = ""  # for a function: Purview's own id, which is never defined in a package
    notes: list[str] = field(default_factory=list)  # what was translated
    dropped: list[str] = field(default_factory=list)  # what was left out
    has_filters: bool = False

    def signature(self) -> str:
        return self.function_id or "".join(ET.tostring(part, encoding="unicode") for part in self.parts)

    def with_id(self, ident: str) -> list[ET.Element]:
        """The parts with their ids set: the processor's own, and ``<id>.validators`` etc. for the rest."""
        return _reparse(self.signature().replace(PLACEHOLDER, ident))


def _reparse(text: str) -> list[ET.Element]:
    wrapper = ET.fromstring(f"<wrapper>{text}</wrapper>")
    return list(wrapper)


def build_processor(element: RegexElement | KeywordElement | FunctionElement, primary: bool) -> Processor:
    if isinstance(element, RegexElement):
        return _regex(element, primary)
    if isinstance(element, KeywordElement):
        return Processor("keyword", [_keyword(PLACEHOLDER, element.terms, element.style, element.case_sensitive)])
    purview = FUNCTIONS_TO_PURVIEW.get(element.function)
    if purview is None:
        raise Unrepresentable("", f"function {element.function!r} has no Purview counterpart")
    processor = Processor("function", function_id=purview)
    if element.function == "date":
        processor.notes.append(f"function date became {purview}, which finds fewer date layouts")
    detector = DETECTORS.get(element.function)
    if detector is not None and dict(element.params) != detector.load_params({}):  # other than the defaults
        processor.dropped.append(f"function parameters {sorted(element.params)}: Purview's functions take none")
    _note_normalize(element.normalize, processor)
    return processor


def _note_normalize(normalize: Normalization, processor: Processor) -> None:
    if normalize is not Normalization.NONE:
        processor.dropped.append(f"normalize: {normalize}: Purview counts distinct values as written")


def _regex(element: RegexElement, primary: bool) -> Processor:
    try:
        pattern, notes = to_boost(element.pattern, element.case_sensitive)
    except RegexTranslationError as error:
        raise Unrepresentable("regex", str(error)) from None
    problem = limits.regex_length_problem(pattern)
    if problem:
        raise Unrepresentable("regex", problem)
    processor = Processor("regex", notes=notes)
    regex = ET.Element(q("Regex"), {"id": PLACEHOLDER})
    regex.text = pattern
    processor.parts.append(regex)
    validators = [v for v in (_validator(ref, processor) for ref in element.validators) if v is not None]
    if validators:
        regex.set("validators", f"{PLACEHOLDER}.validators")
        group = ET.Element(q("Validators"), {"id": f"{PLACEHOLDER}.validators"})
        group.extend(validators)
        processor.parts.append(group)
    if element.value_group:
        processor.dropped.append(f"value_group {element.value_group!r}: Purview reports the whole match")
    _note_normalize(element.normalize, processor)
    if not element.checks.is_empty():
        _filters(element.checks, processor, primary)
    return processor


def _validator(ref: ValidatorRef, processor: Processor) -> ET.Element | None:
    if ref.group is not None:
        processor.dropped.append(f"validator {ref.name} on group {ref.group!r}: Purview validates the whole match")
        return None
    params: Mapping[str, Any] = ref.params
    if ref.name == "purview_checksum":
        return _checksum(params["weights"], params["modulus"], params["check_digit"], params["allow_alphabets"])
    if ref.name == "weighted_checksum" and all(params.get(k) == v for k, v in _PLAIN_WEIGHTED.items()):
        weights = list(params["weights"])
        position = params["check_position"] % (len(weights) + 1)
        processor.notes.append("weighted_checksum became Checksum, the check digit weighted 0")
        return _checksum([*weights[:position], 0, *weights[position:]], params["modulus"], position + 1, False)
    if ref.name == "date":
        pattern = next((p for p in DATE_PATTERNS if list(params.get("formats", ())) == date_formats(p)), None)
        if pattern is not None:
            return _simple("DateSimple", {"Pattern": pattern})
    processor.dropped.append(f"validator {ref.name}: Purview has no validator that checks the same")
    return None


def _checksum(weights: list[int], modulus: int, check_digit: int, letters: bool) -> ET.Element:
    return _simple(
        "Checksum",
        {
            "Weights": ", ".join(str(w) for w in weights),
            "Mod": str(modulus),
            "CheckDigit": str(check_digit),
            "AllowAlphabets": "1" if letters else "0",
        },
    )


def _simple(kind: str, params: dict[str, str]) -> ET.Element:
    validator = ET.Element(q("Validator"), {"type": kind})
    for name, value in params.items():
        ET.SubElement(validator, q("Param"), {"name": name}).text = value
    return validator


def _filters(checks: AdditionalChecks, processor: Processor, primary: bool) -> None:
    if not primary:
        processor.dropped.append("checks: Purview filters apply to a pattern's primary element only")
        return
    group = ET.Element(q("Filters"), {"id": f"{PLACEHOLDER}.filters"})
    if checks.exclude_repeated_characters:
        ET.SubElement(group, q("Filter"), {"type": "AllDigitsSameFilter"})
        processor.notes.append("exclude_repeated_characters became AllDigitsSameFilter (digits only)")
    for key, (direction, logic) in _CHECKS_AS_FILTERS.items():
        terms: tuple[str, ...] = getattr(checks, key)
        if terms:
            keyword_id = f"{PLACEHOLDER}.{key}"
            attributes = {"type": "TextMatchFilter", "direction": direction, "logic": logic}
            ET.SubElement(group, q("Filter"), {**attributes, "textProcessorId": keyword_id})
            processor.parts.append(_keyword(keyword_id, terms, "string", False))
    dropped = [key for key in _CHECKS_DROPPED if getattr(checks, key)]
    processor.dropped.extend(f"checks.{key}: Purview has no such filter" for key in dropped)
    if len(group):
        processor.parts.insert(1, group)
        processor.has_filters = True


def _keyword(ident: str, terms: tuple[str, ...], style: str, case_sensitive: bool) -> ET.Element:
    problems = [message for _, _, message in limits.term_problems(terms)]
    if problems:
        raise Unrepresentable("keywords", problems[0])
    keyword = ET.Element(q("Keyword"), {"id": ident})
    group = ET.SubElement(keyword, q("Group"), {"matchStyle": str(style)})
    for term in terms:
        item = ET.SubElement(group, q("Term"), {"caseSensitive": "true"} if case_sensitive else {})
        item.text = term
    return keyword
