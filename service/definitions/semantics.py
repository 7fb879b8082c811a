"""Checks a definition's internal consistency once its shape is known to be right.

Field shapes are the schemas' job; here we check what refers to what: patterns to
elements, elements to validators and detectors, regexes to their named groups. Validator
and detector parameters are loaded here too, so defaults are filled in before compiling.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import regex
from marshmallow import ValidationError

from service.definitions.errors import flatten_messages
from service.definitions.model import (
    FunctionElement,
    KeywordElement,
    RegexElement,
    SitDefinition,
    ValidatorRef,
    frozen_mapping,
    requirement_elements,
)
from service.functions import DETECTORS
from service.validators import VALIDATORS


def regex_flags(element: RegexElement) -> int:
    # ASCII classes: identifiers and secrets are ASCII, and a Unicode \d (Arabic-Indic,
    # fullwidth digits…) would only add false positives; Hyperscan prefilters the same way.
    flags: int = regex.ASCII | (0 if element.case_sensitive else regex.IGNORECASE)
    return flags


def check_semantics(definition: SitDefinition) -> tuple[SitDefinition, list[tuple[str, str]]]:
    """Return the definition with parameters loaded, and every ``(path, problem)`` found."""
    problems: list[tuple[str, str]] = []
    elements: dict[str, Any] = {}
    for name, element in definition.elements.items():
        path = f"elements.{name}"
        if isinstance(element, RegexElement):
            elements[name] = _check_regex_element(element, path, problems)
        elif isinstance(element, FunctionElement):
            elements[name] = _check_function_element(element, path, problems)
        else:
            elements[name] = element
            if isinstance(element, KeywordElement) and len(set(element.terms)) != len(element.terms):
                problems.append((f"{path}.keywords.terms", "lists the same term twice"))
    for index, pattern in enumerate(definition.patterns):
        path = f"patterns.{index}"
        if pattern.primary not in definition.elements:
            problems.append((f"{path}.primary", f"unknown element {pattern.primary!r}"))
        for name in requirement_elements(pattern.supporting):
            if name not in definition.elements:
                problems.append((f"{path}.supporting", f"unknown element {name!r}"))
            elif name == pattern.primary:
                problems.append((f"{path}.supporting", f"element {name!r} is already the primary element"))
    names = [pattern.name for pattern in definition.patterns]
    for duplicate in sorted({name for name in names if names.count(name) > 1}):
        problems.append(("patterns", f"two patterns are named {duplicate!r}; give them distinct names"))
    checked = dataclasses.replace(definition, elements=frozen_mapping(elements))
    return checked, problems


def _check_regex_element(element: RegexElement, path: str, problems: list[tuple[str, str]]) -> RegexElement:
    try:
        compiled = regex.compile(element.pattern, regex_flags(element))
    except (regex.error, OverflowError, RecursionError) as error:
        problems.append((f"{path}.regex", f"does not compile: {error}"))
        compiled = None
    groups = set(compiled.groupindex) if compiled is not None else None
    if element.value_group and groups is not None and element.value_group not in groups:
        problems.append((f"{path}.value_group", f"the regex has no group named {element.value_group!r}"))
    refs: list[ValidatorRef] = []
    for index, ref in enumerate(element.validators):
        ref_path = f"{path}.validators.{index}"
        validator = VALIDATORS.get(ref.name)
        if validator is None:
            problems.append(
                (f"{ref_path}.name", f"unknown validator {ref.name!r}; known: {', '.join(VALIDATORS.names())}")
            )
            continue
        if ref.group and groups is not None and ref.group not in groups:
            problems.append((f"{ref_path}.group", f"the regex has no group named {ref.group!r}"))
        try:
            params = validator.load_params(ref.params)
        except ValidationError as error:
            problems.extend(
                (f"{ref_path}.params.{key}".rstrip("."), message) for key, message in flatten_messages(error.messages)
            )
            continue
        refs.append(dataclasses.replace(ref, params=frozen_mapping(params)))
    return dataclasses.replace(element, validators=tuple(refs))


def _check_function_element(element: FunctionElement, path: str, problems: list[tuple[str, str]]) -> FunctionElement:
    detector = DETECTORS.get(element.function)
    if detector is None:
        problems.append(
            (f"{path}.function", f"unknown function {element.function!r}; known: {', '.join(DETECTORS.names())}")
        )
        return element
    try:
        params = detector.load_params(element.params)
    except ValidationError as error:
        problems.extend(
            (f"{path}.params.{key}".rstrip("."), message) for key, message in flatten_messages(error.messages)
        )
        return element
    return dataclasses.replace(element, params=frozen_mapping(params))
