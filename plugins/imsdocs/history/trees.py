"""Two versions of the repository side by side, read from git without a checkout.

`imsdocs diff` compares what the main branch holds with what a pull request proposes: each tree is
exported (`git archive`) into a temporary folder the pipeline reads like any project; the user's
working tree is never touched.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .git import GitError, git, text
from .reader import HistoryError, identity, log_records, raw_entries, repository_top, trailers


@dataclass(frozen=True)
class Compared:
    """The two commits compared, and what git says happened between them."""

    base: str
    head: str
    renamed: dict[str, str]  # old path -> new path (relative to the project root)
    commits: list[CommitFacts]  # base..head, oldest first
    changed: frozenset[str]  # every path added, changed, removed or renamed (both names) between the trees
    unchanged_renames: frozenset[str]  # new paths of renames whose content is the same


@dataclass(frozen=True)
class CommitFacts:
    """One commit of the change: who wrote it, and the paths it touched."""

    sha: str
    authors: tuple[str, ...]  # "Name <email>", author and co-authors
    editorial: bool
    paths: frozenset[str]  # relative to the project root


def resolve(root: Path, revision: str) -> str:
    """The full commit id of `revision`; HistoryError naming it when git knows no such commit."""
    top, _ = repository_top(root)
    try:
        return text(git(top, "rev-parse", "--verify", "--end-of-options", revision + "^{commit}")).strip()
    except GitError:
        raise HistoryError(f"'{revision}' is no commit of this repository") from None


def is_ancestor(root: Path, base: str, head: str) -> bool:
    """Whether `base` is in the history of `head` (a pull request branched from it, or merged it)."""
    top, _ = repository_top(root)
    try:
        git(top, "merge-base", "--is-ancestor", base, head)
    except GitError as exc:
        if exc.status == 1:
            return False
        raise HistoryError(f"git failed ({exc.status}): {exc}") from None
    return True


def merge_base(root: Path, base: str, head: str) -> str:
    top, _ = repository_top(root)
    try:
        return text(git(top, "merge-base", base, head)).strip()
    except GitError:
        raise HistoryError(f"{base[:10]} and {head[:10]} have no common history") from None


def read_file(root: Path, commit: str, path: str) -> bytes | None:
    """A file's content in `commit` (path relative to the project root), or None when it has none."""
    top, relative = repository_top(root)
    full = path if relative == "." else f"{relative}/{path}"
    try:
        return git(top, "show", f"{commit}:{full}")
    except GitError:
        return None


def export(root: Path, commit: str, paths: Sequence[str], destination: Path) -> None:
    """The files under `paths` (relative to the project root) as they are in `commit`, into `destination`."""
    top, relative = repository_top(root)
    full = [p if relative == "." else f"{relative}/{p}" for p in paths]
    listed = text(git(top, "ls-tree", "--name-only", "-z", commit, "--", *full)).split("\0")
    present = [p for p in listed if p]
    destination.mkdir(parents=True, exist_ok=True)
    if not present:
        return
    archive = git(top, "archive", "--format=tar", commit, "--", *present)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in _safe(tar.getmembers(), relative):
            target = destination / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())


def checked_out(root: Path, commit: str, paths: Sequence[str]) -> bool:
    """Whether the working tree holds `commit`'s files under `paths` and nothing else: HEAD is `commit`
    and git sees no change, untracked or ignored file there (then it need not be exported)."""
    top, relative = repository_top(root)
    full = [p if relative == "." else f"{relative}/{p}" for p in paths]
    try:
        if resolve(root, "HEAD") != commit:
            return False
        status = git(top, "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=all", "--", *full)
    except (GitError, HistoryError):
        return False
    return status == b""


def _safe(members: list[tarfile.TarInfo], relative: str) -> Iterator[tarfile.TarInfo]:
    """Regular files only, named relative to the project root; nothing that could lead outside it.

    A symbolic link in a tree is not exported: the build of that tree reports it as an error."""
    for member in members:
        name = member.name if relative == "." else member.name.removeprefix(relative + "/")
        if not member.isreg() or name.startswith("/") or ".." in name.split("/"):
            continue
        member.name = name
        yield member


def compare(root: Path, base: str, head: str, scope: Sequence[str]) -> Compared:
    """Renames between the two trees, and the commits base..head with their authors and paths."""
    top, relative = repository_top(root)
    full = [p if relative == "." else f"{relative}/{p}" for p in scope]
    output = git(top, "diff", "-M", "--raw", "--no-abbrev", "-z", base, head, "--", *full)
    renamed: dict[str, str] = {}
    changed: set[str] = set()
    kept: set[str] = set()
    for _, diff in log_records(b"0" * 40 + b"\0" + output, 1):
        for kind, old, new, _blob, same in raw_entries(diff):
            changed.update((_strip(old, relative), _strip(new, relative)))
            if kind == "R":
                renamed[_strip(old, relative)] = _strip(new, relative)
                if same:
                    kept.add(_strip(new, relative))
    fields = ["%H", "%an", "%ae", "%(trailers:only,unfold)"]
    log = git(
        top,
        "log",
        "--reverse",
        "--raw",
        "--no-abbrev",
        "-z",
        "-M",
        "--format=" + "".join(f"{f}%x00" for f in fields),
        f"{base}..{head}",
        "--",
        *full,
    )
    commits = []
    for header, diff in log_records(log, len(fields)):
        sha, name, email, block = header
        found = trailers(block)
        co_authors = [identity(v) for v in found.get("co-authored-by", ())]
        authors = [f"{name} <{email}>", *(f"{a.name} <{a.email}>" for a in co_authors)]
        paths = {_strip(p, relative) for kind, old, new, _b, _s in raw_entries(diff) for p in (old, new)}
        commits.append(
            CommitFacts(
                sha,
                tuple(dict.fromkeys(authors)),
                "editorial" in (v.lower() for v in found.get("change-type", ())),
                frozenset(paths),
            )
        )
    return Compared(base, head, renamed, commits, frozenset(changed), frozenset(kept))


def _strip(path: str, relative: str) -> str:
    return path[len(relative) + 1 :] if relative != "." and path.startswith(relative + "/") else path
