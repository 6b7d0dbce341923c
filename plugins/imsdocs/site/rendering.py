"""Turn the project model into pages (jinja2 templates), knowing nothing of MkDocs.

Every value that comes from a document, a catalogue or git is escaped for Markdown and HTML by
the templates' `finalize` hook; only values wrapped in `Markup` (links we build) pass through raw.
The templates only lay out what the domain computed.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from ..compliance.coverage import Status, integrated_columns, shared_topic_cells, shown_standards
from ..history.document_control import ReviewState, Revision, attention
from ..model.documents import Document
from ..model.people import Person
from ..pipeline import Project
from .escaping import escape
from .links import Links, Pages

SUMMARY_MARKER = "<!-- imsdocs:coverage -->"
ATTENTION_MARKER = "<!-- imsdocs:attention -->"
# The control block and the revision history are HTML, put into the finished page: as Markdown
# tables they cost more to convert than the document itself, and they are no search material.
CONTROL_TABLE_MARKER = Markup("<!-- imsdocs:control-table -->")
REVISION_HISTORY_MARKER = Markup("<!-- imsdocs:revision-history -->")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return escape("" if value is None else value)


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("imsdocs.site", "templates"),
    finalize=_finalize,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


class Formatter:
    """How dates, people, approvals and signatures read on a page."""

    def __init__(self, tz: datetime.tzinfo, date_format: str, people: Sequence[Person] = ()) -> None:
        self.tz = tz
        self.date_format = date_format
        self.people_by_email = {p.email.lower(): p.name for p in people}

    def date(self, value: int | datetime.date | None) -> str:
        """An epoch (shown in the configured time zone) or a day, in the configured format."""
        if value is None:
            return "-"
        day = datetime.datetime.fromtimestamp(value, self.tz) if isinstance(value, int) else value
        return day.strftime(self.date_format)

    @staticmethod
    def people(identities: tuple[str, ...]) -> str:
        """Trailer values as names: "Dana Whitfield <md@...>" reads "Dana Whitfield"."""
        return ", ".join(i.split("<")[0].strip() or i for i in identities) or "not recorded"

    def approval(self, revision: Revision) -> str:
        if revision.shown_approvers:
            return self.people(revision.shown_approvers)
        return "not recorded (imported)" if revision.imported else "not recorded"

    def authors(self, revision: Revision) -> str:
        if revision.baseline is not None:
            return "imported"
        return ", ".join(str(author) for author in revision.commit.authors)

    def summary(self, revision: Revision) -> str:
        if revision.baseline is not None:
            changes = f"{revision.collapsed} imported change{'s' if revision.collapsed != 1 else ''}"
            return f"Baseline: the approved document set as imported ({changes})"
        return revision.commit.summary

    def signature(self, revision: Revision) -> str:
        """"signed by <signer>", "unsigned", or why a signature does not count."""
        if revision.baseline is not None:
            return "-"
        signature = revision.commit.signature
        signer = self.people_by_email.get(signature.signer.lower(), signature.signer)
        return {
            "": "not checked",
            "G": f"signed by {signer}",
            "U": "signed by a key that is not an allowed signer",
            "N": "unsigned",
            "B": "bad signature",
            "E": "signature cannot be checked",
            "X": "signature expired",
            "Y": "signed by an expired key",
            "R": "signed by a revoked key",
        }.get(signature.status, "unknown signature state")

    @staticmethod
    def review_note(state: ReviewState) -> str:
        return {ReviewState.OVERDUE: " (overdue)", ReviewState.DUE: " (due soon)"}.get(state, "")


class Renderer:
    """The generated pages of a project, and the parts added to each document's page."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.pages = Pages(project.settings.compliance_dir)
        policy = project.policy
        self.fmt = Formatter(
            policy.tz if policy is not None else datetime.UTC, project.settings.date_format, project.people
        )
        self.shown = shown_standards(project.coverage, project.documents)
        self._produced: dict[str, list[Document]] = {}
        for doc in project.documents:
            if doc.record is not None:
                self._produced.setdefault(doc.record.produced_by, []).append(doc)

    def _render(self, template: str, origin: str, **context: Any) -> str:
        links = Links(self.pages, origin, self.project.settings.repo_url)
        return _env.get_template(template).render(
            project=self.project, links=links, fmt=self.fmt, pages=self.pages, shown=self.shown, Status=Status, **context
        )

    def generated_pages(self) -> dict[str, str]:
        """Site path -> Markdown of every compliance page."""
        pages = {
            self.pages.index: self._render("index.md.j2", self.pages.index, summary=self._summary(self.pages.index)),
            self.pages.documents: self._render("documents.md.j2", self.pages.documents),
            self.pages.register: self._render("register.md.j2", self.pages.register),
        }
        for standard in self.shown:
            uri = self.pages.matrix(standard.catalogue.key)
            pages[uri] = self._render("matrix.md.j2", uri, standard=standard)
        if self.project.topics:
            columns = integrated_columns(self.project.topics, self.shown)
            rows = [
                (topic, *shared_topic_cells(topic, self.project.coverage, columns)) for topic in self.project.topics
            ]
            pages[self.pages.integrated] = self._render(
                "integrated.md.j2", self.pages.integrated, columns=columns, rows=rows
            )
        if self.project.soa is not None:
            pages[self.pages.soa] = self._render("soa.md.j2", self.pages.soa, soa=self.project.soa)
        return pages

    def _summary(self, origin: str) -> Markup:
        return Markup(self._render("summary.md.j2", origin))

    def expand_markers(self, markdown: str, origin: str) -> str:
        """Replace the home page's markers with the coverage table and the attention list."""
        if SUMMARY_MARKER in markdown:
            markdown = markdown.replace(SUMMARY_MARKER, str(self._summary(origin)))
        if ATTENTION_MARKER in markdown:
            found = attention(self.project.documents, self.project.controls)
            markdown = markdown.replace(ATTENTION_MARKER, self._render("attention.md.j2", origin, lists=found))
        return markdown

    def document_header(self, doc: Document) -> str:
        """Markdown above a document's text: print banner, draft notice, the control block's place."""
        return self._render(
            "document_header.md.j2", doc.src_uri, doc=doc, control=self.project.control(doc), marker=CONTROL_TABLE_MARKER
        )

    def document_footer(self, doc: Document) -> str:
        """Markdown below a document's text: clauses satisfied, record control, the revision history's place."""
        claims: dict[str, list[tuple[str, str]]] = {}
        for claim in doc.claims:
            catalogue = self.project.catalogues.get(claim.standard)
            if catalogue is not None and claim.clause in catalogue:
                claims.setdefault(claim.standard, []).append(
                    (claim.clause, catalogue.clauses[claim.clause].display_title)
                )
        return self._render(
            "document_footer.md.j2",
            doc.src_uri,
            doc=doc,
            claims=claims,
            produced=self._produced.get(doc.id, []),
            producer=self.project.document(doc.record.produced_by) if doc.record else None,
            marker=REVISION_HISTORY_MARKER,
        )

    def document_tables(self, html: str, doc: Document) -> str:
        """The page of `doc` (HTML) with its control block and revision history in place."""
        control = self.project.control(doc)
        for marker, template in (
            (CONTROL_TABLE_MARKER, "control_table.html.j2"),
            (REVISION_HISTORY_MARKER, "revision_history.html.j2"),
        ):
            if marker in html:
                html = html.replace(marker, self._render(template, doc.src_uri, doc=doc, control=control), 1)
        return html
