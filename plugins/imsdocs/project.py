"""The pipeline: catalogues -> documents -> applicability -> coverage, with every problem as data.

The MkDocs plugin and the CLI both call `load_project`; neither adds rules of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import diagnostics as d
from .applicability import Applicability, load_applicability
from .catalogue import Catalogue, load_catalogue
from .correspondence import SharedTopic, load_correspondence
from .coverage import StandardCoverage, compute, gaps
from .documents import Document, Schema, check_documents, read_document
from .settings import Settings


@dataclass
class Project:
    settings: Settings
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    applicability: Applicability = field(default_factory=lambda: Applicability(""))
    topics: list[SharedTopic] = field(default_factory=list)
    coverage: dict[str, StandardCoverage] = field(default_factory=dict)
    diagnostics: list[d.Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not d.has_errors(self.diagnostics)

    def document(self, doc_id: str) -> Document | None:
        return next((doc for doc in self.documents if doc.id == doc_id), None)


def source_files(settings: Settings) -> list[tuple[Path, str]]:
    """Every Markdown file of the configured source folders, with its site path (`policies/a.md`)."""
    found = []
    for source in settings.sources:
        folder = settings.root / source
        for file in sorted(folder.rglob("*.md")):
            found.append((file, file.relative_to(settings.root).as_posix()))
    return found


def load_project(settings: Settings) -> Project:
    project = Project(settings)
    problems = project.diagnostics
    requirements = settings.root / settings.requirements_dir
    special = {settings.applicability_file, settings.correspondence_file}

    if not requirements.is_dir():
        problems.append(
            d.error(
                "requirements-missing",
                f"the folder '{settings.requirements_dir}' with the clause catalogues does not exist.",
            )
        )
    else:
        for file in sorted(requirements.glob("*.y*ml")):
            if file.name in special:
                continue
            display = file.relative_to(settings.root).as_posix()
            catalogue, found = load_catalogue(file, display)
            problems.extend(found)
            if catalogue is None:
                continue
            if catalogue.key in project.catalogues:
                problems.append(
                    d.error(
                        "standard-duplicate",
                        f"standard '{catalogue.key}' is also defined in {project.catalogues[catalogue.key].path}.",
                        display,
                        1,
                    )
                )
                continue
            project.catalogues[catalogue.key] = catalogue

    for key in settings.standards:
        if key not in project.catalogues:
            problems.append(
                d.error(
                    "unknown-standard",
                    f"standard '{key}' is in scope but no catalogue in '{settings.requirements_dir}' defines it.",
                    "mkdocs.yml",
                    hint=d.did_you_mean(key, project.catalogues)
                    or f"Known standards: {', '.join(sorted(project.catalogues))}.",
                )
            )
    for source in settings.sources:
        if not (settings.root / source).is_dir():
            problems.append(
                d.error(
                    "source-missing",
                    f"the document folder '{source}' does not exist.",
                    hint="Create it or remove it from 'sources'.",
                )
            )

    schema = Schema(settings.document_types, settings.classifications)
    for file, uri in source_files(settings):
        document, found = read_document(file, uri, uri, schema)
        problems.extend(found)
        if document is not None:
            project.documents.append(document)
    problems.extend(check_documents(project.documents, project.catalogues))

    applicability_file = requirements / settings.applicability_file
    display = f"{settings.requirements_dir}/{settings.applicability_file}"
    project.applicability, found = load_applicability(applicability_file, display, project.catalogues)
    problems.extend(found)
    ids = {doc.id for doc in project.documents}
    for standard in project.applicability.standards.values():
        for record in standard.excluded.values():
            if record.scope_statement is not None and record.scope_statement not in ids:
                problems.append(
                    d.error(
                        "exclusion-scope",
                        f"scope_statement '{record.scope_statement}' is no document's id.",
                        display,
                        record.line,
                        d.did_you_mean(record.scope_statement, ids),
                    )
                )

    correspondence = requirements / settings.correspondence_file
    project.topics, found = load_correspondence(
        correspondence, f"{settings.requirements_dir}/{settings.correspondence_file}", project.catalogues
    )
    problems.extend(found)

    in_scope = [k for k in settings.standards if k in project.catalogues]
    project.coverage = compute(project.catalogues, project.documents, project.applicability, in_scope)
    problems.extend(gaps(project.coverage, project.documents, display))
    return project
