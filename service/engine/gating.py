"""Which keywords a pattern cannot hold without.

Most identifiers are reported only with a keyword nearby ("SSN", "passport", "IBAN"): at
the recommended confidence, a nine-digit number alone is not a finding. When every
reportable pattern of a primary element needs some keyword within its proximity, the
primary only has to be looked for around the occurrences of those keywords, not in the
whole part. In digit-rich text (logs, CSV, tables) this is most of the work saved.
"""

from __future__ import annotations

from service.definitions.model import MatchRequirement, Requirement


def required_keywords(requirement: Requirement | None, keywords: frozenset[str]) -> tuple[str, ...] | None:
    """Keyword elements one of which lies in the window of any match satisfying the requirement.

    None when the requirement can hold with no keyword at all (no requirement, a regex or
    function element that is not a keyword, or an exclusion).
    """
    if requirement is None:
        return None
    if isinstance(requirement, MatchRequirement):
        return (requirement.element,) if requirement.element in keywords else None
    gated: list[str] = []
    ungated = 0
    for child in requirement.of:
        found = required_keywords(child, keywords)
        if found is None:
            ungated += 1
        else:
            gated.extend(name for name in found if name not in gated)
    # Holding needs ``min`` children: more than the ungated children can supply means at
    # least one keyword-gated child holds as well.
    return tuple(gated) if requirement.min > ungated else None
