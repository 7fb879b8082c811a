"""The classification engine: compile definitions once, classify parts many times."""

from service.engine.compiler import compile_scanner
from service.engine.deadline import EngineTimeout
from service.engine.document import Part, PartError
from service.engine.report import Evidence, Match, Rejection, Report, SitResult
from service.engine.scanner import ClassifyOptions, Scanner

__all__ = [
    "ClassifyOptions",
    "EngineTimeout",
    "Evidence",
    "Match",
    "Part",
    "PartError",
    "Rejection",
    "Report",
    "Scanner",
    "SitResult",
    "compile_scanner",
]
