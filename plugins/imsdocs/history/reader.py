"""Accepted changes of every document, from ONE `git log` pass over the main branch.

An accepted change is a first-parent commit of the main branch (a pull-request merge, a squash
merge or a direct commit). Identities are carried through renames recorded in the same pass
(`-M --name-status`), oldest to newest, instead of one `git log --follow` per file.
This module only reads git; what the changes mean (versions, approvals) is decided elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import git

_FIELD = "\x1f"
_RECORD = "\x1e"
_LIST = "\x1d"
_FORMAT = (
    _RECORD
    + _FIELD.join(
        [
            "%H",
            "%P",
            "%an",
            "%ae",
            "%at",
            "%ct",
            "%cI",
            "%s",
            "%(trailers:key=Approved-by,valueonly,separator=%x1d)",
            "%(trailers:key=Reviewed-by,valueonly,separator=%x1d)",
            "%(trailers:key=Change-type,valueonly,separator=%x1d)",
            "%b",
        ]
    )
    + _FIELD
)
_PULL_REQUEST = [  # (pattern, how the forge writes the reference)
    (re.compile(r"^Merge pull request #(\d+)\b"), "#"),  # GitHub merge commit
    (re.compile(r"\(#(\d+)\)\s*$"), "#"),  # GitHub squash merge
    (re.compile(r"See merge request [\w./-]*!(\d+)"), "!"),  # GitLab (in the body)
    (re.compile(r"\(pull request #(\d+)\)"), "#"),  # Bitbucket
]


class HistoryError(Exception):
    """git could not be read; the message says what to do."""


@dataclass(frozen=True)
class Change:
    """One accepted change (first-parent commit) that touched a document."""

    commit: str
    is_merge: bool
    author: str
    author_email: str
    authored_at: int  # epoch seconds
    committed_at: int  # epoch seconds: when the change reached the main branch
    committer_offset_minutes: int
    subject: str
    approvers: tuple[str, ...]
    reviewers: tuple[str, ...]
    editorial: bool  # marked `Change-type: editorial`
    pull_request: str | None  # "#12" or "!42"
    path: str  # the document's path in this commit
    renamed_only: bool = False  # moved without a content change (R100): same version
    authors: tuple[str, ...] = ()  # who wrote the change (for a merge: the authors of the merged commits)
    summary: str = ""  # the pull request's title where the forge put it in the body, else the subject


@dataclass
class History:
    """What one read of git found: every document's accepted changes, and the state of the checkout."""

    head: str | None  # the main branch's tip
    shallow: bool
    changes: dict[str, list[Change]] = field(default_factory=dict)  # current path -> oldest first
    branch: str = "HEAD"  # the ref whose first-parent history was read
    branch_found: bool = True  # False: the configured main branch does not exist; HEAD was read
    proposed: dict[str, str | None] = field(default_factory=dict)  # changed on HEAD, not on main: path -> path on main
    uncommitted: dict[str, str] = field(default_factory=dict)  # working tree: path -> "modified" | "untracked" | ...

    def of(self, path: str) -> list[Change]:
        return self.changes.get(path, [])


def pull_request_number(subject: str, body: str = "") -> str | None:
    """The pull request as its forge writes it: "#12" (GitHub, Bitbucket) or "!42" (GitLab)."""
    for pattern, sigil in _PULL_REQUEST:
        match = pattern.search(subject) or pattern.search(body)
        if match:
            return sigil + match.group(1)
    return None


_MERGE_SUBJECT = re.compile(r"^Merge (pull request|branch|remote-tracking branch)\b")


def summary_of(subject: str, body: str) -> str:
    """GitHub and GitLab merge subjects say which branch was merged; the title is the body's first line."""
    if _MERGE_SUBJECT.match(subject):
        for line in body.splitlines():
            text = line.strip()
            if text and not re.match(r"^[A-Za-z-]+: ", text) and not text.startswith("See merge request"):
                return text
    return subject


class HistoryReader:
    """Reads history, keeping the `git log` pass until the main branch or HEAD moves.

    `mkdocs serve` rebuilds on every save; only the cheap checks (`rev-parse`, `status`) run
    again, the pass over the whole history does not.
    """

    def __init__(self, processes: int | None = None, stretch_min_commits: int = 1000) -> None:
        self.processes = processes or os.cpu_count() or 1  # git processes for one long history
        # Below this many accepted changes one `git log` is quick enough; more would only add start-up time.
        self.stretch_min_commits = stretch_min_commits
        self._key: tuple[str, ...] | None = None
        self._cached: History | None = None
        self.passes = 0  # how many full passes ran (tests and the benchmark read it)

    def read(self, root: Path, prefixes: Sequence[str], branch: str = "main") -> History:
        """The accepted changes on `branch` of every file under `prefixes` (folders relative to `root`)."""
        repo, top, relative = _open(root)
        scope = [f"{relative}/{p}" if relative != "." else p for p in prefixes]
        try:
            if not repo.head.is_valid():
                try:
                    repo.git.log("-1", "--format=%H")  # fails: a new repository, or a broken one
                except git.GitCommandError as exc:
                    if "does not have any commits yet" not in _stderr(exc):
                        raise
                    empty = History(None, False, branch=branch)
                    empty.uncommitted = _uncommitted(repo, scope, relative)
                    return empty
            ref, found = _resolve_branch(repo, branch)
            tip = repo.git.rev_parse(ref + "^{commit}").strip()
            head = repo.head.commit.hexsha
            key = (str(top), tip, head, *scope)
            if key == self._key and self._cached is not None:
                history = self._cached
            else:
                history = History(tip, repo.git.rev_parse("--is-shallow-repository").strip() == "true")
                history.branch, history.branch_found = ref, found
                # The pass is split into stretches of the main branch read by git processes side by
                # side, one per CPU, beside the parents pass; git's diffing is the bulk of the time.
                ranges = _stretches(repo, tip, self.processes, self.stretch_min_commits)
                with ThreadPoolExecutor(max_workers=len(ranges) + 1) as pool:
                    parents = pool.submit(_parents, repo, tip)
                    # A repository of its own is read whole: a path filter would make git compare
                    # every commit's tree twice (to select commits, then to list their changes).
                    limit = scope if relative != "." else []
                    logs = list(pool.map(lambda revisions: _log(repo, revisions, limit), ranges))
                    _replay("".join(logs), history, relative, scope)
                    _add_pull_request_authors(parents.result(), tip, history)
                history.proposed = _proposed(repo, ref, tip, head, scope, relative)
                self._key, self._cached = key, history
                self.passes += 1
            history.uncommitted = _uncommitted(repo, scope, relative)
        except git.GitCommandError as exc:
            raise HistoryError(f"git failed ({exc.status}): {_stderr(exc)}") from None
        except git.GitCommandNotFound:
            raise HistoryError("the git command is not installed") from None
        return history


def read_history(root: Path, prefixes: Sequence[str], branch: str = "HEAD") -> History:
    """One uncached read (the CLI, tests); the plugin keeps a `HistoryReader` across rebuilds."""
    return HistoryReader().read(root, prefixes, branch)


def commit_time(root: Path, revision: str) -> int:
    """When `revision` (a commit, tag or branch) was committed, in epoch seconds."""
    repo, _, _ = _open(root)
    try:
        return int(repo.git.log("-1", "--format=%ct", revision + "^{commit}", "--").strip())
    except git.GitCommandError:
        raise HistoryError(f"'{revision}' is no commit of this repository") from None


def _open(root: Path) -> tuple[git.Repo, Path, str]:
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryError(f"{root} is not in a git repository") from None
    except git.GitCommandNotFound:
        raise HistoryError("the git command is not installed") from None
    top = Path(repo.working_tree_dir or root).resolve()
    return repo, top, Path(root).resolve().relative_to(top).as_posix()


def _stderr(exc: git.GitCommandError) -> str:
    text = exc.stderr.strip() if isinstance(exc.stderr, str) else ""
    return text.removeprefix("stderr: ").strip("'").strip() or str(exc)


def _resolve_branch(repo: git.Repo, branch: str) -> tuple[str, bool]:
    """The ref to read: the branch, else its remote-tracking copy (CI checkouts), else HEAD."""
    if branch == "HEAD":
        return "HEAD", True
    candidates = [branch, f"origin/{branch}"] + [
        r.name for r in repo.refs if r.name.endswith("/" + branch) and r.name != f"origin/{branch}"
    ]
    for name in candidates:
        try:
            repo.git.rev_parse("--verify", "-q", name + "^{commit}")
            return name, True
        except git.GitCommandError:
            continue
    return "HEAD", False


def _stretches(repo: git.Repo, tip: str, processes: int, min_commits: int) -> list[str]:
    """Revision ranges that together cover the first-parent history of `tip`, oldest first."""
    parts = min(processes, 4)
    if parts < 2:
        return [tip]
    length = int(repo.git.rev_list("--first-parent", "--count", tip))
    if length < min_commits:
        return [tip]
    # `tip~n` is the n-th first parent: the main branch as it was n accepted changes ago.
    cuts = str(repo.git.rev_parse(*(f"{tip}~{length * k // parts}" for k in range(parts - 1, 0, -1)))).split()
    # `A..B --first-parent` walks B's first parents down to A, which is on that chain.
    return [cuts[0]] + [f"{older}..{newer}" for older, newer in zip(cuts, cuts[1:] + [tip], strict=True)]


def _log(repo: git.Repo, ref: str, scope: Sequence[str]) -> str:
    # -z prints paths raw, so non-ASCII names need no core.quotepath setting.
    return str(
        repo.git.log(
            ref,
            "--first-parent",
            "--diff-merges=first-parent",
            "-M",
            "--name-status",
            "-z",
            "--reverse",
            f"--format={_FORMAT}",
            *(["--", *scope] if scope else []),
        )
    )


def _parents(repo: git.Repo, tip: str) -> str:
    """Every commit with its parents and author: one pass over commits only (no diffs)."""
    return str(repo.git.log(tip, f"--format=%H{_FIELD}%P{_FIELD}%an"))


def _add_pull_request_authors(parents_output: str, tip: str, history: History) -> None:
    """A merge commit's author is whoever pressed the button; the change's authors are the
    authors of the commits the merge brought in."""
    merges = {c.commit for changes in history.changes.values() for c in changes if c.is_merge}
    if not merges:
        return
    graph: dict[str, tuple[list[str], str]] = {}
    first_parent: set[str] = set()
    for line in parents_output.splitlines():
        commit, parent_list, author = line.split(_FIELD)
        graph[commit] = (parent_list.split(), author)
    cursor: str | None = tip
    while cursor is not None and cursor in graph:
        first_parent.add(cursor)
        cursor = next(iter(graph[cursor][0]), None)
    authors: dict[str, tuple[str, ...]] = {}
    for merge in merges:
        names: list[str] = []
        stack, seen = list(graph.get(merge, ([], ""))[0][1:]), set()
        while stack:  # the side branch, up to where it left the main branch
            commit = stack.pop()
            if commit in seen or commit in first_parent or commit not in graph:
                continue
            seen.add(commit)
            commit_parents, author = graph[commit]
            if author not in names:
                names.append(author)
            stack.extend(commit_parents)
        authors[merge] = tuple(sorted(names))
    for path, changes in history.changes.items():
        history.changes[path] = [
            replace(c, authors=authors.get(c.commit) or c.authors) if c.is_merge else c for c in changes
        ]


def _proposed(
    repo: git.Repo, ref: str, tip: str, head: str, scope: Sequence[str], relative: str
) -> dict[str, str | None]:
    """Documents changed by commits on HEAD that the main branch does not have (a pull request's own build)."""
    if tip == head or ref == "HEAD":
        return {}
    output = str(repo.git.diff("-M", "--name-status", "-z", f"{ref}...HEAD", "--", *scope))
    tokens = [t for t in output.split("\x00") if t]
    proposed: dict[str, str | None] = {}
    i = 0
    while i < len(tokens):
        code = tokens[i]
        if code.startswith(("R", "C")):
            old, new = tokens[i + 1], tokens[i + 2]
            i += 3
        else:
            old = new = tokens[i + 1]
            i += 2
        if code[0] != "D":
            proposed[_strip(new, relative)] = None if code[0] in "AC" else _strip(old, relative)
    return proposed


def _uncommitted(repo: git.Repo, scope: Sequence[str], relative: str) -> dict[str, str]:
    """Documents whose working-tree content is not what HEAD holds."""
    output = str(repo.git.status("--porcelain=v1", "-z", "--untracked-files=all", "--", *scope))
    tokens = output.split("\x00")
    states: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        entry = tokens[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            i += 1  # the old path follows
        if code == "??":
            state = "untracked"
        elif "D" in code:
            continue
        else:
            state = "renamed" if "R" in code else "added" if "A" in code else "modified"
        states[_strip(path, relative)] = state
    return states


def _replay(output: str, history: History, relative: str, scope: Sequence[str]) -> None:
    """Walk commits oldest to newest, carrying each document's identity through renames.

    Only paths under `scope` count: a file moved out of it is deleted, one moved into it is added.
    """
    prefixes = tuple(folder.rstrip("/") + "/" for folder in scope)
    identity: dict[str, int] = {}  # current path -> identity
    deleted: dict[str, int] = {}  # a deleted path keeps its identity, so a restore continues it
    by_identity: dict[int, list[Change]] = {}
    next_identity = 0
    for record in output.split(_RECORD)[1:]:
        fields = record.split(_FIELD)
        header, body, status = fields[:11], fields[11], fields[12].lstrip("\n\x00")
        commit, parents, author, email, authored, committed, committed_iso, subject = header[:8]
        approvers, reviewers, change_type = (
            tuple(v.strip() for v in f.split(_LIST) if v.strip()) for f in header[8:11]
        )
        tokens = [t for t in status.split("\x00") if t != ""]
        if not tokens:
            continue
        change_of = partial(  # what every document this commit touched shares
            Change,
            commit=commit,
            is_merge=len(parents.split()) > 1,
            author=author,
            author_email=email,
            authored_at=int(authored),
            committed_at=int(committed),
            committer_offset_minutes=_offset_minutes(committed_iso),
            subject=subject,
            approvers=approvers,
            reviewers=reviewers,
            editorial="editorial" in (t.lower() for t in change_type),
            pull_request=pull_request_number(subject, body),
            authors=(author,),
            summary=summary_of(subject, body),
        )
        i = 0
        while i < len(tokens):
            code = tokens[i].strip()
            if code.startswith(("R", "C")):
                old, new = tokens[i + 1], tokens[i + 2]
                i += 3
            else:
                old = new = tokens[i + 1]
                i += 2
            kind = code[0]
            if not new.startswith(prefixes):
                if kind != "R" or not old.startswith(prefixes):
                    continue
                kind = "D"  # moved out of the document folders
            elif kind == "R" and not old.startswith(prefixes):
                kind, old = "A", new  # moved in from elsewhere
            if kind == "R":
                key = identity.pop(old, None)
                if key is None:
                    key = next_identity = next_identity + 1
            elif kind == "D":
                key = identity.pop(old, None)
                if key is not None:
                    deleted[old] = key
                    by_identity.setdefault(key, [])
                continue
            elif kind == "A" and new in deleted:
                key = deleted.pop(new)
            else:
                key = identity.get(new) or (next_identity := next_identity + 1)
            identity[new] = key
            change = change_of(path=_strip(new, relative), renamed_only=kind == "R" and code == "R100")
            by_identity.setdefault(key, []).append(change)
    for path, key in identity.items():
        history.changes[_strip(path, relative)] = by_identity[key]


def _strip(path: str, relative: str) -> str:
    return path[len(relative) + 1 :] if relative != "." and path.startswith(relative + "/") else path


def _offset_minutes(iso: str) -> int:
    match = re.search(r"([+-])(\d\d):(\d\d)$", iso)
    if not match:
        return 0
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return -minutes if match.group(1) == "-" else minutes
