"""Where the generated pages live, and links between pages (relative, so the site works anywhere)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from markupsafe import Markup

from ..history.document_control import Revision
from ..model.documents import Document
from .escaping import escape


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


@dataclass(frozen=True)
class Links:
    """Links as they are written on one page (`origin`, a site path such as `policies/a.md`)."""

    pages: Pages
    origin: str
    repo_url: str | None = None

    def to(self, text: str, target: str, anchor: str = "") -> Markup:
        """A Markdown link with `text` (escaped) to the site path `target`."""
        href = posixpath.relpath(target, posixpath.dirname(self.origin) or ".")
        return Markup(f"[{escape(text)}]({href}{'#' + anchor if anchor else ''})")

    def document(self, doc: Document, with_title: bool = False) -> Markup:
        return self.to(f"{doc.id} {doc.title}" if with_title else doc.id, doc.src_uri)

    def clause(self, standard: str, clause_id: str) -> Markup:
        return self.to(clause_id, self.pages.matrix(standard), clause_anchor(standard, clause_id))

    @staticmethod
    def anchor(standard: str, clause_id: str) -> Markup:
        return Markup(f'<span id="{clause_anchor(standard, clause_id)}"></span>')

    def reference(self, revision: Revision) -> Markup:
        """The pull request ("#12", GitLab's "!42"), else the commit, as HTML; linked when `repo_url` is set.

        A pull request named only by a subject line is marked as a claim; the baseline version shows
        where its approval is recorded.
        """
        if revision.baseline is not None:
            return Markup(escape(revision.baseline.reference or "baseline"))
        commit = revision.commit
        url = (self.repo_url or "").rstrip("/")
        gitlab, bitbucket = "gitlab" in url, "bitbucket" in url
        label = commit.pull_request or commit.sha[:10]
        claimed = " (pull request claimed, not verified)" if commit.pull_request_claimed else ""
        if not url:
            return Markup(escape(label) + claimed)
        if commit.pull_request is None:
            path = "/-/commit/" if gitlab else "/commits/" if bitbucket else "/commit/"
            target = path + commit.sha
        elif label.startswith("!") or gitlab:
            target = "/-/merge_requests/" + label[1:]
        else:
            target = ("/pull-requests/" if bitbucket else "/pull/") + label[1:]
        return Markup(f'<a href="{escape(url + target)}">{escape(label)}</a>{claimed}')
