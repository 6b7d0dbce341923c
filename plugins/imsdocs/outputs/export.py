"""Auditor exports as plain tables: the document register, the Statement of Applicability, a
traceability matrix per standard, the review schedule and the mandatory documented information.

Pure: a `Project` in, an `Export` out; `outputs.formats` writes it as CSV, JSON or XLSX. Only
published documents are listed; a withheld one that a row refers to reads as the site says it
("a confidential document"), never by title or path. Dates are ISO days in the build's time
zone, so that a spreadsheet sorts them and a script parses them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..compliance.coverage import StandardCoverage, shown_standards
from ..compliance.soa import StatementOfApplicability
from ..history.document_control import DocumentControl, Revision
from ..model.disclosure import withheld_name
from ..model.documents import Document
from ..pipeline import Project

Value = str | int | bool | None
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def plain(value: str) -> str:
    """Text without control characters (tab and newline kept), as the site shows it and as XLSX can hold it."""
    return _CONTROL.sub(" ", value)


@dataclass(frozen=True)
class Table:
    """One exported table: its name (a file or a sheet), its header and rows of plain values."""

    name: str
    header: tuple[str, ...]
    rows: list[tuple[Value, ...]]
    preamble: tuple[tuple[str, Value], ...] = ()  # label/value lines a spreadsheet shows above the header


@dataclass(frozen=True)
class Export:
    """Everything one export holds: the build it comes from, the SoA's own control data, the tables."""

    build: dict[str, Value]
    soa: dict[str, Value] | None
    tables: list[Table]

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


def export(project: Project) -> Export:
    """The export of a loaded project: the tables an auditor asks for, with the build stamp."""
    facts = _Facts(project)
    published = sorted((doc for doc in project.documents if project.published(doc)), key=lambda d: d.id)
    tables = [_register(facts, published)]
    soa = None
    if project.soa is not None:
        soa = _soa_metadata(facts, project.soa)
        tables.append(_soa(facts, project.soa, soa))
    tables += [_matrix(facts, standard) for standard in shown_standards(project.coverage, project.documents)]
    tables.append(_reviews(facts, published))
    tables.append(_mandatory(facts, getattr(project, "mandatory", [])))
    build: dict[str, Value] = {}
    if project.stamp is not None:
        for key, value in project.stamp.to_json().items():
            if value is None or isinstance(value, str | int | bool):
                build[key] = value
    build["publish_up_to"] = project.settings.publish_up_to
    return Export(build, soa, tables)


def standard_slug(key: str) -> str:
    """`iso27001:2022` -> `iso27001-2022`: the matrix's name, as the site names its page."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


class _Facts:
    """How a document, a version and a date read in a cell."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.tz = project.tz

    def name(self, doc: Document) -> str:
        """The id of a published document; what the site says of a withheld one."""
        return doc.id if self.project.published(doc) else withheld_name(doc, self.project.settings)

    def names(self, docs: Iterable[Document]) -> str:
        return ", ".join(dict.fromkeys(self.name(doc) for doc in docs))

    def day(self, value: int | datetime.date | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, int):  # epoch seconds: the day it was in the build's time zone
            return datetime.datetime.fromtimestamp(value, self.tz).date().isoformat()
        return value.isoformat()

    def control(self, doc: Document) -> DocumentControl:
        return self.project.control(doc)

    @staticmethod
    def approvers(revision: Revision) -> str:
        """Trailer values as names: "Dana Whitfield <md@...>" reads "Dana Whitfield"."""
        return ", ".join(i.split("<")[0].strip() or i for i in revision.shown_approvers)

    def approval(self, revision: Revision | None) -> tuple[str | None, str | None]:
        """Who approved a version and on which day (none when no approver is recorded)."""
        if revision is None or not revision.shown_approvers:
            return None, None
        return self.approvers(revision), self.day(revision.effective)

    @staticmethod
    def reference(revision: Revision) -> str:
        """The pull request ("!14", "#12"), the baseline's record, else the commit."""
        if revision.baseline is not None:
            return revision.baseline.reference or "baseline"
        commit = revision.commit
        if commit.pull_request is None:
            return f"commit {commit.sha[:10]}"
        return commit.pull_request + (" (claimed, not verified)" if commit.pull_request_claimed else "")


def _register(facts: _Facts, published: Sequence[Document]) -> Table:
    header = (
        "id",
        "title",
        "type",
        "owner",
        "approver",
        "status",
        "classification",
        "version",
        "draft",
        "effective",
        "approved by",
        "approval date",
        "pull request",
        "next review",
        "review state",
    )
    rows: list[tuple[Value, ...]] = []
    for doc in published:
        control = facts.control(doc)
        current = control.current
        approved_by, approved_on = facts.approval(current)
        rows.append(
            (
                doc.id,
                doc.title,
                doc.type,
                doc.owner,
                doc.approver,
                str(doc.status),
                doc.classification,
                current.version if current else None,
                "yes" if control.is_draft else "no",
                facts.day(current.effective) if current else None,
                approved_by,
                approved_on,
                facts.reference(current) if current else None,
                facts.day(control.next_review),
                control.review.value,
            )
        )
    return Table("register", header, rows)


def _soa_metadata(facts: _Facts, soa: StatementOfApplicability) -> dict[str, Value]:
    """The SoA's own control data: its version, when it took effect and who approved it."""
    catalogue = soa.standard.catalogue
    meta: dict[str, Value] = {
        "standard": catalogue.key,
        "title": f"Statement of Applicability: {catalogue.title}",
        "controls": len(soa.rows),
        "applicable": soa.applicable,
        "excluded": soa.excluded,
        "document": None,
        "version": None,
        "effective": None,
        "approved_by": None,
    }
    # The SoA as a controlled document of its own, where the pipeline provides one.
    document: Any = getattr(facts.project, "soa_document", None)
    if isinstance(document, Document):
        current = facts.control(document).current
        meta["document"] = document.id
        if current is not None:
            meta["version"] = current.version
            meta["effective"] = facts.day(current.effective)
            meta["approved_by"] = facts.approval(current)[0]
    return meta


def _soa(facts: _Facts, soa: StatementOfApplicability, meta: dict[str, Value]) -> Table:
    header = ("control", "title", "applicable", "reasons", "justification", "implemented by", "status")
    rows: list[tuple[Value, ...]] = []
    for row in soa.rows:
        if not row.applicable:
            reasons = ""
        elif row.reasons is None:
            reasons = "not recorded"
        else:
            reasons = ", ".join(row.reasons)
        rows.append(
            (
                row.clause.id,
                row.clause.display_title,
                "yes" if row.applicable else "no",
                reasons,
                row.justification,
                facts.names(row.documents),
                row.status.value,
            )
        )
    preamble: tuple[tuple[str, Value], ...] = (
        ("SoA version", meta["version"] or "none recorded"),
        ("Effective", meta["effective"] or "-"),
        ("Approved by", meta["approved_by"] or "not recorded"),
    )
    return Table("soa", header, rows, preamble)


def _matrix(facts: _Facts, standard: StandardCoverage) -> Table:
    header = ("clause", "title", "level", "status", "documents", "not counted (draft or retired)", "excluded because")
    rows: list[tuple[Value, ...]] = []
    for row in standard.rows:
        excluded = standard.applicability.excluded.get(row.clause.id)
        rows.append(
            (
                row.clause.id,
                row.clause.display_title,
                row.depth + 1,
                row.status.value,
                facts.names(row.documents),
                ", ".join(f"{facts.name(doc)} ({doc.status})" for doc in row.other_documents),
                excluded.justification if excluded is not None else "",
            )
        )
    return Table(f"matrix-{standard_slug(standard.catalogue.key)}", header, rows)


def _reviews(facts: _Facts, published: Sequence[Document]) -> Table:
    header = ("id", "title", "owner", "version", "last reviewed", "next review", "review state")
    controls = {doc.id: facts.control(doc) for doc in published}
    far = datetime.date.max  # documents without a date last

    def order(doc: Document) -> tuple[datetime.date, str]:
        return controls[doc.id].next_review or far, doc.id

    rows: list[tuple[Value, ...]] = []
    for doc in sorted(published, key=order):
        control = controls[doc.id]
        rows.append(
            (
                doc.id,
                doc.title,
                doc.owner,
                control.current.version if control.current else None,
                facts.day(doc.last_reviewed),
                facts.day(control.next_review),
                control.review.value,
            )
        )
    return Table("reviews", header, rows)


def _mandatory(facts: _Facts, items: Iterable[Any]) -> Table:
    """The mandatory documented information of the standards, each with the document that holds it."""
    header = (
        "standard",
        "item",
        "name",
        "clauses",
        "document",
        "version",
        "approved by",
        "held by reference",
        "location",
    )
    rows: list[tuple[Value, ...]] = []
    for item in items:
        doc = getattr(item, "document", None)
        shown = isinstance(doc, Document) and facts.project.published(doc)
        current = facts.control(doc).current if shown and isinstance(doc, Document) else None
        rows.append(
            (
                str(getattr(item, "standard", "")),
                str(getattr(item, "item_id", "")),
                str(getattr(item, "name", "")),
                ", ".join(str(c) for c in getattr(item, "clauses", ())),
                facts.name(doc) if isinstance(doc, Document) else None,
                current.version if current else None,
                facts.approval(current)[0],
                "yes" if getattr(item, "by_reference", False) else "no",
                str(getattr(item, "location", "") or ""),
            )
        )
    return Table("mandatory", header, rows)
