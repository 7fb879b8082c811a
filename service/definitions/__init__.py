"""SIT definitions: the model, the YAML loader and its schemas, and the linter."""

from service.definitions.errors import DefinitionError, Problem
from service.definitions.loader import (
    builtin_definitions_dir,
    load_builtin_definitions,
    load_definitions,
    parse_definition,
    parse_definition_text,
)
from service.definitions.model import SitDefinition
from service.definitions.sets import DefinitionSet, UnknownSitError

__all__ = [
    "DefinitionError",
    "DefinitionSet",
    "Problem",
    "SitDefinition",
    "UnknownSitError",
    "builtin_definitions_dir",
    "load_builtin_definitions",
    "load_definitions",
    "parse_definition",
    "parse_definition_text",
]
