"""The pipeline: catalogues -> documents -> applicability -> coverage -> document control.

The MkDocs plugin and the CLI both call `load_project`; neither adds rules of its own.
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import os
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import codes
from .compliance.coverage import StandardCoverage, Status, compute, gaps
from .compliance.mandatory import MandatoryStatus, load_mandatory, mandatory_status
from .compliance.records import RecordDue, record_schedule
from .compliance.soa import StatementOfApplicability, soa_checks, soa_page, statement_of_applicability
from .diagnostics import Diagnostic, apply_checks, did_you_mean, has_errors
from .history.document_control import Baseline, ControlPolicy, DocumentControl, document_controls
from .history.reader import Change, History, HistoryError, HistoryReader, resolve_commit
from .history.signatures import load_allowed_signers
from .model.applicability import Applicability, check_scope_statements, claims_of_excluded, load_applicability
from .model.catalogue import Catalogue, load_catalogue, shipped_catalogues
from .model.correspondence import SharedTopic, load_correspondence
from .model.documents import Document, DocumentStatus, Schema, check_documents, document_from, read_document
from .model.people import Person, load_people, resolve
from .model.references import reference_targets, unknown_references
from .model.sources import SourceFile, broken_links, check_attachments, compliance_dir_clashes, scan_sources
from .model.yamlfile import Node
from .options import Settings


@dataclass(frozen=True)
class BuildStamp:
    """What a printout or an export was built from, so that it can be traced to a version."""

    commit: str | None  # HEAD, or None outside git
    clean: bool | None  # whether the working tree had no uncommitted change (None: unknown)
    built_at: datetime.datetime
    version: str  # of imsdocs

    def text(self) -> str:
        commit = f"commit {self.commit[:10]}" if self.commit else "no git commit"
        tree = "" if self.clean is None else " (working tree clean)" if self.clean else " (with uncommitted changes)"
        return f"Built from {commit}{tree} on {self.built_at:%Y-%m-%d %H:%M %Z} by imsdocs {self.version}"

    def to_json(self) -> dict[str, object]:
        return {
            "commit": self.commit,
            "clean": self.clean,
            "built_at": self.built_at.isoformat(timespec="seconds"),
            "imsdocs": self.version,
        }


def package_version() -> str:
    try:
        return importlib.metadata.version("imsdocs")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


@dataclass
class Project:
    """Everything the site shows about an IMS, and every problem found on the way."""

    settings: Settings
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    sources: list[SourceFile] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    applicability: Applicability = field(default_factory=lambda: Applicability(""))
    topics: list[SharedTopic] = field(default_factory=list)
    coverage: dict[str, StandardCoverage] = field(default_factory=dict)
    soa: StatementOfApplicability | None = None
    soa_document: Document | None = None
    mandatory: list[MandatoryStatus] = field(
        default_factory=list
    )  # per in-scope standard, each required item  # the SoA under document control (the applicability file's `document:`)
    withheld: set[str] = field(default_factory=set)  # site paths of documents and attachments above publish_up_to
    references: dict[str, Document] = field(default_factory=dict)  # citable id -> the document that holds it
    records_due: list[RecordDue] = field(default_factory=list)  # recurring records overdue or due soon
    diagnostics: list[Diagnostic] = field(default_factory=list)
    folded: list[Diagnostic] = field(default_factory=list)  # findings a summary stands for (`check --verbose`)
    people: list[Person] = field(default_factory=list)
    history: History | None = None
    controls: dict[str, DocumentControl] = field(default_factory=dict)
    policy: ControlPolicy | None = None
    stamp: BuildStamp | None = None
    tz: datetime.tzinfo = datetime.UTC  # the configured time zone: dates shown and reviews due in it
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))  # of the build
    _by_id: dict[str, Document] = field(default_factory=dict, repr=False)

    def control(self, doc: Document) -> DocumentControl:
        """The document's control record (an empty one when no history was read)."""
        return self.controls.get(doc.id) or DocumentControl((), None, history_known=False)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def published(self, doc: Document) -> bool:
        """Whether this build publishes the document (its classification is at most `publish_up_to`)."""
        return doc.src_uri not in self.withheld

    def document(self, doc_id: str) -> Document | None:
        if len(self._by_id) != len(self.documents):  # templates ask once per link: index, don't scan
            self._by_id = {doc.id: doc for doc in reversed(self.documents)}
        return self._by_id.get(doc_id)


def load_project(settings: Settings, *, reader: HistoryReader | None = None, serving: bool = False) -> Project:
    """Everything the site shows, and every problem. `reader` keeps git results across rebuilds.

    Git works in processes of its own, so the history is read in a thread while the sources load."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(read_project_history, settings, reader or HistoryReader())
        project = load_sources(settings)
        add_history(project, pending.result(), serving)
    return project


@dataclass(frozen=True)
class HistoryRead:
    """The result of the slow step: the history (None without git) and what went wrong reading it."""

    history: History | None
    problems: tuple[Diagnostic, ...] = ()


def read_project_history(settings: Settings, reader: HistoryReader) -> HistoryRead:
    """The git history of the document folders and the requirements folder (safe to run in a thread)."""
    problems: list[Diagnostic] = []
    requirements = settings.root / settings.requirements_dir
    signers = None
    if settings.allowed_signers is not None and settings.signatures != "off":
        signers, found = load_allowed_signers(
            requirements / settings.allowed_signers, f"{settings.requirements_dir}/{settings.allowed_signers}"
        )
        problems.extend(found)
    if not settings.history:
        return HistoryRead(None, tuple(problems))
    try:
        history = reader.read(
            settings.root,
            # The requirements folder too: the SoA is controlled by the history of its files.
            [*settings.sources, settings.requirements_dir],
            settings.main_branch,
            allowed_signers=signers.file if signers else None,
            signatures=settings.signatures != "off",
            notes=settings.approval_notes,
        )
    except HistoryError as exc:
        problems.append(
            codes.HISTORY_UNAVAILABLE(
                f"no document history: {exc}. Pages show 'no history' instead of versions and approvals.",
                hint="Build from a git clone of the repository (with its full history).",
            )
        )
        return HistoryRead(None, tuple(problems))
    return HistoryRead(history, tuple(problems))


def load_sources(settings: Settings) -> Project:
    """Everything that does not need git: catalogues, documents, coverage, people, schedules."""
    project = Project(settings)
    problems = project.diagnostics
    requirements = settings.root / settings.requirements_dir
    special = {settings.applicability_file, settings.correspondence_file, settings.people_file, settings.mandatory_file}
    if settings.allowed_signers:
        special.add(settings.allowed_signers)
    conflicted: set[str] = set()

    problems.extend(_catalogues(project, requirements, special, conflicted))

    for key in settings.standards:
        if key not in project.catalogues:
            problems.append(
                codes.UNKNOWN_STANDARD(
                    f"standard '{key}' is in scope but no catalogue in '{settings.requirements_dir}' defines it.",
                    "mkdocs.yml",
                    hint=_nearest(key, project.catalogues),
                )
            )

    project.sources, found = scan_sources(
        settings.root, settings.sources, docs_dir=settings.docs_dir, use_directory_urls=settings.use_directory_urls
    )
    problems.extend(found)
    problems.extend(compliance_dir_clashes(settings.root, settings.sources, settings.docs_dir, settings.compliance_dir))
    schema = Schema(settings.document_types, settings.classifications, settings.unclaimed_types)
    for source in project.sources:
        if source.is_document:
            document, found = read_document(source.file, source.uri, source.uri, schema)
            problems.extend(found)
            if document is not None:
                project.documents.append(document)
    problems.extend(check_documents(project.documents, project.catalogues, skip=conflicted))
    project.references, found = reference_targets(project.documents)
    problems.extend(found)
    problems.extend(unknown_references(project.documents, project.references))
    attached = {
        uri: (doc.id, doc.path, doc.lines.get("attachments", 1)) for doc in project.documents for uri in doc.attachments
    }
    problems.extend(check_attachments(project.sources, attached))
    problems.extend(
        broken_links(project.documents, project.sources, settings.root, settings.docs_dir, settings.compliance_dir)
    )
    project.withheld = {
        uri
        for doc in project.documents
        if not settings.published(doc.classification)
        for uri in (doc.src_uri, *doc.attachments)
    }

    display = f"{settings.requirements_dir}/{settings.applicability_file}"
    project.applicability, found = load_applicability(
        requirements / settings.applicability_file, display, project.catalogues, skip=conflicted
    )
    problems.extend(found)
    problems.extend(check_scope_statements(project.applicability, (doc.id for doc in project.documents)))

    project.topics, found = load_correspondence(
        requirements / settings.correspondence_file,
        f"{settings.requirements_dir}/{settings.correspondence_file}",
        project.catalogues,
        skip=conflicted,
    )
    problems.extend(found)

    in_scope = [k for k in settings.standards if k in project.catalogues]
    project.coverage = compute(project.catalogues, project.documents, project.applicability, in_scope)
    project.soa = statement_of_applicability(project.coverage)
    if project.applicability.document is not None:
        soa_document, found = document_from(
            _without_satisfies(project.applicability.document), display, soa_page(settings.compliance_dir), schema
        )
        problems.extend(found)
        if soa_document is not None and project.document(soa_document.id) is not None:
            problems.append(
                codes.DOCUMENT_ID_DUPLICATE(
                    f"the SoA's id '{soa_document.id}' is also used by {project.document(soa_document.id).path}.",  # type: ignore[union-attr]
                    display,
                    project.applicability.document.line,
                )
            )
        elif soa_document is not None:
            project.soa_document = soa_document
    elif project.soa is not None:
        problems.append(
            codes.SOA_UNCONTROLLED(
                "the applicability file has no 'document:' block: the Statement of Applicability has no id, owner, "
                "approver, version or approval.",
                display,
                1,
                "Add document: {id: SOA-001, title: Statement of Applicability, type: register, owner: ..., "
                "approver: ..., status: approved, review_interval: 12 months, classification: internal}.",
            )
        )
    problems.extend(gaps(project.coverage, display))
    lists, found = load_mandatory(
        requirements / settings.mandatory_file,
        f"{settings.requirements_dir}/{settings.mandatory_file}",
        project.catalogues,
    )
    problems.extend(found)
    providers = [*project.documents, *([project.soa_document] if project.soa_document else [])]
    project.mandatory, found = mandatory_status(lists, project.coverage, providers)
    problems.extend(found)
    problems.extend(claims_of_excluded(project.applicability, project.documents, project.catalogues))
    project.people, found = load_people(
        requirements / settings.people_file, f"{settings.requirements_dir}/{settings.people_file}"
    )
    problems.extend(found)
    try:
        project.tz = zoneinfo.ZoneInfo(settings.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # parse_options reports it; tests may skip parsing
        project.tz = datetime.UTC
    project.now = build_time(project.tz)
    if project.soa is not None:
        problems.extend(soa_checks(project.soa, project.now.date(), project.applicability.path))
    project.records_due, found = record_schedule(project.documents, project.now.date(), settings.review_due_within_days)
    problems.extend(found)
    project.diagnostics, project.folded = _checked(problems, project)
    return project


def _checked(problems: list[Diagnostic], project: Project) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Findings summarised by cause, then at the levels `checks` sets: (shown, folded into a summary)."""
    kept, folded = _summarised(problems, project)
    checks = project.settings.checks
    return apply_checks(kept, checks), apply_checks(folded, checks)


def add_history(project: Project, read: HistoryRead, serving: bool = False) -> list[Diagnostic]:
    """Versions, approvals and review dates from the history; returns the findings it adds to the project."""
    settings, history = project.settings, read.history
    problems = list(read.problems)
    if history is not None and history.shallow:
        problems.append(
            codes.HISTORY_SHALLOW(
                "the git clone is shallow: versions, effective dates and revision histories start at the clone's "
                "first commit and are wrong.",
                hint="Fetch the full history: 'git fetch --unshallow' (in GitHub Actions, 'fetch-depth: 0' on "
                "actions/checkout; in GitLab CI, 'GIT_DEPTH: 0').",
            )
        )
    if history is not None and not history.branch_found:
        problems.append(
            codes.HISTORY_NO_MAIN_BRANCH(
                f"the main branch '{settings.main_branch}' was not found (nor 'origin/{settings.main_branch}'): "
                "the history of the checked-out commit is shown as accepted changes.",
                "mkdocs.yml",
                hint="Set 'main_branch' to the branch that holds approved documents, or fetch it.",
            )
        )
    project.history = history
    now, tz = project.now, project.tz
    project.stamp = BuildStamp(
        history.head_commit if history is not None else None,
        history.clean if history is not None else None,
        now,
        package_version(),
    )
    project.policy = ControlPolicy(
        tz,
        now.date(),
        resolve_baseline(settings, history, tz, project.people, problems) if history is not None else None,
        settings.review_due_within_days,
        serving,
        not (history and history.shallow),
        settings.signatures == "require",
        int(now.timestamp()),
    )
    controlled = [*project.documents, *([project.soa_document] if project.soa_document else [])]
    project.controls, found = document_controls(
        controlled, history, project.people, project.policy, changes=_soa_changes(project, history)
    )
    problems.extend(found)
    if history is not None:
        for doc in project.documents:
            if doc.path in history.proposed:
                problems.append(
                    codes.PROPOSED_CHANGE(
                        f"{doc.id} is changed on this branch and not yet on '{history.branch}': shown as proposed.",
                        doc.path,
                    )
                )
    shown, folded = _checked(problems, project)
    project.diagnostics.extend(shown)
    project.folded.extend(folded)
    return shown


def _catalogues(project: Project, requirements: Path, special: set[str], conflicted: set[str]) -> list[Diagnostic]:
    """The shipped catalogues, then the project's: a project file adds a standard or overrides a shipped one."""
    settings = project.settings
    problems: list[Diagnostic] = []
    shipped = shipped_catalogues()
    for key, (file, display) in shipped.items():
        catalogue, found = _cached_catalogue(file, display)
        problems.extend(found)
        if catalogue is not None:
            project.catalogues[key] = catalogue
    if not requirements.is_dir():
        problems.append(
            codes.REQUIREMENTS_MISSING(
                f"the folder '{settings.requirements_dir}' with the applicability file does not exist."
            )
        )
        return problems
    own: dict[str, str] = {}
    for file in sorted(requirements.glob("*.y*ml")):
        if file.name in special:
            continue
        display = file.relative_to(settings.root).as_posix()
        catalogue, errors = load_catalogue(file, display)
        problems.extend(errors)
        if catalogue is None:
            continue
        if catalogue.key in own:
            # Either file may be the genuine one: name both, and check no claim against either.
            problems.append(
                codes.STANDARD_DUPLICATE(
                    f"standard '{catalogue.key}' is defined by both {own[catalogue.key]} and {display}.",
                    display,
                    1,
                    hint="Keep one file per standard edition; give the other its own 'standard' key.",
                )
            )
            conflicted.add(catalogue.key)
            continue
        if catalogue.key in shipped:
            problems.append(
                codes.CATALOGUE_OVERRIDDEN(
                    f"this file replaces the catalogue of '{catalogue.key}' that ships with imsdocs.",
                    display,
                    1,
                    hint="Remove the file to use the shipped catalogue, or lower this check if the change is deliberate.",
                )
            )
        own[catalogue.key] = display
        project.catalogues[catalogue.key] = catalogue
    return problems


@functools.lru_cache(maxsize=16)
def _cached_catalogue(file: Path, display: str) -> tuple[Catalogue | None, tuple[Diagnostic, ...]]:
    """A shipped catalogue, read once per process (`mkdocs serve` rebuilds, the CLI's commands)."""
    catalogue, problems = load_catalogue(file, display)
    return catalogue, tuple(problems)


def _without_satisfies(node: Node) -> Node:
    """The SoA's document block as front matter: it claims no clause (it is the applicability itself)."""
    if "satisfies" in node.value or not node.is_mapping:
        return node
    return Node(
        {**node.value, "satisfies": Node({}, node.line)},
        node.line,
        key_lines={**node.key_lines, "satisfies": node.line},
    )


def _nearest(key: str, catalogues: dict[str, Catalogue]) -> str:
    return did_you_mean(key, catalogues) or f"Known standards: {', '.join(sorted(catalogues))}."


def build_time(tz: datetime.tzinfo) -> datetime.datetime:
    """When this build runs: now, or SOURCE_DATE_EPOCH (a reproducible build, or a test, says which day it is)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.datetime.fromtimestamp(int(epoch), tz) if epoch.isdigit() else datetime.datetime.now(tz)


# From this many findings on, one cause behind them is stated once instead (`check --verbose` lists them).
SUMMARY_MIN = {"drafts": 10, "commit": 5, "unclaimed": 20}


def _summarised(problems: list[Diagnostic], project: Project) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Findings that repeat for many documents from one cause become one finding naming the cause and the fix."""
    groups: dict[tuple[str, str], list[Diagnostic]] = {}
    for problem in problems:
        if problem.cause is not None:
            groups.setdefault(_cause_key(problem), []).append(problem)
    summaries: dict[tuple[str, str], Diagnostic] = {}
    for key, found in groups.items():
        cause = key[1]
        subjects = {d.path or d.message for d in found}
        if len(subjects) >= SUMMARY_MIN[cause.split(":", 1)[0]]:
            summaries[key] = _summary(found[0].code, cause, found, project)
    if not summaries:
        return problems, []
    kept: list[Diagnostic] = []
    folded: list[Diagnostic] = []
    emitted: set[tuple[str, str]] = set()
    for problem in problems:
        key = _cause_key(problem)
        if key not in summaries:
            kept.append(problem)
            continue
        folded.append(problem)
        if key not in emitted:  # the summary takes the place of the first finding it stands for
            emitted.add(key)
            kept.append(summaries[key])
    return kept, folded


def _cause_key(problem: Diagnostic) -> tuple[str, str]:
    """One commit without approval raises several codes per document; they are one cause, so one summary."""
    cause = problem.cause or ""
    return ("" if cause.startswith("commit:") else problem.code, cause)


def _summary(code: str, cause: str, found: list[Diagnostic], project: Project) -> Diagnostic:
    declared = codes.REGISTRY[code]
    count = len(found)
    if cause == "drafts":
        drafts = sum(doc.status is not DocumentStatus.APPROVED for doc in project.documents)
        what = "requirements are" if code == "clause-not-covered" else "items of mandatory documented information are"
        return declared(
            f"{count} {what} claimed only by documents that are not approved yet ({drafts} drafts): one cause, "
            "not separate gaps.",
            hint="Write the drafts, have them approved through pull requests and set 'status: approved'. "
            "'imsdocs check --verbose' lists each one.",
            cause=cause,
        )
    if cause.startswith("unclaimed:"):
        coverage = project.coverage[cause.split(":", 1)[1]]
        unclaimed = [
            row.clause.id for row in coverage.leaves() if row.status is Status.NOT_COVERED and not row.other_documents
        ]
        return declared(
            f"{coverage.catalogue.title}: {count} requirements are claimed by no document at all and not excluded: "
            f"{', '.join(unclaimed)}.",
            hint="Work through them in the coverage matrix: claim each in the 'satisfies' of the document that meets "
            f"it, or exclude it with a justification in {project.settings.requirements_dir}/"
            f"{project.settings.applicability_file}. 'imsdocs check --verbose' lists each one.",
            cause=cause,
        )
    sha = cause.split(":", 1)[1]
    documents = len({d.path for d in found})
    raised = sorted({d.code for d in found})
    subject = next(
        (c.current.commit.subject for c in project.controls.values() if c.current and c.current.commit.sha == sha), ""
    )
    return declared(
        f"{documents} documents' current version comes from commit {sha[:10]} ('{subject}'), which reached the main "
        f"branch with no recorded approval: one import, not {documents} approvals to chase.",
        hint="If that commit brought in an approved document set, record it as the approval baseline in mkdocs.yml: "
        f"approval_baseline: {{commit: {sha}, approved_by: <who approved the set>, approved_on: <date>, reference: "
        "<where that approval is recorded>}. 'imsdocs check --verbose' lists each document's findings "
        f"({', '.join(raised)}).",
        cause=cause,
    )


def _soa_changes(project: Project, history: History | None) -> dict[str, list[Change]]:
    """The SoA's accepted changes: those of the applicability file and of its standard's catalogue, merged."""
    if history is None or project.soa_document is None or project.soa is None:
        return {}
    merged: dict[str, Change] = {}
    for path in (project.soa.standard.catalogue.path, project.applicability.path):
        for change in history.of(path):
            merged[change.commit.sha] = change  # a commit touching both counts once (as the applicability file)
    return {project.soa_document.id: sorted(merged.values(), key=lambda c: c.commit.sequence)}


def resolve_baseline(
    settings: Settings, history: History, tz: datetime.tzinfo, people: list[Person], problems: list[Diagnostic]
) -> Baseline | None:
    """The approval baseline as a position on the main branch: exact for a commit; for a date, the first
    change committed after that day and everything after it (a later change is never imported)."""
    option = settings.approval_baseline
    if option is None:
        return None
    if option.approved_by is not None and resolve(option.approved_by, people) is None:
        problems.append(
            codes.OPTION_BASELINE(
                f"approval_baseline: approved_by '{option.approved_by}' is no one in the people file.",
                "mkdocs.yml",
                hint=did_you_mean(option.approved_by, [p.name for p in people]) or "Add them to the people file.",
            )
        )
    if option.date is not None:
        day = datetime.date.fromisoformat(option.date)
        cutoff = int(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tz).timestamp())
        first = next((i for i, date in enumerate(history.chain_dates) if date >= cutoff), len(history.chain))
    else:
        assert option.commit is not None
        try:
            sha = resolve_commit(settings.root, option.commit)
        except HistoryError as exc:
            problems.append(
                codes.OPTION_BASELINE(
                    f"approval_baseline: {exc}.",
                    "mkdocs.yml",
                    hint="Give a date (YYYY-MM-DD) or a commit of the main branch.",
                )
            )
            return None
        position = history.sequence(sha)
        if position is None:
            problems.append(
                codes.OPTION_BASELINE(
                    f"approval_baseline: commit {sha[:10]} is not on the first-parent history of '{history.branch}'.",
                    "mkdocs.yml",
                    hint="Name a commit of the main branch itself (a merge commit, not one inside a merged branch).",
                )
            )
            return None
        first = position + 1
    approver = resolve(option.approved_by, people) if option.approved_by else None
    return Baseline(
        first,
        approver.name if approver else option.approved_by,
        option.approved_on,
        option.reference,
        settings.baseline_history == "collapse",
    )
