"""imsdocs: an Integrated Management System as documentation-as-code.

The public API is the pipeline (`load_project`), its settings and its results; the MkDocs plugin
(`imsdocs.site.plugin`) and the CLI (`imsdocs.cli`) are thin adapters over it. Tests and the
benchmark use only what is exported here.
"""

from .codes import REGISTRY as CODES
from .compliance.coverage import ClauseCoverage, StandardCoverage, Status, roll_up
from .compliance.soa import SoaRow, StatementOfApplicability
from .diagnostics import Code, Diagnostic, Severity
from .history.document_control import (
    Baseline,
    ControlPolicy,
    DocumentControl,
    ReviewState,
    Revision,
    approval_checks,
    control_for,
    review_state,
    versions,
)
from .history.reader import (
    Change,
    Commit,
    History,
    HistoryError,
    HistoryReader,
    Identity,
    Signature,
    pull_request_number,
    read_history,
)
from .model.catalogue import Catalogue, Clause, Exclusion, load_catalogue, migration_map, shipped_catalogues
from .model.documents import Claim, Document, DocumentStatus, ReviewInterval, Schema, check_documents, read_document
from .model.people import Person
from .options import DEFAULT_CLASSIFICATIONS, DEFAULT_TYPES, Settings, option_docs, parse_options, read_mkdocs_yml
from .pipeline import Project, load_project
from .site.rendering import Renderer

__all__ = [
    "CODES",
    "Baseline",
    "Commit",
    "Identity",
    "Signature",
    "DEFAULT_CLASSIFICATIONS",
    "DEFAULT_TYPES",
    "Catalogue",
    "Change",
    "Claim",
    "Clause",
    "ClauseCoverage",
    "Code",
    "ControlPolicy",
    "Diagnostic",
    "Document",
    "DocumentControl",
    "DocumentStatus",
    "Exclusion",
    "History",
    "HistoryError",
    "HistoryReader",
    "Person",
    "Project",
    "Renderer",
    "ReviewInterval",
    "ReviewState",
    "Revision",
    "Schema",
    "Settings",
    "Severity",
    "SoaRow",
    "StandardCoverage",
    "StatementOfApplicability",
    "Status",
    "approval_checks",
    "check_documents",
    "control_for",
    "load_catalogue",
    "load_project",
    "migration_map",
    "shipped_catalogues",
    "option_docs",
    "parse_options",
    "pull_request_number",
    "read_document",
    "read_history",
    "read_mkdocs_yml",
    "review_state",
    "roll_up",
    "versions",
]
