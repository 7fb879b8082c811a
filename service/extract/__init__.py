"""Turns the bytes of a document into the parts the engine classifies."""

from service.extract.extractor import extract_document
from service.extract.formats import archives, mail, office, pdf, text_like  # noqa: F401  (register readers)
from service.extract.limits import ExtractionLimits
from service.extract.text import NotText, decode_text

__all__ = ["ExtractionLimits", "NotText", "decode_text", "extract_document"]
