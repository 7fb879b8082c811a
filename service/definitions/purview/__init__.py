"""Purview rule-package XML: import into our definitions and export from them."""

from service.definitions.purview.exporter import ExportResult, export_definitions
from service.definitions.purview.importer import ImportResult, import_package
from service.definitions.purview.limits import purview_limit_findings
from service.definitions.purview.vocabulary import Action, PurviewError, ReportEntry
from service.definitions.purview.yaml_out import definition_yaml, definitions_yaml, write_definitions

__all__ = [
    "Action",
    "ExportResult",
    "ImportResult",
    "PurviewError",
    "ReportEntry",
    "definition_yaml",
    "definitions_yaml",
    "export_definitions",
    "import_package",
    "purview_limit_findings",
    "write_definitions",
]
