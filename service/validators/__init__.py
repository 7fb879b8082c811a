"""Checksum and structure validators, registered by name and referenced from SIT definitions.

Every module of this package is imported here, so a new validator is one new module
with a ``@register(...)`` function: nothing else to edit.
"""

import importlib
import pkgutil

from service.validators.registry import VALIDATORS, BoundCheck, Validator, register

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["VALIDATORS", "BoundCheck", "Validator", "register"]
