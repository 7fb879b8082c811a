"""A policy as loaded: named rules, each mapping findings on a channel to an action.

A rule fires when the channel meets its ``where`` conditions, no ``unless`` exception
excuses it, and some SIT it selects is found at its confidence level, often enough and
with enough distinct values. Every rule that fires contributes its action; the verdict
takes the strictest (``Action.strictest``), so the order of rules never matters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from service.policy.model import Action, Channel, ChannelKind, Direction

# Purview's confidence levels, as policies may name them.
CONFIDENCE_LEVELS: Mapping[str, int] = MappingProxyType({"low": 65, "medium": 75, "high": 85})
# Actions only a mail server can carry out; elsewhere they are carried out as BLOCK.
MAIL_ACTIONS = frozenset({Action.QUARANTINE, Action.REJECT})
INCOMPLETE_ACTIONS = (Action.ALLOW, Action.AUDIT, Action.BLOCK)
# Channel conditions that only a mail or only a web channel can meet.
MAIL_CONDITIONS = ("sender_domains", "recipient_domains")
HTTP_CONDITIONS = ("url_hosts", "methods")


def domain_matches(domain: str | None, listed: tuple[str, ...]) -> bool:
    """``domain`` is one of ``listed`` or a subdomain of one (``mail.partner.example`` is in ``partner.example``)."""
    if not domain:
        return False
    domain = domain.lower().rstrip(".")
    return any(domain == entry or domain.endswith("." + entry) for entry in listed)


def address_domain(address: str) -> str | None:
    """The domain of a mail address (``<a@b.example>`` → ``b.example``); None for the null sender."""
    address = address.strip().strip("<>").strip()
    if "@" not in address:
        return None
    return address.rsplit("@", 1)[1].lower().rstrip(".") or None


def content_type_matches(content_type: str | None, listed: tuple[str, ...]) -> bool:
    """``text/*`` matches any text type; parameters (``; charset=``) are ignored."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    major = media.split("/", 1)[0]
    return any(entry == media or (entry.endswith("/*") and entry[:-2] == major) for entry in listed)


@dataclass(frozen=True)
class ChannelCondition:
    """Conditions on the channel; every key given must hold (a key holds when any listed value matches).

    A key the channel has no value for (a URL host on a mail) never holds.
    """

    kinds: frozenset[ChannelKind] | None = None
    directions: frozenset[Direction] | None = None
    methods: frozenset[str] | None = None  # upper case
    url_hosts: tuple[str, ...] | None = None  # lower case domains
    content_types: tuple[str, ...] | None = None  # lower case, 'type/subtype' or 'type/*'
    sender_domains: tuple[str, ...] | None = None
    recipient_domains: tuple[str, ...] | None = None

    def given(self) -> tuple[str, ...]:
        """The names of the keys this condition sets."""
        names = ("kinds", "directions", "methods", "url_hosts", "content_types", *MAIL_CONDITIONS)
        return tuple(name for name in names if getattr(self, name) is not None)

    def holds(self, channel: Channel, every_recipient: bool = False) -> bool:
        """Whether ``channel`` meets every key. ``recipient_domains`` needs one recipient in the
        domains, or, with ``every_recipient`` (exceptions), all of them."""
        checks = (
            self.kinds is None or channel.kind in self.kinds,
            self.directions is None or channel.direction in self.directions,
            self.methods is None or (channel.method or "").upper() in self.methods,
            self.url_hosts is None or domain_matches(channel.url_host, self.url_hosts),
            self.content_types is None or content_type_matches(channel.content_type, self.content_types),
            self.sender_domains is None
            or domain_matches(address_domain(channel.sender) if channel.sender else None, self.sender_domains),
            self.recipient_domains is None or self._recipients_hold(channel, every_recipient),
        )
        return all(checks)

    def _recipients_hold(self, channel: Channel, every_recipient: bool) -> bool:
        assert self.recipient_domains is not None
        matched = [domain_matches(address_domain(r), self.recipient_domains) for r in channel.recipients]
        if not matched:
            return False
        return all(matched) if every_recipient else any(matched)


@dataclass(frozen=True)
class Rule:
    name: str
    action: Action
    sits: tuple[str, ...] = ()  # SIT ids, names or bundle names; empty: every SIT
    min_confidence: int | None = None  # None: each SIT's recommended confidence
    min_count: int = 1  # 0: the rule fires on the channel alone
    max_count: int | None = None
    min_unique: int = 1
    where: ChannelCondition = field(default_factory=ChannelCondition)
    unless: tuple[ChannelCondition, ...] = ()  # exceptions: any one that holds excuses the channel
    on_incomplete: Action | None = None  # None: the default for the action (see incomplete_action)
    # Set by binding to definitions: the confidence each selected SIT must reach, by SIT id.
    thresholds: Mapping[str, int] = field(default_factory=dict, compare=False)

    @property
    def incomplete_action(self) -> Action:
        """What an incomplete classification means for this rule. By default a rule that blocks
        blocks (what was not read may hold what it looks for); any other rule records it."""
        if self.on_incomplete is not None:
            return self.on_incomplete
        if self.action.strictness >= Action.BLOCK.strictness:
            return Action.BLOCK
        return Action.ALLOW if self.action is Action.ALLOW else Action.AUDIT

    def applies_to(self, channel: Channel) -> bool:
        """The channel meets ``where`` and no exception excuses it.

        An exception on recipients excuses a mail only when every recipient is in its domains:
        adding one partner address to a mail must not let it leave to anyone else.
        """
        if not self.where.holds(channel):
            return False
        return not any(exception.holds(channel, every_recipient=True) for exception in self.unless)


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    description: str = ""
    source: str = ""
    # Shipped with the service. Its SIT selectors may name SITs a deployment does not load
    # (DLP_BUILTIN_DEFINITIONS=false): they then select nothing instead of failing start-up.
    builtin: bool = False

    @property
    def floor(self) -> int | None:
        """The lowest confidence any rule looks at: what the classifier must report down to."""
        levels = [level for rule in self.rules for level in rule.thresholds.values()]
        return min(levels, default=None)

    def selected_sits(self) -> frozenset[str]:
        """The ids of every SIT some rule looks at."""
        return frozenset(sit for rule in self.rules for sit in rule.thresholds)

    def rule(self, name: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.name == name), None)


@dataclass(frozen=True)
class PolicySet:
    policies: Mapping[str, Policy]  # by name, in load order
    version: str

    def get(self, name: str) -> Policy | None:
        key = name.strip().casefold()
        return next((p for n, p in self.policies.items() if n.casefold() == key), None)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies.values())

    def __len__(self) -> int:
        return len(self.policies)
