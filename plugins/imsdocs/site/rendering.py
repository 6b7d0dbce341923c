"""Turn the project model into pages (jinja2 templates), knowing nothing of MkDocs.

Generated pages and the parts added to documents are HTML: Markdown passes HTML blocks through
untouched, so jinja2's autoescape is the one escaping rule and no value can become Markdown
syntax (attribute lists, headings, tables, links). Only `Markup` we build (links) is raw.
The templates only lay out what the domain computed.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from ..compliance.coverage import Status, integrated_columns, shared_topic_cells, shown_standards
from ..history.document_control import ReviewState, Revision, attention
from ..model.documents import Document
from ..model.people import Person
from ..pipeline import Project
from .escaping import plain
from .links import Links, Pages
from .references import link_references

SUMMARY_MARKER = "<!-- imsdocs:coverage -->"
ATTENTION_MARKER = "<!-- imsdocs:attention -->"
# The control block and the revision history are put into the finished page: they are no search
# material (every page would match "approved"), and they need no Markdown.
CONTROL_TABLE_MARKER = Markup("<!-- imsdocs:control-table -->")
REVISION_HISTORY_MARKER = Markup("<!-- imsdocs:revision-history -->")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    return plain(value)


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("imsdocs.site", "templates"),
    finalize=_finalize,
    autoescape=True,
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
            noted = revision.commit.noted_by if revision.baseline is None else ""
            recorded = f" (recorded in a git note by {noted.split('<')[0].strip() or noted})" if noted else ""
            return self.people(revision.shown_approvers) + recorded
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
        """ "signed by <signer>", "unsigned", or why a signature does not count."""
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


def _page(title: str, html: str, *, wide: bool = False) -> str:
    """A generated page: its title as front matter (JSON is YAML), then the HTML.

    The tables are the page: no table of contents beside them, and a wide table (the register, the
    SoA) also takes the navigation's width, so that it fits a 1280-pixel window without scrolling."""
    hide = '["navigation", "toc"]' if wide else '["toc"]'
    return f"---\ntitle: {json.dumps(plain(title))}\nhide: {hide}\n---\n\n{html.strip()}\n"


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
        self.published = [doc for doc in project.documents if project.published(doc)]
        # The register lists every controlled document, the SoA included.
        self.registered = self.published + [
            d for d in (project.soa_document,) if d is not None and project.published(d)
        ]
        self.withheld = frozenset(project.withheld)
        self._produced: dict[str, list[Document]] = {}
        for doc in self.published:
            if doc.record is not None:
                self._produced.setdefault(doc.record.produced_by, []).append(doc)

    def _render(self, template: str, origin: str, **context: Any) -> Markup:
        links = Links(self.pages, origin, self.project.settings, self.withheld)
        html = _env.get_template(template).render(
            project=self.project,
            links=links,
            fmt=self.fmt,
            pages=self.pages,
            shown=self.shown,
            Status=Status,
            **context,
        )
        return Markup(html)

    def generated_pages(self) -> dict[str, str]:
        """Source path -> content (front matter and HTML) of every compliance page."""
        pages = self.pages
        documents = self.published
        pages_out = {
            pages.index: _page(
                "Compliance overview", self._render("index.html.j2", pages.index, summary=self._summary(pages.index))
            ),
            pages.documents: _page(
                "Documents and the clauses they satisfy",
                self._render("documents.html.j2", pages.documents, documents=documents),
            ),
            pages.register: _page(
                "Document register",
                self._render(
                    "register.html.j2",
                    pages.register,
                    documents=self.registered,
                    withheld=len(self.project.documents) - len(documents),
                ),
                wide=True,
            ),
        }
        for standard in self.shown:
            uri = pages.matrix(standard.catalogue.key)
            pages_out[uri] = _page(
                f"Traceability matrix: {standard.catalogue.title}",
                self._render("matrix.html.j2", uri, standard=standard),
            )
        if self.project.mandatory:
            groups = [
                (standard, [s for s in self.project.mandatory if s.item.standard == standard.catalogue.key])
                for standard in self.shown
                if any(s.item.standard == standard.catalogue.key for s in self.project.mandatory)
            ]
            pages_out[pages.mandatory] = _page(
                "Mandatory documented information",
                self._render("mandatory.html.j2", pages.mandatory, groups=groups),
                wide=True,
            )
        if self.project.topics:
            columns = integrated_columns(self.project.topics, self.shown)
            rows = [
                (topic, *shared_topic_cells(topic, self.project.coverage, columns)) for topic in self.project.topics
            ]
            pages_out[pages.integrated] = _page(
                "Integrated view", self._render("integrated.html.j2", pages.integrated, columns=columns, rows=rows)
            )
        if self.project.soa is not None:
            soa_document = self.project.soa_document
            html = self._render("soa.html.j2", pages.soa, soa=self.project.soa)
            if soa_document is not None:  # under document control: control block above, revision history below
                history = f"\n\n## Revision history\n\n{REVISION_HISTORY_MARKER}\n"
                parts = [self.document_header(soa_document), str(html), history]
                html = Markup("".join(parts))  # joined as text: adding a str to Markup would escape it
            pages_out[pages.soa] = _page(
                f"Statement of Applicability: {self.project.soa.standard.catalogue.title}", html, wide=True
            )
        return pages_out

    def _summary(self, origin: str) -> Markup:
        return self._render("summary.html.j2", origin)

    def expand_markers(self, markdown: str, origin: str) -> str:
        """Replace the home page's markers with the coverage table and the attention list."""
        if SUMMARY_MARKER in markdown:
            markdown = markdown.replace(SUMMARY_MARKER, f"\n{self._summary(origin).strip()}\n")
        if ATTENTION_MARKER in markdown:
            found = attention(self.published, self.project.controls)
            records = [r for r in self.project.records_due if r.document.src_uri not in self.withheld]
            html = self._render("attention.html.j2", origin, lists=found, records=records)
            markdown = markdown.replace(ATTENTION_MARKER, f"\n{html.strip()}\n")
        return markdown

    def document_header(self, doc: Document) -> str:
        """What comes above a document's text: print banner, draft notice, the control block's place."""
        control = self.project.control(doc)
        html = self._render(
            "document_header.html.j2", doc.src_uri, doc=doc, control=control, marker=CONTROL_TABLE_MARKER
        )
        return f"{html.strip()}\n\n"

    def document_footer(self, doc: Document) -> str:
        """What comes below a document's text: clauses satisfied, record control, attachments, the revision history's place."""
        claims: dict[str, list[tuple[str, str]]] = {}
        for claim in doc.claims:
            catalogue = self.project.catalogues.get(claim.standard)
            if catalogue is not None and claim.clause in catalogue:
                claims.setdefault(claim.standard, []).append(
                    (claim.clause, catalogue.clauses[claim.clause].display_title)
                )
        parts = ["## Clauses satisfied", self._render("document_footer.html.j2", doc.src_uri, doc=doc, claims=claims)]
        if doc.record is not None:
            producer = self.project.document(doc.record.produced_by)
            parts += [
                "## Record control",
                self._render("record_control.html.j2", doc.src_uri, doc=doc, producer=producer),
            ]
        produced = self._produced.get(doc.id, [])
        if produced:
            parts += ["## Records produced", self._render("produced.html.j2", doc.src_uri, produced=produced)]
        if doc.attachments:
            parts += ["## Attachments", self._render("attachments.html.j2", doc.src_uri, doc=doc)]
        parts += ["## Revision history", REVISION_HISTORY_MARKER]
        return "\n\n" + "\n\n".join(part.strip() for part in parts) + "\n"

    def with_references(self, html: str, origin: str) -> str:
        """A page's HTML with the ids it cites linked to the documents that hold them."""
        links = Links(self.pages, origin, self.project.settings, self.withheld)

        def href(doc: Document) -> str | None:
            if doc.src_uri in self.withheld or doc.src_uri == origin:
                return None
            return links.href(doc.src_uri)

        return link_references(html, self.project.references, href)

    def stamped(self, html: str) -> str:
        """A finished page with the build stamp at the end of its content, so a printout can be traced."""
        stamp = self.project.stamp
        index = html.rfind("</article>")  # Material: the end of the content
        if index < 0:
            index = html.rfind("</body>")  # other themes
        if stamp is None or index < 0:
            return html
        line = Markup('<p class="ims-build-stamp">{}</p>\n').format(stamp.text())
        return html[:index] + str(line) + html[index:]

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
