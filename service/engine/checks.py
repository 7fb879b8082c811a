"""Purview's additional checks on a candidate, and value normalization for counting."""

from __future__ import annotations

from service.definitions.model import AdditionalChecks, Normalization

# How far around a candidate to look for a required or forbidden prefix/suffix.
AFFIX_WINDOW = 64


def normalize(value: str, how: Normalization) -> str:
    if how is Normalization.DIGITS:
        return "".join(char for char in value if char.isdigit())
    if how is Normalization.ALNUM:
        return "".join(char for char in value if char.isalnum())
    if how is Normalization.LOWER:
        return value.lower()
    if how is Normalization.UPPER_ALNUM:
        return "".join(char for char in value if char.isalnum()).upper()
    return value


def failed_check(checks: AdditionalChecks, value: str, normalized: str, text: str, start: int, end: int) -> str | None:
    """The first additional check the candidate fails, as a reason; None when all pass."""
    if checks.exclude_values and (
        value.casefold() in checks.exclude_values or normalized.casefold() in checks.exclude_values
    ):
        return "value is in the excluded values"
    if checks.exclude_repeated_characters:
        significant = [char for char in value if char.isalnum()]
        if significant and len(set(significant)) == 1:
            return "value repeats a single character"
    if checks.starts_with and not value.startswith(checks.starts_with):
        return "value does not start with a required sequence"
    if checks.not_starts_with and value.startswith(checks.not_starts_with):
        return "value starts with an excluded sequence"
    if checks.ends_with and not value.endswith(checks.ends_with):
        return "value does not end with a required sequence"
    if checks.not_ends_with and value.endswith(checks.not_ends_with):
        return "value ends with an excluded sequence"
    if checks.required_prefixes or checks.forbidden_prefixes:
        before = text[max(0, start - AFFIX_WINDOW) : start].rstrip().casefold()
        if checks.required_prefixes and not any(before.endswith(p.casefold()) for p in checks.required_prefixes):
            return "not preceded by a required prefix"
        if any(before.endswith(p.casefold()) for p in checks.forbidden_prefixes):
            return "preceded by an excluded prefix"
    if checks.required_suffixes or checks.forbidden_suffixes:
        after = text[end : end + AFFIX_WINDOW].lstrip().casefold()
        if checks.required_suffixes and not any(after.startswith(s.casefold()) for s in checks.required_suffixes):
            return "not followed by a required suffix"
        if any(after.startswith(s.casefold()) for s in checks.forbidden_suffixes):
            return "followed by an excluded suffix"
    return None
