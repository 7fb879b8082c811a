"""Turns the bytes of a document into parts the engine can scan."""

from service.extract.text import decode_text, text_part

__all__ = ["decode_text", "text_part"]
