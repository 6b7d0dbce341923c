"""imsdocs: an Integrated Management System as documentation-as-code.

The public API is the pipeline (`load_project`) and its results; the MkDocs plugin and the CLI are
thin adapters over it.
"""

from .catalogue import Catalogue, Clause, Exclusion, load_catalogue
from .coverage import StandardCoverage, Status
from .diagnostics import Diagnostic, Severity
from .documents import Claim, Document
from .project import Project, load_project
from .rendering import Renderer
from .settings import Settings, from_mkdocs_yml

__all__ = [
    "Catalogue",
    "Claim",
    "Clause",
    "Diagnostic",
    "Document",
    "Exclusion",
    "Project",
    "Renderer",
    "Settings",
    "Severity",
    "StandardCoverage",
    "Status",
    "from_mkdocs_yml",
    "load_catalogue",
    "load_project",
]
