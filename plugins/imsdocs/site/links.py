"""Where the generated pages live, and links between pages, written as final relative URLs.

Generated content is HTML that Markdown passes through untouched, so links are computed here the
way MkDocs computes them (with or without directory URLs) rather than rewritten by MkDocs.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup, escape

from ..compliance.soa import soa_page
from ..history.document_control import Revision
from ..model.disclosure import withheld_name
from ..model.documents import Document
from ..model.sources import site_path
from ..options import Settings
from .escaping import plain


def standard_slug(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def clause_anchor(standard: str, clause_id: str) -> str:
    return f"{standard_slug(standard)}-{re.sub(r'[^a-z0-9]+', '-', clause_id.lower()).strip('-')}"


@dataclass(frozen=True)
class Pages:
    """Where the generated pages live in the site (source paths relative to the site root)."""

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
        return soa_page(self.compliance_dir)

    @property
    def register(self) -> str:
        return f"{self.compliance_dir}/register.md"

    @property
    def mandatory(self) -> str:
        return f"{self.compliance_dir}/mandatory.md"


@functools.lru_cache(maxsize=65536)  # the same few hundred pages link to each other thousands of times
def _relative_url(origin: str, target: str, use_directory_urls: bool) -> str:
    origin_url = site_path(origin, use_directory_urls)
    base = origin_url.rstrip("/") if origin_url.endswith("/") or not origin_url else posixpath.dirname(origin_url)
    url = site_path(target, use_directory_urls)
    relative = posixpath.relpath(url.rstrip("/") or ".", base or ".")
    if url.endswith("/") or not url:
        relative = "./" if relative == "." else relative + "/"
    return quote(relative)


@dataclass(frozen=True)
class Links:
    """Links as they are written on one page (`origin`, a source path such as `policies/a.md`)."""

    pages: Pages
    origin: str
    settings: Settings
    withheld: frozenset[str] = frozenset()  # source paths this build does not publish

    def href(self, target: str, anchor: str = "") -> str:
        """The relative URL from this page to the source path `target` (a page or a file)."""
        relative = _relative_url(self.origin, target, self.settings.use_directory_urls)
        return relative + (f"#{anchor}" if anchor else "")

    def to(self, text: str, target: str, anchor: str = "") -> Markup:
        """A link with `text` (as text) to the source path `target`."""
        # Built with escape() rather than Markup.format: the same escaping at a fraction of the cost,
        # and the generated tables hold thousands of links.
        return Markup(f'<a href="{escape(self.href(target, anchor))}">{escape(plain(text))}</a>')

    def document(self, doc: Document, title: bool = False) -> Markup:
        """A link to a document; a withheld one reads "a confidential document" (with its id where allowed)."""
        if doc.src_uri not in self.withheld:
            return self.to(f"{doc.id} {doc.title}" if title else doc.id, doc.src_uri)
        return Markup('<span class="ims-withheld">{}</span>').format(withheld_name(doc, self.settings))

    def clause(self, standard: str, clause_id: str) -> Markup:
        return self.to(clause_id, self.pages.matrix(standard), clause_anchor(standard, clause_id))

    @staticmethod
    def anchor(standard: str, clause_id: str) -> Markup:
        return Markup(f'<span id="{escape(clause_anchor(standard, clause_id))}"></span>')

    def reference(self, revision: Revision) -> Markup:
        """The pull request ("#12", GitLab's "!42"), else the commit, as HTML; linked when `repo_url` is set.

        A pull request named only by a subject line is marked as a claim; the baseline version shows
        where its approval is recorded.
        """
        if revision.baseline is not None:
            return escape(plain(revision.baseline.reference or "baseline"))
        commit = revision.commit
        url = (self.settings.repo_url or "").rstrip("/")
        gitlab, bitbucket = "gitlab" in url, "bitbucket" in url
        label = commit.pull_request or commit.sha[:10]
        claimed = " (pull request claimed, not verified)" if commit.pull_request_claimed else ""
        if not url.startswith(("https://", "http://")):
            return escape(plain(label) + claimed)
        if commit.pull_request is None:
            path = "/-/commit/" if gitlab else "/commits/" if bitbucket else "/commit/"
            target = path + commit.sha
        elif label.startswith("!") or gitlab:
            target = "/-/merge_requests/" + label[1:]
        else:
            target = ("/pull-requests/" if bitbucket else "/pull/") + label[1:]
        return Markup('<a href="{}">{}</a>{}').format(plain(url + target), plain(label), claimed)
