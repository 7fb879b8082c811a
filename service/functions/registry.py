"""Built-in detectors too involved for one regex (Purview's ``Func_*``), registered by name.

A detector takes the text and its checked parameters and yields ``(start, end)`` spans of
code-point offsets. Detectors are pure and must not keep state between calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema

from service.spans import Span

DetectorFunction = Callable[[str, Mapping[str, Any]], Iterable[Span]]


class NoParams(Schema):
    """Parameters schema for detectors that take none (unknown keys are rejected)."""


@dataclass(frozen=True)
class Detector:
    name: str
    find: DetectorFunction
    params_schema: type[Schema] = NoParams
    description: str = ""

    def load_params(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        loaded: dict[str, Any] = self.params_schema().load(dict(raw or {}))
        return loaded


@dataclass
class DetectorRegistry:
    _detectors: dict[str, Detector] = field(default_factory=dict)

    def register(self, name: str, *, params: type[Schema] = NoParams) -> Callable[[DetectorFunction], DetectorFunction]:
        def decorate(func: DetectorFunction) -> DetectorFunction:
            if name in self._detectors:
                raise ValueError(f"detector {name!r} is registered twice")
            self._detectors[name] = Detector(name, func, params, (func.__doc__ or "").strip())
            return func

        return decorate

    def get(self, name: str) -> Detector | None:
        return self._detectors.get(name)

    def names(self) -> list[str]:
        return sorted(self._detectors)


DETECTORS = DetectorRegistry()
register = DETECTORS.register
