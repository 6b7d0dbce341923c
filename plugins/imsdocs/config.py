"""Options of the `imsdocs` MkDocs plugin (each documented, because `mkdocs.yml` is its UI)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from .settings import DEFAULT_CLASSIFICATIONS, DEFAULT_SOURCES, DEFAULT_TYPES


class ImsConfig(base.Config):
    standards = c.ListOfItems(c.Type(str), default=[])
    """Standard keys in scope (e.g. `iso27001:2022`); every leaf clause of these must be covered or excluded."""

    sources = c.ListOfItems(c.Type(str), default=list(DEFAULT_SOURCES))
    """Folders beside `mkdocs.yml` whose Markdown files are controlled documents."""

    requirements_dir = c.Type(str, default="requirements_map")
    """Folder with one catalogue YAML file per standard edition, the applicability and correspondence files."""

    applicability_file = c.Type(str, default="applicability.yml")
    """File in `requirements_dir` with exclusions and reasons for inclusion."""

    correspondence_file = c.Type(str, default="correspondence.yml")
    """File in `requirements_dir` with the topics the standards share (the integrated view)."""

    document_types = c.ListOfItems(c.Type(str), default=list(DEFAULT_TYPES))
    """Allowed values of a document's `type`."""

    classifications = c.ListOfItems(c.Type(str), default=list(DEFAULT_CLASSIFICATIONS))
    """Allowed values of a document's `classification`."""

    compliance_dir = c.Type(str, default="compliance")
    """Site folder of the generated pages (matrices, integrated view, SoA, register)."""
