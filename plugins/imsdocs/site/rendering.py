"""Turn the project model into pages (jinja2 templates), knowing nothing of MkDocs.

Generated pages and the parts added to documents are HTML: Markdown passes HTML blocks through
untouched, so jinja2's autoescape is the one escaping rule and no value can become Markdown
syntax (attribute lists, headings, tables, links). Only `Markup` we build (links) is raw.
The templates only lay out what the domain computed.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import html as htmllib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..compliance.coverage import Status, integrated_columns, shared_topic_cells, shown_standards
from ..history.document_control import DocumentControl, ReviewState, Revision, attention
from ..model.documents import Document
from ..model.people import Person
from ..pipeline import Project
from .escaping import plain
from .links import Links, Pages
from .references import link_references

SUMMARY_MARKER = "<!-- imsdocs:coverage -->"
ATTENTION_MARKER = "<!-- imsdocs:attention -->"
# What comes from the history and the large generated tables is put into the finished page, in
# place of these markers (HTML comments, which Markdown passes through): Markdown need not parse
# it, the search index is not filled with table cells (every page would match "approved"), and git
# can be read while MkDocs converts the pages.
DOCUMENT_HEADER_MARKER = "<!-- imsdocs:document-header -->"
REVISION_HISTORY_MARKER = "<!-- imsdocs:revision-history -->"
GENERATED_MARKER = "<!-- imsdocs:generated-page -->"
# The parts a page's own place decides (rendered ahead for every page), then those any page may ask for.
PAGE_MARKERS = (GENERATED_MARKER, DOCUMENT_HEADER_MARKER, REVISION_HISTORY_MARKER)
MARKERS = (*PAGE_MARKERS, SUMMARY_MARKER, ATTENTION_MARKER)
# Renders the HTML of the markers asked for, on the page at a URI.
PartSource = Callable[[str, Sequence[str]], Mapping[str, str]]


def _footer_marker(number: int) -> str:
    """The place of a document's footer section `number`, filled in after Markdown (document_content)."""
    return f"<!-- imsdocs:footer-{number} -->"


_ANCHOR = re.compile(r'\sid="([^"]+)"')
_MARKER = re.compile(r"<!-- imsdocs:[a-z-]+ -->")


@dataclass(frozen=True)
class FinishedPage:
    """A page's final HTML, and the anchors the inserted parts brought (for MkDocs' link validation)."""

    html: str
    anchors: frozenset[str]


@dataclass(frozen=True)
class _Generated:
    title: str
    wide: bool
    render: Callable[[], Markup]


def _cell(value: object) -> str:
    """A value as the templates show it (autoescape after `_finalize`): our Markup as it is, text escaped."""
    return str(escape(_finalize(value)))


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    return plain(value)


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds, as Python keeps .pyc files: compiling them costs about
    0.1 s, a tenth of a small site's build. In a private temporary folder (mode 0700, checked by
    jinja2), keyed by the template's source and jinja2's version; a cache that cannot be read or
    written is no cache, never a failed build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> jinja2.BytecodeCache | None:
    try:
        return _CompiledTemplates(pattern=f"__imsdocs-jinja2-{jinja2.__version__}-%s.cache")
    except (OSError, RuntimeError):  # no safe temporary folder
        return None


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("imsdocs.site", "templates"),
    bytecode_cache=_compiled_templates(),
    auto_reload=False,  # the templates are the package's: no stat of each file at every page
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


def _page(title: str, body: str, *, wide: bool = False) -> str:
    """A generated page's source: its title as front matter (JSON is YAML), then the markers.

    The tables are the page: no table of contents beside them, and a wide table (the register, the
    SoA) also takes the navigation's width, so that it fits a 1280-pixel window without scrolling."""
    hide = '["navigation", "toc"]' if wide else '["toc"]'
    return f"---\ntitle: {json.dumps(plain(title))}\nhide: {hide}\n---\n\n{body.strip()}\n"


class PartCache:
    """A document's control block and revision history as an earlier build of `mkdocs serve` rendered
    them, reused while what they show is the same: the document (the very object, which is read
    again only when its text changes), its control record (equal), and the world around them
    (settings, people, withheld pages). Generated tables, which show every document, are always
    rendered again."""

    def __init__(self) -> None:
        self._world: object = None
        self._parts: dict[tuple[str, str], tuple[Document, DocumentControl, str]] = {}

    def part(
        self, world: object, key: tuple[str, str], doc: Document, control: DocumentControl, render: Callable[[], Markup]
    ) -> str:
        if world != self._world:
            self._parts.clear()
            self._world = world
        kept = self._parts.get(key)
        if kept is not None and kept[0] is doc and kept[1] == control:
            return kept[2]
        html = str(render()).strip()
        self._parts[key] = (doc, control, html)
        return html


class Renderer:
    """The generated pages of a project, and the parts added to each document's page."""

    def __init__(self, project: Project, cache: PartCache | None = None) -> None:
        self.project = project
        self.cache = cache
        self.pages = Pages(project.settings.compliance_dir)
        self.fmt = Formatter(project.tz, project.settings.date_format, project.people)
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
        self.by_uri = {doc.src_uri: doc for doc in project.documents}
        if project.soa_document is not None:  # the SoA page gets its control block and history too
            self.by_uri[project.soa_document.src_uri] = project.soa_document
        self._generated = self._generated_pages()

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

    def _generated_pages(self) -> dict[str, _Generated]:
        """Every compliance page: its source path, title, width and how its content is rendered."""
        pages, project = self.pages, self.project
        found = {
            pages.index: _Generated(
                "Compliance overview",
                False,
                lambda: self._render("index.html.j2", pages.index, summary=self._summary(pages.index)),
            ),
            pages.documents: _Generated(
                "Documents and the clauses they satisfy",
                False,
                lambda: self._render("documents.html.j2", pages.documents, documents=self.published),
            ),
            pages.register: _Generated(
                "Document register",
                True,
                lambda: self._render(
                    "register.html.j2",
                    pages.register,
                    documents=self.registered,
                    withheld=len(project.documents) - len(self.published),
                ),
            ),
        }
        for standard in self.shown:
            uri = pages.matrix(standard.catalogue.key)
            found[uri] = _Generated(
                f"Traceability matrix: {standard.catalogue.title}",
                False,
                functools.partial(self._render, "matrix.html.j2", uri, standard=standard),
            )
        if project.mandatory:
            groups = [
                (standard, [s for s in project.mandatory if s.item.standard == standard.catalogue.key])
                for standard in self.shown
                if any(s.item.standard == standard.catalogue.key for s in project.mandatory)
            ]
            found[pages.mandatory] = _Generated(
                "Mandatory documented information",
                True,
                lambda: self._render("mandatory.html.j2", pages.mandatory, groups=groups),
            )
        if project.topics:

            def integrated() -> Markup:
                columns = integrated_columns(project.topics, self.shown)
                rows = [(topic, *shared_topic_cells(topic, project.coverage, columns)) for topic in project.topics]
                return self._render("integrated.html.j2", pages.integrated, columns=columns, rows=rows)

            found[pages.integrated] = _Generated("Integrated view", False, integrated)
        if project.soa is not None:
            soa = project.soa
            found[pages.soa] = _Generated(
                f"Statement of Applicability: {soa.standard.catalogue.title}",
                True,
                lambda: self._render("soa.html.j2", pages.soa, soa=soa),
            )
        return found

    def generated_pages(self) -> dict[str, str]:
        """Source path -> source (front matter and markers) of every compliance page."""
        sources = {}
        for uri, page in self._generated.items():
            body = GENERATED_MARKER
            if uri == self.pages.soa and self.project.soa_document is not None:
                # Under document control: the control block above, the revision history below.
                body = f"{DOCUMENT_HEADER_MARKER}\n\n{GENERATED_MARKER}\n\n## Revision history\n\n{REVISION_HISTORY_MARKER}"
            sources[uri] = _page(page.title, body, wide=page.wide)
        return sources

    def _revision_history(self, origin: str, control: DocumentControl) -> Markup:
        """A document's revision history, newest first.

        Built here rather than by a template: it is the largest table on most pages (a row per
        version, thousands in a build), and a template's per-value overhead made it a tenth of the
        build. The escaping rule is the templates' (`_cell`)."""
        if not control.revisions:
            if control.history_known:
                return Markup("<p>No accepted change yet: this document has not reached the main branch.</p>\n")
            return Markup(
                "<p>No history: the site was built outside a git repository, so versions and approvals are unknown.</p>\n"
            )
        links, fmt = Links(self.pages, origin, self.project.settings, self.withheld), self.fmt
        rows = []
        for rev in control.revisions:
            summary = fmt.summary(rev)
            if rev.change.moved_from and not rev.baseline:
                summary += f" (moved from {rev.change.moved_from})"
            cells = (
                rev.version,
                fmt.date(rev.effective),
                summary,
                fmt.authors(rev),
                fmt.approval(rev),
                links.reference(rev),
                fmt.signature(rev),
            )
            rows.append("<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in cells) + "</tr>\n")
        return Markup(
            "<table data-ims-history>\n<thead>\n<tr><th>Version</th><th>Date</th><th>Summary</th><th>Author</th>"
            "<th>Approver</th><th>Reference</th><th>Signature</th></tr>\n</thead>\n<tbody>\n"
            + "".join(rows)
            + "</tbody>\n</table>\n"
        )

    def _summary(self, origin: str) -> Markup:
        return self._render("summary.html.j2", origin)

    def document_at(self, uri: str) -> Document | None:
        """The controlled document whose page is at `uri` (the SoA's too), if any."""
        return self.by_uri.get(uri)

    def document_markdown(self, doc: Document, markdown: str) -> str:
        """A document's Markdown with the places of its header and its footer (clauses, record control...)."""
        return f"{DOCUMENT_HEADER_MARKER}\n\n{markdown}{self.document_footer(doc)}"

    def document_header(self, doc: Document) -> Markup:
        """What comes above a document's text: print banner, draft notice, control block."""
        control = self.project.control(doc)
        table = self._render("control_table.html.j2", doc.src_uri, doc=doc, control=control)
        return self._render("document_header.html.j2", doc.src_uri, doc=doc, control=control, control_table=table)

    def parts(self, uri: str, markers: Iterable[str]) -> dict[str, str]:
        """The HTML that takes the place of each of `markers` on the page at `uri` (those that belong there)."""
        found: dict[str, str] = {}
        generated = self._generated.get(uri)
        doc = self.by_uri.get(uri)
        for marker in markers:
            if marker == GENERATED_MARKER and generated is not None:
                found[marker] = str(generated.render()).strip()
            elif marker == DOCUMENT_HEADER_MARKER and doc is not None:
                found[marker] = self._document_part(uri, marker, doc, lambda d, c: self.document_header(d))
            elif marker == REVISION_HISTORY_MARKER and doc is not None:
                found[marker] = self._document_part(uri, marker, doc, lambda d, c: self._revision_history(uri, c))
            elif marker == SUMMARY_MARKER:
                found[marker] = str(self._summary(uri)).strip()
            elif marker == ATTENTION_MARKER:
                found[marker] = str(self._attention(uri)).strip()
        return found

    def _document_part(
        self, uri: str, marker: str, doc: Document, render: Callable[[Document, DocumentControl], Markup]
    ) -> str:
        control = self.project.control(doc)
        if self.cache is None:
            return str(render(doc, control)).strip()
        world = (self.project.settings, tuple(self.project.people), self.withheld)
        return self.cache.part(world, (uri, marker), doc, control, lambda: render(doc, control))

    def page_parts(self) -> dict[str, dict[str, str]]:
        """The parts of every document's and generated page, rendered ahead (a page's summary and
        attention lists are rendered when a page asks for them)."""
        pages = {*self._generated, *self.by_uri}
        return {uri: self.parts(uri, PAGE_MARKERS) for uri in pages}

    def finish(self, html: str, uri: str, parts: PartSource | None = None) -> FinishedPage:
        """The finished page at `uri` with its markers replaced, and the build stamp at the end.

        `parts` renders the markers' HTML (by default this renderer, which needs the history).
        The page is read once and put together once: pages are large (the navigation is on each)."""
        places = [(m.start(), m.end(), m.group()) for m in _MARKER.finditer(html) if m.group() in MARKERS]
        present = list(dict.fromkeys(marker for _, _, marker in places))
        found = (parts or self.parts)(uri, present) if present else {}
        pieces: list[str] = []
        done = 0
        for start, end, marker in places:
            if marker in found:
                pieces += (html[done:start], found[marker])
                done = end
        stamp = self._stamp_at(html)
        if stamp is not None and stamp[0] >= done:
            pieces += (html[done : stamp[0]], stamp[1])
            done = stamp[0]
        pieces.append(html[done:])
        anchors = frozenset(htmllib.unescape(m) for part in found.values() for m in _ANCHOR.findall(part))
        return FinishedPage("".join(pieces), anchors)

    def _attention(self, origin: str) -> Markup:
        found = attention(self.published, self.project.controls)
        records = [r for r in self.project.records_due if r.document.src_uri not in self.withheld]
        return self._render("attention.html.j2", origin, lists=found, records=records)

    def _footer_parts(self, doc: Document) -> list[tuple[str, Callable[[], Markup]]]:
        """The sections below a document's text, heading and content: clauses satisfied, record
        control, records produced, attachments (the revision history follows them)."""
        uri = doc.src_uri

        def claimed() -> Markup:
            claims: dict[str, list[tuple[str, str]]] = {}
            for claim in doc.claims:
                catalogue = self.project.catalogues.get(claim.standard)
                if catalogue is not None and claim.clause in catalogue:
                    claims.setdefault(claim.standard, []).append(
                        (claim.clause, catalogue.clauses[claim.clause].display_title)
                    )
            return self._render("document_footer.html.j2", uri, doc=doc, claims=claims)

        parts: list[tuple[str, Callable[[], Markup]]] = [("Clauses satisfied", claimed)]
        if doc.record is not None:
            producer = self.project.document(doc.record.produced_by)
            parts.append(
                ("Record control", lambda: self._render("record_control.html.j2", uri, doc=doc, producer=producer))
            )
        produced = self._produced.get(doc.id, [])
        if produced:
            parts.append(("Records produced", lambda: self._render("produced.html.j2", uri, produced=produced)))
        if doc.attachments:
            parts.append(("Attachments", lambda: self._render("attachments.html.j2", uri, doc=doc)))
        return parts

    def document_footer(self, doc: Document) -> str:
        """The Markdown below a document's text: the footer's headings (so that they are in the table of
        contents) and the places of their content, which `document_content` fills in."""
        parts = [
            f"## {heading}\n\n{_footer_marker(number)}" for number, (heading, _) in enumerate(self._footer_parts(doc))
        ]
        parts.append(f"## Revision history\n\n{REVISION_HISTORY_MARKER}")
        return "\n\n" + "\n\n".join(parts) + "\n"

    def document_content(self, html: str, origin: str) -> str:
        """A page's HTML with the ids it cites linked to their documents, and a document's footer filled in.

        The footer is HTML that Markdown would only pass through; put in after the conversion, it
        costs Markdown nothing and is still searchable (the search index is built after this)."""
        html = self.with_references(html, origin)
        doc = self.by_uri.get(origin)
        if doc is not None and doc is not self.project.soa_document:
            for number, (_, render) in enumerate(self._footer_parts(doc)):
                # The footer's marker is its last occurrence: the document's own text comes before it.
                before, marker, after = html.rpartition(_footer_marker(number))
                if marker:
                    html = f"{before}{str(render()).strip()}{after}"
        return html

    def with_references(self, html: str, origin: str) -> str:
        """A page's HTML with the ids it cites linked to the documents that hold them."""
        links = Links(self.pages, origin, self.project.settings, self.withheld)

        def href(doc: Document) -> str | None:
            if doc.src_uri in self.withheld or doc.src_uri == origin:
                return None
            return links.href(doc.src_uri)

        return link_references(html, self.project.references, href)

    def _stamp_at(self, html: str) -> tuple[int, str] | None:
        """Where the build stamp goes (the end of the page's content), and its HTML: a printout can be traced."""
        stamp = self.project.stamp
        index = html.rfind("</article>")  # Material: the end of the content
        if index < 0:
            index = html.rfind("</body>")  # other themes
        if stamp is None or index < 0:
            return None
        return index, f'<p class="ims-build-stamp">{escape(stamp.text())}</p>\n'
