"""Turn the project model into Markdown pages (jinja2 templates), knowing nothing of MkDocs.

Every value that comes from a document or a catalogue is escaped for Markdown and HTML by the
templates' `finalize` hook; only values wrapped in `Markup` (links we build) pass through raw.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from .catalogue import Catalogue, Exclusion
from .control import Control, Revision
from .coverage import StandardCoverage, Status
from .documents import Document
from .history import Change
from .project import Project

# One pass over the text, so that an entity we write is never escaped again.
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "|": "&#124;",
    "*": "&#42;",
    "_": "&#95;",
    "`": "&#96;",
    "[": "&#91;",
    "]": "&#93;",
    "\\": "&#92;",
}
_ESCAPE_PATTERN = re.compile("|".join(re.escape(c) for c in _ESCAPES))
SUMMARY_MARKER = "<!-- imsdocs:coverage -->"
ATTENTION_MARKER = "<!-- imsdocs:attention -->"
# The control block and the revision history are HTML, put into the finished page: as Markdown
# tables they cost more to convert than the document itself, and they are no search material.
CONTROL_TABLE_MARKER = Markup("<!-- imsdocs:control-table -->")
REVISION_HISTORY_MARKER = Markup("<!-- imsdocs:revision-history -->")


def escape(value: object) -> str:
    """Plain text made safe inside Markdown (tables included) and HTML."""
    return _ESCAPE_PATTERN.sub(lambda m: _ESCAPES[m.group(0)], str(value).replace("\n", " "))


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return escape("" if value is None else value)


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("imsdocs", "templates"),
    finalize=_finalize,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def standard_slug(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def clause_anchor(standard: str, clause_id: str) -> str:
    return f"{standard_slug(standard)}-{re.sub(r'[^a-z0-9]+', '-', clause_id.lower()).strip('-')}"


@dataclass(frozen=True)
class Pages:
    """Where the generated pages live in the site (paths relative to the site root)."""

    compliance_dir: str = "compliance"

    @property
    def index(self) -> str:
        return f"{self.compliance_dir}/index.md"

    def matrix(self, standard: str) -> str:
        return f"{self.compliance_dir}/matrix-{standard_slug(standard)}.md"

    @property
    def documents(self) -> str:
        return f"{self.compliance_dir}/documents.md"

    @property
    def integrated(self) -> str:
        return f"{self.compliance_dir}/integrated.md"

    @property
    def soa(self) -> str:
        return f"{self.compliance_dir}/statement-of-applicability.md"

    @property
    def register(self) -> str:
        return f"{self.compliance_dir}/register.md"


class Renderer:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.pages = Pages(project.settings.compliance_dir)
        self._shown: list[StandardCoverage] | None = None
        self._produced: dict[str, list[Document]] = {}
        for doc in project.documents:
            if doc.record is not None:
                self._produced.setdefault(doc.record.produced_by, []).append(doc)

    # -- links -------------------------------------------------------------------------------
    def link(self, text: str, target: str, origin: str, anchor: str = "") -> Markup:
        href = posixpath.relpath(target, posixpath.dirname(origin) or ".")
        return Markup(f"[{escape(text)}]({href}{'#' + anchor if anchor else ''})")

    def doc_link(self, doc: Document, origin: str, with_title: bool = False) -> Markup:
        return self.link(f"{doc.id} {doc.title}" if with_title else doc.id, doc.src_uri, origin)

    def clause_link(self, standard: str, clause_id: str, origin: str) -> Markup:
        return self.link(clause_id, self.pages.matrix(standard), origin, clause_anchor(standard, clause_id))

    def anchor(self, standard: str, clause_id: str) -> Markup:
        return Markup(f'<span id="{clause_anchor(standard, clause_id)}"></span>')

    # -- which standards get pages -----------------------------------------------------------
    def shown_standards(self) -> list[StandardCoverage]:
        """In-scope standards, and others that documents claim (shown, never failing the build)."""
        if self._shown is None:  # asked once per table row
            claimed = {c.standard for doc in self.project.documents for c in doc.claims}
            self._shown = [s for s in self.project.coverage.values() if s.in_scope or s.catalogue.key in claimed]
        return self._shown

    def soa_standard(self) -> StandardCoverage | None:
        for standard in self.project.coverage.values():
            if standard.in_scope and any(
                c.exclusion is Exclusion.JUSTIFIED for c in standard.catalogue.clauses.values()
            ):
                return standard
        return None

    def soa_controls(self, standard: StandardCoverage) -> list[Any]:
        """The requirements a Statement of Applicability lists: the excludable-with-justification leaves."""
        return [row for row in standard.leaves() if row.clause.exclusion is Exclusion.JUSTIFIED]

    # -- pages -------------------------------------------------------------------------------
    def _render(self, template: str, origin: str, **context: Any) -> str:
        return _env.get_template(template).render(r=self, origin=origin, project=self.project, Status=Status, **context)

    def generated_pages(self) -> dict[str, str]:
        pages = {
            self.pages.index: self._render("index.md.j2", self.pages.index),
            self.pages.documents: self._render("documents.md.j2", self.pages.documents),
            self.pages.register: self._render("register.md.j2", self.pages.register),
        }
        for standard in self.shown_standards():
            uri = self.pages.matrix(standard.catalogue.key)
            pages[uri] = self._render("matrix.md.j2", uri, standard=standard)
        if self.project.topics:
            pages[self.pages.integrated] = self._render(
                "integrated.md.j2", self.pages.integrated, columns=self.integrated_columns()
            )
        soa = self.soa_standard()
        if soa is not None:
            pages[self.pages.soa] = self._render("soa.md.j2", self.pages.soa, standard=soa)
        return pages

    def coverage_summary(self, origin: str) -> Markup:
        return Markup(self._render("summary.md.j2", origin))

    def attention(self, origin: str) -> Markup:
        """What needs someone's action: documents still in draft."""
        return Markup(self._render("attention.md.j2", origin))

    def expand_markers(self, markdown: str, origin: str) -> str:
        """Replace the home page's markers with the coverage table and the attention list."""
        if SUMMARY_MARKER in markdown:
            markdown = markdown.replace(SUMMARY_MARKER, str(self.coverage_summary(origin)))
        if ATTENTION_MARKER in markdown:
            markdown = markdown.replace(ATTENTION_MARKER, str(self.attention(origin)))
        return markdown

    def document_header(self, doc: Document) -> str:
        return self._render("document_header.md.j2", doc.src_uri, doc=doc)

    def document_tables(self, html: str, doc: Document) -> str:
        """The page of `doc` (HTML) with its control block and revision history in place."""
        for marker, template in (
            (CONTROL_TABLE_MARKER, "control_table.html.j2"),
            (REVISION_HISTORY_MARKER, "revision_history.html.j2"),
        ):
            if marker in html:
                html = html.replace(marker, self._render(template, doc.src_uri, doc=doc), 1)
        return html

    def document_footer(self, doc: Document) -> str:
        claims: dict[str, list[tuple[str, str]]] = {}
        for claim in doc.claims:
            catalogue = self.project.catalogues.get(claim.standard)
            if catalogue is not None and claim.clause in catalogue:
                claims.setdefault(claim.standard, []).append(
                    (claim.clause, catalogue.clauses[claim.clause].display_title)
                )
        produced = self._produced.get(doc.id, [])
        return self._render("document_footer.md.j2", doc.src_uri, doc=doc, claims=claims, produced=produced)

    # -- document control ----------------------------------------------------------------------
    CONTROL_TABLE_MARKER = CONTROL_TABLE_MARKER
    REVISION_HISTORY_MARKER = REVISION_HISTORY_MARKER

    def control(self, doc: Document) -> Control:
        return self.project.control(doc)

    def date(self, value: int | datetime.date | None) -> str:
        """An epoch (shown in the configured time zone) or a day, in the configured format."""
        if value is None:
            return "-"
        policy = self.project.policy
        tz = policy.tz if policy is not None else datetime.UTC
        day = datetime.datetime.fromtimestamp(value, tz) if isinstance(value, int) else value
        return day.strftime(self.project.settings.date_format)

    def people(self, identities: tuple[str, ...]) -> str:
        """Trailer values as names: "Dana Whitfield <md@...>" reads "Dana Whitfield"."""
        return ", ".join(i.split("<")[0].strip() or i for i in identities) or "not recorded"

    def approval(self, revision: Revision) -> str:
        if revision.approvers:
            return self.people(revision.approvers)
        return "not recorded (imported)" if revision.imported else "not recorded"

    def reference(self, change: Change) -> Markup:
        """The pull request ("#12", GitLab's "!42"), else the commit, as HTML; linked when `repo_url` is set."""
        url = (self.project.settings.repo_url or "").rstrip("/")
        gitlab, bitbucket = "gitlab" in url, "bitbucket" in url
        label = change.pull_request or change.commit[:10]
        if not url:
            return Markup(escape(label))
        if change.pull_request is None:
            path = "/-/commit/" if gitlab else "/commits/" if bitbucket else "/commit/"
            target = path + change.commit
        elif label.startswith("!") or gitlab:
            target = "/-/merge_requests/" + label[1:]
        else:
            target = ("/pull-requests/" if bitbucket else "/pull/") + label[1:]
        return Markup(f'<a href="{escape(url + target)}">{escape(label)}</a>')

    def review_note(self, doc: Document) -> str:
        state = self.control(doc).review
        return {"overdue": " (overdue)", "due": " (due soon)"}.get(state, "")

    def attention_lists(self) -> dict[str, list[Document]]:
        """What needs someone's action, by kind; only non-empty lists."""
        docs = sorted(self.project.documents, key=lambda doc: doc.id)
        approved = [doc for doc in docs if doc.status == "approved"]
        lists = {
            "overdue": [doc for doc in approved if self.control(doc).review == "overdue"],
            "due": [doc for doc in approved if self.control(doc).review == "due"],
            "draft": [doc for doc in docs if doc.status == "draft"],
            "changing": [doc for doc in docs if self.control(doc).is_draft],
        }
        return {kind: found for kind, found in lists.items() if found}

    # -- data helpers for templates ------------------------------------------------------------
    def catalogue(self, key: str) -> Catalogue:
        return self.project.catalogues[key]

    def integrated_columns(self) -> list[str]:
        used = {key for topic in self.project.topics for key in topic.clauses}
        return [
            key
            for key in self.project.coverage
            if key in used and key in {s.catalogue.key for s in self.shown_standards()}
        ]

    def topic_cell(self, standard_key: str, clause_ids: tuple[str, ...]) -> tuple[list[str], Status, list[Document]]:
        """For one standard in one shared topic: the leaf clauses, their combined status, the documents."""
        standard = self.project.coverage[standard_key]
        leaves = [leaf for cid in clause_ids for leaf in standard.catalogue.leaves_under(cid)]
        statuses = {standard.row(leaf).status for leaf in leaves}
        docs = list(dict.fromkeys(doc for leaf in leaves for doc in standard.row(leaf).documents))
        if statuses <= {Status.COVERED, Status.EXCLUDED} and Status.COVERED in statuses:
            status = Status.COVERED
        elif statuses == {Status.EXCLUDED}:
            status = Status.EXCLUDED
        elif statuses == {Status.NOT_COVERED}:
            status = Status.NOT_COVERED
        else:
            status = Status.PARTIAL
        return leaves, status, docs
