"""The pipeline: catalogues -> documents -> applicability -> coverage, with every problem as data.

The MkDocs plugin and the CLI both call `load_project`; neither adds rules of its own.
"""

from __future__ import annotations

import datetime
import os
import re
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import diagnostics as d
from .applicability import Applicability, load_applicability
from .catalogue import Catalogue, load_catalogue
from .control import Control, ControlPolicy, document_controls
from .correspondence import SharedTopic, load_correspondence
from .coverage import StandardCoverage, compute, gaps
from .documents import Document, Schema, check_documents, read_document
from .history import History, HistoryError, HistoryReader, commit_time
from .people import Person, load_people
from .settings import Settings

# Warnings an organisation may lower to `info` or turn `off` with the `checks` option.
ADJUSTABLE = (
    "approval-mismatch",
    "approval-missing",
    "approval-no-pull-request",
    "approval-self",
    "claim-duplicate",
    "claim-excluded",
    "clause-not-covered",
    "history-no-main-branch",
    "history-shallow",
    "history-unavailable",
    "review-overdue",
    "uncommitted-change",
)
SEVERITIES = {"warning": d.Severity.WARNING, "info": d.Severity.INFO, "off": None}


@dataclass
class Project:
    settings: Settings
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    applicability: Applicability = field(default_factory=lambda: Applicability(""))
    topics: list[SharedTopic] = field(default_factory=list)
    coverage: dict[str, StandardCoverage] = field(default_factory=dict)
    diagnostics: list[d.Diagnostic] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    history: History | None = None
    controls: dict[str, Control] = field(default_factory=dict)
    policy: ControlPolicy | None = None
    _by_id: dict[str, Document] = field(default_factory=dict, repr=False)

    def control(self, doc: Document) -> Control:
        return self.controls.get(doc.id) or Control((), None, history_known=False)

    @property
    def ok(self) -> bool:
        return not d.has_errors(self.diagnostics)

    def document(self, doc_id: str) -> Document | None:
        if len(self._by_id) != len(self.documents):  # templates ask once per link: index, don't scan
            self._by_id = {doc.id: doc for doc in reversed(self.documents)}
        return self._by_id.get(doc_id)


def source_files(settings: Settings) -> list[tuple[Path, str]]:
    """Every Markdown file of the configured source folders, with its site path (`policies/a.md`)."""
    found = []
    for source in settings.sources:
        folder = settings.root / source
        for file in sorted(folder.rglob("*.md")):
            found.append((file, file.relative_to(settings.root).as_posix()))
    return found


def load_project(settings: Settings, *, reader: HistoryReader | None = None, serving: bool = False) -> Project:
    """Everything the site shows, and every problem. `reader` keeps git results across rebuilds."""
    project = Project(settings)
    problems = project.diagnostics
    requirements = settings.root / settings.requirements_dir
    special = {settings.applicability_file, settings.correspondence_file, settings.people_file}

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
    _document_control(project, reader or HistoryReader(), serving)
    project.diagnostics = _adjusted(problems, settings.checks)
    return project


def _document_control(project: Project, reader: HistoryReader, serving: bool) -> None:
    """Versions, approvals and review dates from git (the one slow step, hence the reader's cache)."""
    settings, problems = project.settings, project.diagnostics
    people_display = f"{settings.requirements_dir}/{settings.people_file}"
    project.people, found = load_people(
        settings.root / settings.requirements_dir / settings.people_file, people_display
    )
    problems.extend(found)
    try:
        tz: datetime.tzinfo = zoneinfo.ZoneInfo(settings.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(
            d.error(
                "timezone",
                f"unknown time zone '{settings.timezone}'.",
                "mkdocs.yml",
                hint=d.did_you_mean(settings.timezone, zoneinfo.available_timezones())
                or "Use an IANA name such as 'Europe/London'.",
            )
        )
        tz = datetime.UTC
    # SOURCE_DATE_EPOCH: a reproducible build (and a test) can say which day it is.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    now = datetime.datetime.fromtimestamp(int(epoch), tz) if epoch.isdigit() else datetime.datetime.now(tz)
    history = None
    if settings.history:
        try:
            history = reader.read(settings.root, settings.sources, settings.main_branch)
        except HistoryError as exc:
            problems.append(
                d.warning(
                    "history-unavailable",
                    f"no document history: {exc}. Pages show 'no history' instead of versions and approvals.",
                    hint="Build from a git clone of the repository (with its full history).",
                )
            )
    if history is not None and history.shallow:
        problems.append(
            d.warning(
                "history-shallow",
                "the git clone is shallow: versions, effective dates and revision histories start at the clone's "
                "first commit and are wrong.",
                hint="Fetch the full history: 'git fetch --unshallow' (in GitHub Actions, 'fetch-depth: 0' on "
                "actions/checkout; in GitLab CI, 'GIT_DEPTH: 0').",
            )
        )
    if history is not None and not history.branch_found:
        problems.append(
            d.warning(
                "history-no-main-branch",
                f"the main branch '{settings.main_branch}' was not found (nor 'origin/{settings.main_branch}'): "
                "the history of the checked-out commit is shown as accepted changes.",
                "mkdocs.yml",
                hint="Set 'main_branch' to the branch that holds approved documents, or fetch it.",
            )
        )
    baseline = _baseline(settings, tz, problems)
    project.history = history
    project.policy = ControlPolicy(
        tz, now.date(), baseline, settings.review_due_within_days, serving, not (history and history.shallow)
    )
    project.controls, found = document_controls(project.documents, history, project.people, project.policy)
    problems.extend(found)
    if history is not None:
        for doc in project.documents:
            if doc.path in history.proposed:
                problems.append(
                    d.info(
                        "proposed-change",
                        f"{doc.id} is changed on this branch and not yet on '{history.branch}': shown as proposed.",
                        doc.path,
                    )
                )


def _baseline(settings: Settings, tz: datetime.tzinfo, problems: list[d.Diagnostic]) -> int | None:
    """`approval_baseline` in epoch seconds: the end of the given day, or the given commit's time."""
    value = settings.approval_baseline
    if value is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            problems.append(d.error("baseline", f"approval_baseline '{value}' is not a valid date.", "mkdocs.yml"))
            return None
        return int(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz).timestamp())
    try:
        return commit_time(settings.root, value) + 1
    except HistoryError as exc:
        problems.append(
            d.error(
                "baseline",
                f"approval_baseline: {exc}.",
                "mkdocs.yml",
                hint="Give a date (YYYY-MM-DD) or a commit of the main branch.",
            )
        )
        return None


def _adjusted(problems: list[d.Diagnostic], checks: dict[str, str]) -> list[d.Diagnostic]:
    """Apply the organisation's `checks` severities to warnings (errors are never adjustable)."""
    result = []
    for code, severity in checks.items():
        if code not in ADJUSTABLE:
            result.append(
                d.error(
                    "checks",
                    f"'checks' names an unknown warning '{code}'.",
                    "mkdocs.yml",
                    hint=d.did_you_mean(code, ADJUSTABLE) or f"Known: {', '.join(ADJUSTABLE)}.",
                )
            )
        elif severity not in SEVERITIES:
            result.append(
                d.error("checks", f"'checks: {code}' must be warning, info or off, not '{severity}'.", "mkdocs.yml")
            )
    for problem in problems:
        wanted = checks.get(problem.code, "warning") if problem.severity is d.Severity.WARNING else None
        if wanted is None or wanted not in SEVERITIES:
            result.append(problem)
        elif (level := SEVERITIES[wanted]) is not None:
            result.append(replace(problem, severity=level))
    return result
