"""PDFs of the controlled documents: one per document, and one of the whole IMS for an auditor.

The pages come from the built site, where the plugin has already put each document's control
block and revision history, so a PDF says exactly what the site says. Each document is its page's
`<article>` (Material's content) with a print stylesheet of ours: a running header (id, title,
version or DRAFT), a footer (effective date, approver, "Uncontrolled when printed", page N of M
of that document). Each document is laid out once; its PDF and the combined one share the pages.

Nothing is fetched from the network: WeasyPrint gets its resources only through `LocalFiles`,
which serves files under the site folder and refuses (and records) every other URL; the
stylesheet names only local fonts.

In the combined PDF each document starts on a new page with its title as its one added h1 (a
bookmark); links between documents point at the document inside the PDF (`#doc-POL-021`, and
`#doc-POL-021--<id>` for a heading), and links to pages that are not in the PDF (the compliance
views, withheld documents, and in a document's own PDF the other documents) become plain text.
"""

from __future__ import annotations

import datetime
import html
import importlib
import mimetypes
import posixpath
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..history.document_control import DocumentControl
from ..model.documents import Document
from ..model.sources import site_path
from ..pipeline import Project
from .export import plain

NEEDS_WEASYPRINT = "imsdocs pdf needs WeasyPrint: pip install 'imsdocs[pdf]'"
COMBINED = "ims.pdf"

# Elements whose content is no document text, or that would load something: left out.
_DROPPED = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "template", "link", "meta"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_EXTERNAL_SCHEMES = ("http", "https", "mailto")

PRINT_CSS = """
@page {
  size: A4;
  margin: 22mm 18mm 22mm 18mm;
  @top-left {
    content: string(ims-header);
    font: 8.5pt "DejaVu Sans", "Liberation Sans", sans-serif;
    color: #333;
    width: 100%;
    vertical-align: bottom;
    padding-bottom: 3mm;
    border-bottom: 0.5pt solid #999;
  }
  @bottom-left {
    content: string(ims-footer);
    font: 7.5pt "DejaVu Sans", "Liberation Sans", sans-serif;
    color: #333;
    width: 62%;
    vertical-align: top;
    padding-top: 3mm;
  }
  @bottom-right {
    content: "Uncontrolled when printed \\B7  page " counter(page) " of " counter(pages);
    font: 7.5pt "DejaVu Sans", "Liberation Sans", sans-serif;
    color: #333;
    width: 38%;
    text-align: right;
    vertical-align: top;
    padding-top: 3mm;
  }
}
@page cover {
  @top-left { content: none; border: none; }
  @bottom-left { content: none; }
  @bottom-right { content: "Uncontrolled when printed"; }
}
html { font: 10pt/1.4 "DejaVu Sans", "Liberation Sans", sans-serif; color: #111; }
body { margin: 0; }
h1.ims-title {
  string-set: ims-header attr(data-ims-header), ims-footer attr(data-ims-footer);
  font-size: 17pt;
  margin: 0 0 0.6em;
}
.ims-document + .ims-document { break-before: page; }
h2 { font-size: 13pt; margin: 1.2em 0 0.4em; break-after: avoid; }
h3 { font-size: 11pt; margin: 1em 0 0.3em; break-after: avoid; }
h4, h5, h6 { font-size: 10pt; break-after: avoid; }
p, li { orphans: 2; widows: 2; }
a { color: #1f4e8c; text-decoration: none; }
code, pre, kbd { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: 0.5em; }
table { border-collapse: collapse; margin: 0.6em 0; width: 100%; font-size: 8.5pt; }
th, td { border: 0.5pt solid #aaa; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
img, svg { max-width: 100%; }
table[data-ims-control] th { background: #f2f2f2; width: 16%; }
.admonition { border-left: 3pt solid #888; background: #f7f7f7; padding: 0.2em 0.8em; margin: 0.8em 0; }
.admonition-title { font-weight: bold; }
.ims-draft { border-left-color: #c00; }
.ims-build-stamp { font-size: 7.5pt; color: #555; margin-top: 1.5em; }
.headerlink, .md-content__button, .md-source-file, .ims-print-banner, .ims-table-filter { display: none; }
.ims-cover { page: cover; }
.ims-cover h1 { bookmark-level: none; font-size: 22pt; margin-top: 35mm; }
.ims-cover .ims-stamp { margin: 2em 0; color: #333; }
.ims-contents td:first-child { white-space: nowrap; }
"""


class PdfError(Exception):
    """Why no PDF could be made, as one line for the user."""


@dataclass
class LocalFiles:
    """WeasyPrint's only source of resources: files under `root`; every other URL is refused and recorded."""

    root: Path
    refused: list[str] = field(default_factory=list)
    served: int = 0

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    def get(self, url: str) -> tuple[bytes, str, str]:
        """The bytes, media type and URL of a local file; ValueError (WeasyPrint skips it) for anything else."""
        parts = urlsplit(url)
        path = None
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()  # symbolic links resolved: no way out of the site
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url)
            raise ValueError(f"not fetched: {url[:200]} is not a file of the site")
        self.served += 1
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return path.read_bytes(), media_type, path.as_uri()


def load_weasyprint() -> ModuleType:
    """The WeasyPrint module, or PdfError saying what to install."""
    try:
        return importlib.import_module("weasyprint")
    except ImportError as exc:
        raise PdfError(NEEDS_WEASYPRINT) from exc
    except OSError as exc:  # installed, but Pango (a system library) is missing
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PdfError(
            f"imsdocs pdf: WeasyPrint cannot load its system libraries ({first}); on Debian: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from exc


def url_fetcher(weasyprint: ModuleType, files: LocalFiles) -> object:
    """`files` in the form the installed WeasyPrint takes: a URLFetcher (68 and later), else a function."""
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):

        class Fetcher(urls.URLFetcher):  # type: ignore[misc, name-defined]  # WeasyPrint is untyped
            def fetch(self, url: str, headers: object = None) -> object:
                body, media_type, resolved = files.get(url)
                return urls.URLFetcherResponse(resolved, body, {"Content-Type": media_type})

        return Fetcher()

    def fetch(url: str) -> dict[str, object]:
        body, media_type, resolved = files.get(url)
        return {"string": body, "mime_type": media_type, "redirected_url": resolved}

    return fetch


def page_file(site: Path, doc: Document, use_directory_urls: bool) -> Path:
    """The built HTML page of a document (`policies/x.md` -> `policies/x/index.html`)."""
    url = site_path(doc.src_uri, use_directory_urls)
    return site / (url + "index.html" if url.endswith("/") or not url else url)


# --- The document's content: the page's <article>, its ids and links rewritten ---------------------

Attrs = list[tuple[str, str | None]]


@dataclass
class Article:
    """A page's content as parsed tokens: ("start", tag, attrs), ("end", tag), ("text", data)."""

    tokens: list[tuple[str, str, Attrs]]
    ids: set[str]


@dataclass
class _Region:
    """One candidate for a page's content: the tokens inside the first element that `opens` accepts."""

    opens: Callable[[str, Attrs], bool]
    tag: str | None = None  # the element's tag, once open
    depth: int = 0  # nesting of that tag (only its own tags count: a <p> may be left open)
    done: bool = False
    tokens: list[tuple[str, str, Attrs]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def start(self, tag: str, attrs: Attrs) -> bool:
        """Take a start tag; False when it opens the region itself (and is not content)."""
        if self.done:
            return True
        if self.depth == 0:
            if self.opens(tag, attrs):
                self.tag, self.depth = tag, 1
                return False
            return True
        if tag == self.tag:
            self.depth += 1
        return True

    def end(self, tag: str) -> bool:
        """Take an end tag; False when it closes the region."""
        if self.depth and tag == self.tag:
            self.depth -= 1
            if self.depth == 0:
                self.done = True
                return False
        return True

    def add(self, token: tuple[str, str, Attrs]) -> None:
        if self.depth:
            self.tokens.append(token)
            self.ids.update(value for key, value in token[2] if key == "id" and value)


class _ContentParser(HTMLParser):
    """Collects the tokens of a page's content: its <article> (Material), else its main region
    (`role="main"`, as MkDocs' own theme has it, or <main>), else its <body>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.regions = [
            _Region(lambda tag, attrs: tag == "article"),
            _Region(lambda tag, attrs: tag == "main" or ("role", "main") in attrs),
            _Region(lambda tag, attrs: tag == "body"),
        ]
        self._dropped: str | None = None  # inside this dropped element

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        if self._dropped is not None:
            return
        if tag in _DROPPED:
            self._dropped = None if tag in _VOID else tag
            return
        for region in self.regions:
            if region.start(tag, attrs):
                region.add(("start", tag, attrs))

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        if self._dropped is None and tag not in _DROPPED:
            for region in self.regions:
                region.add(("start", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if self._dropped is not None:
            if tag == self._dropped:
                self._dropped = None
            return
        if tag in _VOID:
            return
        for region in self.regions:
            if region.end(tag):
                region.add(("end", tag, []))

    def handle_data(self, data: str) -> None:
        if self._dropped is None:
            for region in self.regions:
                region.add(("text", data, []))


def read_article(page: Path) -> Article:
    """The content of a built page."""
    parser = _ContentParser()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    content = next((r for r in parser.regions if r.tokens), parser.regions[-1])
    return Article(content.tokens, content.ids)


@dataclass(frozen=True)
class Entry:
    """One document of the PDFs: its content and what its running header and footer say."""

    doc: Document
    page: Path  # the built HTML page
    article: Article
    state: str  # "version 2.1", "DRAFT"
    footer: str

    @property
    def title(self) -> str:
        return plain(f"{self.doc.id} {self.doc.title}")

    @property
    def header(self) -> str:
        return f"{self.title} \u00b7 {self.state}"

    @property
    def anchor(self) -> str:
        return f"doc-{self.doc.id}"

    def local(self, fragment: str) -> str:
        """An id of this document's content as it is named in a PDF that holds several documents."""
        return f"{self.anchor}--{fragment}"


def running_texts(project: Project, doc: Document) -> tuple[str, str]:
    """What the running header says after the id and title (the version, or DRAFT), and the running
    footer (when the version took effect, who approved it)."""
    control: DocumentControl = project.control(doc)
    current = control.current
    if control.is_draft:
        state = "DRAFT"
    elif current is not None:
        state = f"version {current.version}"
    else:
        state = "no accepted version"
    if current is None:
        return state, "Not yet effective \u00b7 no approval recorded"
    effective = _day(project, current.effective)
    approvers = plain(", ".join(i.split("<")[0].strip() or i for i in current.shown_approvers))
    approved = f"approved by {approvers}" if approvers else "approval not recorded"
    return state, f"Effective {effective} \u00b7 {approved}"


def _day(project: Project, value: int | datetime.date) -> str:
    tz = project.tz
    day = datetime.datetime.fromtimestamp(value, tz) if isinstance(value, int) else value
    return day.strftime(project.settings.date_format)


def _attributes(attrs: Attrs) -> str:
    return "".join(f" {name}" if value is None else f' {name}="{html.escape(value)}"' for name, value in attrs)


def document_html(entry: Entry, entries: dict[str, Entry], site: Path) -> str:
    """A document's content as HTML for the PDFs: its title as the one h1 (with the running texts),
    ids made unique to it, links to documents in `entries` pointing inside the PDF, other links unlinked."""
    page_folder = posixpath.dirname(entry.page.relative_to(site).as_posix())
    title = (
        f'<h1 class="ims-title" id="{html.escape(entry.anchor)}" data-ims-header="{html.escape(entry.header)}" '
        f'data-ims-footer="{html.escape(entry.footer)}">{html.escape(entry.title)}</h1>\n'
    )
    out = [f'<section class="ims-document">\n{title}']
    tokens = _without_page_title(entry.article.tokens)
    links: list[bool] = []  # for each open <a>: whether it is kept
    for kind, name, attrs in tokens:
        if kind == "text":
            out.append(html.escape(plain(name), quote=False))  # a control character prints as a box
        elif kind == "end":
            if name != "a" or not links or links.pop():
                out.append(f"</{name}>")
        else:
            attrs = [(key, value) for key, value in attrs if not key.startswith("on")]  # no script
            attrs = [(key, entry.local(value) if key == "id" and value else value) for key, value in attrs]
            href = dict(attrs).get("href") if name == "a" else None
            if href is not None:
                target = _link(href, entry, entries, site, page_folder)
                links.append(target is not None)
                if target is None:
                    continue  # the link's text stays, as text
                attrs = [(key, target if key == "href" else value) for key, value in attrs]
            elif name == "a":
                links.append(True)  # an anchor without a link
            out.append(f"<{name}{_attributes(attrs)}>")
    out.append("\n</section>\n")
    return "".join(out)


def _without_page_title(tokens: list[tuple[str, str, Attrs]]) -> list[tuple[str, str, Attrs]]:
    """The content without the theme's page title (the first element, an h1): ours replaces it."""
    first = next((i for i, (kind, name, _) in enumerate(tokens) if kind != "text" or name.strip()), None)
    if first is None or tokens[first][:2] != ("start", "h1"):
        return tokens
    end = next((i for i in range(first, len(tokens)) if tokens[i][:2] == ("end", "h1")), None)
    return tokens if end is None else tokens[:first] + tokens[end + 1 :]


def _link(href: str, entry: Entry, entries: dict[str, Entry], site: Path, page_folder: str) -> str | None:
    """Where a link points in the PDF; None when its target is not in it (the link becomes text)."""
    parts = urlsplit(href.strip())
    if parts.scheme:
        return href if parts.scheme.lower() in _EXTERNAL_SCHEMES else None
    if parts.netloc:
        return None
    fragment = unquote(parts.fragment)
    if not parts.path:  # on this page
        return f"#{entry.local(fragment)}" if fragment in entry.article.ids else None
    path = posixpath.normpath(posixpath.join(page_folder, unquote(parts.path)))
    if href.split("#")[0].endswith("/") or (site / path).is_dir():
        path = posixpath.join(path, "index.html")
    target = entries.get(path)
    if target is None:
        return None
    if fragment and fragment in target.article.ids:
        return f"#{target.local(fragment)}"
    return f"#{target.anchor}"


def cover_html(site_name: str, stamp: str, entries: Sequence[Entry]) -> str:
    """The title page of the combined PDF: the site's name, the build stamp and the list of documents."""
    rows = "".join(
        f'<tr><td><a href="#{html.escape(e.anchor)}">{html.escape(e.doc.id)}</a></td>'
        f"<td>{html.escape(plain(e.doc.title))}</td><td>{html.escape(e.state.removeprefix('version '))}</td></tr>"
        for e in entries
    )
    return (
        f'<section class="ims-cover"><h1>{html.escape(plain(site_name))}</h1>'
        f'<p class="ims-stamp">{html.escape(plain(stamp))}</p>'
        f"<p>{len(entries)} controlled documents, each from the page the site shows.</p>"
        f'<table class="ims-contents"><thead><tr><th>Document</th><th>Title</th><th>Version</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>\n"
    )


def _page_html(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(plain(title))}</title></head>'
        f"<body>\n{body}</body></html>\n"
    )


@dataclass
class PdfResult:
    """What a run made: the files written, the URLs refused, and how long each phase took."""

    files: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    local_files: int = 0  # resources read from the site folder (images, attachments)
    seconds: dict[str, float] = field(default_factory=dict)


def write_pdfs(
    project: Project,
    site: Path,
    output: Path,
    site_name: str,
    *,
    progress: Callable[[str], None] | None = None,
) -> PdfResult:
    """One PDF per published document (`output/<id>.pdf`) and the combined `output/ims.pdf`, from the built `site`."""
    weasyprint = load_weasyprint()
    site = site.resolve()
    published = sorted((doc for doc in project.documents if project.published(doc)), key=lambda d: d.id)
    missing = [doc.id for doc in published if not page_file(site, doc, project.settings.use_directory_urls).is_file()]
    if missing:
        raise PdfError(
            f"imsdocs pdf: {site} has no page for {', '.join(missing[:5])}"
            + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            + ": build the site from the same mkdocs.yml (or leave out --site)."
        )
    started = time.monotonic()
    entries: dict[str, Entry] = {}
    for doc in published:
        page = page_file(site, doc, project.settings.use_directory_urls)
        state, footer = running_texts(project, doc)
        entries[page.relative_to(site).as_posix()] = Entry(doc, page, read_article(page), state, footer)
    files = LocalFiles(site)
    fetcher = url_fetcher(weasyprint, files)
    stylesheet = weasyprint.CSS(string=PRINT_CSS, url_fetcher=fetcher)
    result = PdfResult()
    output.mkdir(parents=True, exist_ok=True)

    def render(title: str, body: str, base: Path) -> Any:
        document = weasyprint.HTML(string=_page_html(title, body), base_url=base.as_uri(), url_fetcher=fetcher)
        return document.render(stylesheets=[stylesheet])

    # Each document is laid out once, with its own page numbers ("page 2 of 5" of POL-021, also in
    # the combined PDF); the combined PDF is the cover's pages and then every document's.
    stamp = project.stamp.text() if project.stamp is not None else "Built without a build stamp"
    cover = render(site_name, cover_html(site_name, stamp, list(entries.values())), site / "index.html")
    rendered = []
    for entry in entries.values():
        document = render(entry.header, document_html(entry, entries, site), entry.page)
        if progress is not None:
            progress(f"{entry.doc.id}: {len(document.pages)} page(s)")
        rendered.append((entry, document))
    result.seconds["render"] = time.monotonic() - started

    started = time.monotonic()
    for entry, document in rendered:
        target = output / f"{entry.doc.id}.pdf"
        _write_alone(document, target)
        result.files.append(target)
    target = output / COMBINED
    cover.copy([page for document in (cover, *(d for _, d in rendered)) for page in document.pages]).write_pdf(target)
    result.files.append(target)
    result.seconds["write"] = time.monotonic() - started
    result.refused = list(dict.fromkeys(files.refused))
    result.local_files = files.served
    return result


def _write_alone(document: Any, target: Path) -> None:
    """Write one document's PDF: its links to the other documents have nowhere to go there, and are dropped
    (their text stays); the combined PDF, written after, keeps them."""
    anchors = {name for page in document.pages for name in page.anchors}
    kept = [page.links for page in document.pages]
    try:
        for page in document.pages:
            page.links = [link for link in page.links if link[0] != "internal" or link[1] in anchors]
        document.write_pdf(target)
    finally:
        for page, links in zip(document.pages, kept, strict=True):
            page.links = links
