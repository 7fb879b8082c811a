"""Presentation of findings: masking of sensitive values (and, later, contextual snippets)."""

from service.summary.masking import mask_value

__all__ = ["mask_value"]
