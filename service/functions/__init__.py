"""Function elements: named built-in detectors referenced from SIT definitions."""

from service.functions import dates  # noqa: F401  (imported for its registrations)
from service.functions.registry import DETECTORS, Detector, register

__all__ = ["DETECTORS", "Detector", "register"]
