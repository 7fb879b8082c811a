"""The catalogue of SITs (docs/sits.md), generated from the definitions so it cannot drift."""

from __future__ import annotations

from collections import defaultdict

from service.definitions.model import KeywordElement, SitDefinition
from service.definitions.sets import DefinitionSet

HEADER = """# Sensitive information types

Generated from `sit_definitions/` by `dlp sits catalogue > docs/sits.md`; the test-suite
checks it is up to date. Confidence levels are those of the SIT's patterns; the
recommended one (the default reporting threshold) is in bold.
"""


def _levels(definition: SitDefinition) -> str:
    levels = sorted({p.confidence for p in definition.patterns}, reverse=True)
    return ", ".join(f"**{c}**" if c == definition.recommended_confidence else str(c) for c in levels)


def _keywords(definition: SitDefinition, limit: int = 12) -> str:
    terms: list[str] = []
    for element in definition.elements.values():
        if isinstance(element, KeywordElement):
            terms.extend(t for t in element.terms if t not in terms)
    shown = ", ".join(f"`{t}`" for t in terms[:limit])
    return shown + (f" and {len(terms) - limit} more" if len(terms) > limit else "") if terms else "—"


def render_catalogue(definitions: DefinitionSet) -> str:
    by_category: dict[str, list[SitDefinition]] = defaultdict(list)
    for definition in definitions:
        by_category[definition.category].append(definition)
    lines = [HEADER, f"{len(definitions)} SITs in {len(by_category)} categories.", ""]
    for category in sorted(by_category):
        lines += [
            f"## {category}",
            "",
            "| name | id | checksum | confidence | keywords | bundles |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for definition in sorted(by_category[category], key=lambda d: d.name.casefold()):
            lines.append(
                f"| {definition.name} | `{definition.id}` | {'yes' if definition.checksum else 'no'} | "
                f"{_levels(definition)} | {_keywords(definition)} | {', '.join(definition.bundles) or '—'} |"
            )
        lines.append("")
    bundles = definitions.bundles
    if bundles:
        lines += ["## Bundles", ""]
        for name, members in bundles.items():
            lines.append(f"- **{name}** ({len(members)}): " + ", ".join(sorted(d.name for d in members)))
        lines.append("")
    return "\n".join(lines)
