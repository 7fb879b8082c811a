"""Checksum and structure validators, registered by name and referenced from SIT definitions."""

from service.validators import (  # noqa: F401  (imported for their registrations)
    dates,
    github,
    iso7064,
    luhn,
    placeholder,
    pypi,
    weighted,
)
from service.validators.registry import VALIDATORS, BoundCheck, Validator, register

__all__ = ["VALIDATORS", "BoundCheck", "Validator", "register"]
