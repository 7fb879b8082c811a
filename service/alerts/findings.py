"""Which matches of a report become alerts, under the configured rules."""

from __future__ import annotations

from dataclasses import dataclass

from service.alerts.rules import AlertConfig, AlertRule
from service.alerts.store import NewAlert
from service.definitions import DefinitionSet, SitDefinition
from service.engine import Report
from service.summary.fingerprint import Fingerprinter

# What the partner payload's ``source`` says: where the token was seen (GitHub says "content",
# "commit", "gist"...). A classified document has no public URL, so ``url`` stays empty.
SOURCE = "dlp-classifier"


@dataclass(frozen=True)
class BoundRule:
    rule: AlertRule
    sits: dict[str, SitDefinition]  # id → definition


def bind_rules(config: AlertConfig, definitions: DefinitionSet) -> tuple[BoundRule, ...]:
    """The rules with their SITs resolved against the definitions being served."""
    return tuple(BoundRule(rule, {d.id: d for d in definitions.select(rule.sits)}) for rule in config.rules)


def alerts_for_report(
    report: Report, rules: tuple[BoundRule, ...], config: AlertConfig, fingerprinter: Fingerprinter
) -> list[NewAlert]:
    """One alert per distinct value and issuer (the outbox de-duplicates across reports)."""
    alerts: dict[tuple[str, str], NewAlert] = {}
    for result in report.results:
        for bound in rules:
            definition = bound.sits.get(result.sit_id)
            if definition is None:
                continue
            if bound.rule.valid_only and not definition.checksum:
                continue
            threshold = bound.rule.min_confidence or definition.recommended_confidence
            issuer = config.issuers[bound.rule.issuer]
            for match in result.matches:
                if match.confidence < threshold:
                    continue
                fingerprint = fingerprinter.fingerprint(match.normalized)
                key = (issuer.name, fingerprint)
                if key in alerts:
                    continue
                alerts[key] = NewAlert(
                    issuer=issuer.name,
                    fingerprint=fingerprint,
                    sit=definition.name,
                    token_type=bound.rule.token_type,
                    token=match.value if issuer.send_token else fingerprint,
                    url="",
                    source=SOURCE,
                )
    return list(alerts.values())
