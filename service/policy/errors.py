"""Problems found while loading policies, each naming its file and field path."""

from __future__ import annotations

from collections.abc import Sequence

from service.definitions.errors import Problem


class PolicyError(ValueError):
    """One or more policies are invalid; ``problems`` lists every one found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in policies"
        super().__init__("\n".join([heading, *(f"  {problem}" for problem in self.problems)]))


class UnknownPolicyError(LookupError):
    """No loaded policy has the name asked for."""
