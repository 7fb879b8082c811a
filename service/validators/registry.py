"""Named validators: small pure functions that decide whether a candidate value is genuine.

A validator answers ``None`` when the value passes and a short reason when it fails.
Reasons are shown in explanations, so they describe the failure and never repeat the
value itself (it may be a secret).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema

ValidatorCheck = Callable[[str, Mapping[str, Any]], str | None]
BoundCheck = Callable[[str], str | None]


class EmptyParams(Schema):
    """Parameters schema for validators that take none (unknown keys are rejected)."""


@dataclass(frozen=True)
class Validator:
    name: str
    check: ValidatorCheck
    params_schema: type[Schema] = EmptyParams
    description: str = ""

    def load_params(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate raw parameters; raises ``marshmallow.ValidationError`` naming the bad keys."""
        loaded: dict[str, Any] = self.params_schema().load(dict(raw or {}))
        return loaded

    def bind(self, params: Mapping[str, Any]) -> BoundCheck:
        """Return a one-argument check with its parameters fixed, for the hot loop."""
        check = self.check
        frozen = dict(params)
        return lambda value: check(value, frozen)


@dataclass
class ValidatorRegistry:
    _validators: dict[str, Validator] = field(default_factory=dict)

    def register(
        self,
        name: str,
        *,
        params: type[Schema] = EmptyParams,
        description: str = "",
    ) -> Callable[[ValidatorCheck], ValidatorCheck]:
        def decorate(func: ValidatorCheck) -> ValidatorCheck:
            if name in self._validators:
                raise ValueError(f"validator {name!r} is registered twice")
            self._validators[name] = Validator(name, func, params, description or (func.__doc__ or "").strip())
            return func

        return decorate

    def get(self, name: str) -> Validator | None:
        return self._validators.get(name)

    def names(self) -> list[str]:
        return sorted(self._validators)


VALIDATORS = ValidatorRegistry()
register = VALIDATORS.register
