"""Policies: findings and the channel a document travels on, turned into a verdict."""

from service.policy.model import Action, Channel, ChannelKind, Direction, Finding, RuleHit, Verdict

__all__ = ["Action", "Channel", "ChannelKind", "Direction", "Finding", "RuleHit", "Verdict"]
