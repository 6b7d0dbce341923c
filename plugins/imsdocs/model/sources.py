"""Which files are published: the one rule the site build and `imsdocs check` share.

Only regular `.md` files under the source folders are documents; any other file there must be
listed as an attachment of a document (then it is published, and withheld, with it). Hidden files
and folders (a name starting with '.') are ignored everywhere. A symbolic link, another Markdown
extension, or two files that would share one URL are errors: nothing is published that is not
controlled, and nothing controlled is silently dropped.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .. import codes
from ..diagnostics import Diagnostic
from .documents import Document

# What MkDocs builds as a page (it compares case-insensitively); only `.md` is a document.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")


@dataclass(frozen=True)
class SourceFile:
    """A file of the document folders: where it is on disk and where it goes in the site."""

    file: Path
    uri: str  # relative to the project root, with '/': "policies/access-control.md"
    is_document: bool


def site_path(uri: str, use_directory_urls: bool) -> str:
    """Where MkDocs puts a file in the site: a page's URL, or an asset's own path."""
    stem, suffix = posixpath.splitext(uri)
    if suffix.lower() not in MARKDOWN_SUFFIXES:
        return uri
    folder, name = posixpath.split(stem)
    if name.lower() in ("index", "readme"):
        return f"{folder}/" if folder else ""
    if use_directory_urls:
        return f"{stem}/"
    return f"{stem}.html"


def scan_sources(
    root: Path, sources: Sequence[str], *, docs_dir: str = "docs", use_directory_urls: bool = True
) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every publishable file of the source folders, documents marked, in a stable order."""
    found: list[SourceFile] = []
    problems: list[Diagnostic] = []
    for source in sources:
        folder = root / source
        if folder.is_symlink() or not folder.is_dir():
            problems.append(
                codes.SOURCE_MISSING(
                    f"the document folder '{source}' does not exist"
                    + (" (it is a symbolic link)." if folder.is_symlink() else "."),
                    hint="Create it or remove it from 'sources'.",
                )
            )
            continue
        in_folder: list[SourceFile] = []
        _walk(root, folder, in_folder, problems)
        found.extend(sorted(in_folder, key=lambda source_file: source_file.file.parts))
    problems.extend(_url_clashes(root, found, docs_dir, use_directory_urls))
    return found, problems


def _walk(root: Path, folder: Path, found: list[SourceFile], problems: list[Diagnostic]) -> None:
    # Iterative: a folder tree may be deeper than Python's recursion limit.
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            uri = current.relative_to(root).as_posix()
            problems.append(codes.FILE_UNREADABLE(f"cannot list the folder: {exc.strerror or exc}.", uri))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            uri = path.relative_to(root).as_posix()
            if entry.is_symlink():
                target = os.readlink(entry.path)
                problems.append(
                    codes.SOURCE_SYMLINK(
                        f"is a symbolic link (to '{target}'): git records the link, not the content, so the "
                        "content would be published without document control.",
                        uri,
                        hint="Replace the link with the file itself (or move the folder into the document folder).",
                    )
                )
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                pending.append(path)
                continue
            if not stat.S_ISREG(mode):
                problems.append(codes.SOURCE_NOT_FILE("is not a regular file.", uri, hint="Remove it."))
                continue
            suffix = posixpath.splitext(entry.name)[1]
            if suffix.lower() in MARKDOWN_SUFFIXES and suffix != ".md":
                problems.append(
                    codes.SOURCE_NOT_DOCUMENT(
                        f"MkDocs would publish '{suffix}' as a page, but only '.md' files are documents.",
                        uri,
                        hint=f"Rename it to '{posixpath.splitext(entry.name)[0]}.md'.",
                    )
                )
                continue
            found.append(SourceFile(path, uri, suffix == ".md"))


def _url_clashes(root: Path, found: Sequence[SourceFile], docs_dir: str, use_directory_urls: bool) -> list[Diagnostic]:
    """Two files that would be written to one place in the site: MkDocs would keep one and drop the other."""
    owners: dict[str, str] = {}
    docs = root / docs_dir
    if docs.is_dir():
        for file in docs.rglob("*"):
            if file.is_file():
                relative = file.relative_to(docs).as_posix()
                owners.setdefault(site_path(relative, use_directory_urls).lower(), f"{docs_dir}/{relative}")
    problems = []
    for source in found:
        key = site_path(source.uri, use_directory_urls).lower()
        if key in owners:
            problems.append(
                codes.SOURCE_URL_CLASH(
                    f"would be published at the same address ('{key or '/'}') as {owners[key]}: one would be lost.",
                    source.uri,
                    hint="Rename or move one of them.",
                )
            )
        else:
            owners[key] = source.uri
    return problems


def check_attachments(sources: Iterable[SourceFile], attached: dict[str, tuple[str, str, int]]) -> list[Diagnostic]:
    """Every file that is not a document is some document's attachment, and every attachment exists.

    `attached`: attachment uri -> (document id, document path, front-matter line).
    """
    problems = []
    present = set()
    for source in sources:
        present.add(source.uri)
        if not source.is_document and source.uri not in attached:
            problems.append(
                codes.SOURCE_UNCONTROLLED(
                    "is neither a document nor an attachment of one: it would be published without document control.",
                    source.uri,
                    hint="List it under 'attachments:' of the document it belongs to, or move it out of the folder.",
                )
            )
    for uri, (doc_id, path, line) in attached.items():
        if uri not in present:
            problems.append(
                codes.ATTACHMENT_MISSING(
                    f"{doc_id} lists the attachment '{uri}', which is not a file of the document folders.",
                    path,
                    line,
                    hint="Add the file beside the document, or remove it from 'attachments'.",
                )
            )
    return problems


def broken_links(
    documents: Iterable[Document], sources: Iterable[SourceFile], root: Path, docs_dir: str, compliance_dir: str
) -> list[Diagnostic]:
    """A warning per relative link in a document that leads to no file the site will have."""
    targets = {source.uri for source in sources}
    docs = root / docs_dir
    if docs.is_dir():
        targets.update(file.relative_to(docs).as_posix() for file in docs.rglob("*") if file.is_file())
    problems = []
    for doc in documents:
        folder = posixpath.dirname(doc.src_uri)
        for target, line in doc.links:
            path = unquote(target.split("#", 1)[0].split("?", 1)[0])
            if not path:
                continue
            resolved = posixpath.normpath(posixpath.join(folder, path))
            if resolved in targets or resolved.startswith(compliance_dir.rstrip("/") + "/"):
                continue
            if resolved.endswith("/") or posixpath.join(resolved, "index.md") in targets:
                continue
            problems.append(
                codes.LINK_BROKEN(
                    f"the link to '{target}' leads to no document or file of the site.",
                    doc.path,
                    line,
                    hint="Correct the path (relative to this document), or add the file.",
                )
            )
    return problems


def compliance_dir_clashes(root: Path, sources: Sequence[str], docs_dir: str, compliance_dir: str) -> list[Diagnostic]:
    """The generated pages' folder must be theirs alone."""
    folder = compliance_dir.strip("/")
    problems = []
    for source in sources:
        if folder == source or folder.startswith(source + "/") or source.startswith(folder + "/"):
            problems.append(
                codes.OPTION_PATH(
                    f"option 'compliance_dir': '{compliance_dir}' overlaps the document folder '{source}'.",
                    "mkdocs.yml",
                    hint="Generated pages need a folder of their own, such as 'compliance'.",
                )
            )
    existing = root / docs_dir / folder
    if existing.is_dir() and any(existing.iterdir()):
        problems.append(
            codes.SOURCE_URL_CLASH(
                f"the folder '{docs_dir}/{folder}' holds files, but the compliance pages are generated there.",
                f"{docs_dir}/{folder}",
                hint="Move those files, or set 'compliance_dir' to another folder.",
            )
        )
    return problems
