"""Accepted changes of every document, from ONE `git log` pass over the main branch.

An accepted change is a first-parent commit of the main branch (a pull-request merge, a squash
merge or a direct commit). Identities are carried through renames recorded in the same pass
(`-M --raw`), oldest to newest, instead of one `git log --follow` per file. A second pass over
commits and their parents finds who wrote what each merge brought in.

Parsing is positional over NUL-separated fields: git cannot put a NUL into a subject, a body, a
trailer, a name or a file name, so no content can shift a field or reach another commit's record.
This module only reads git; what the changes mean (versions, approvals) is decided elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .git import GitError, git, text


class HistoryError(Exception):
    """git could not be read; the message says what to do."""


@dataclass(frozen=True)
class Identity:
    """A person as git records them."""

    name: str
    email: str

    def __str__(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class Signature:
    """What git says of a commit's signature (`%G?`, `%GS`, `%GK`), checked against the allowed signers."""

    status: str  # G good (allowed signer), U good but not allowed, B bad, N none, E cannot check, X Y R expired/revoked
    signer: str = ""  # the principal (SSH) or user id (GPG) that signed
    key: str = ""  # the key's fingerprint

    @property
    def verified(self) -> bool:
        """Signed by a key in the allowed signers file: what a contributor cannot fake."""
        return self.status == "G"

    @property
    def signed(self) -> bool:
        return self.status not in ("N", "")


UNCHECKED = Signature("")  # signatures: off


@dataclass(frozen=True)
class Commit:
    """One accepted change on the main branch: the facts every document it touched shares."""

    sha: str
    sequence: int  # position on the main branch's first-parent chain, 0 = oldest
    is_merge: bool
    author: Identity
    authored_at: int  # epoch seconds
    committed_at: int  # epoch seconds: when the change reached the main branch, as the committer says
    committer_offset_minutes: int
    subject: str
    summary: str  # the pull request's title where the forge put it in the body, else the subject
    approvers: tuple[str, ...]  # `Approved-by:` trailers
    reviewers: tuple[str, ...]  # `Reviewed-by:` trailers
    editorial: bool  # `Change-type: editorial`
    pull_request: str | None  # "#12" or "!42": from a merge commit, or claimed by a squash subject
    authors: tuple[Identity, ...]  # who wrote it: for a merge, the authors and co-authors of what it brought in
    signature: Signature = UNCHECKED
    noted_by: str = ""  # who wrote the git note that recorded approvers (a CI job, from the forge's reviews)

    @property
    def pull_request_claimed(self) -> bool:
        """A pull request named only by a subject line (a squash merge or a direct commit): unproven."""
        return self.pull_request is not None and not self.is_merge and not self.signature.verified


@dataclass(frozen=True)
class Change:
    """One accepted change of one document."""

    commit: Commit
    path: str  # the document's path in this commit
    blob: str  # the git object id of the document's content after the change
    renamed_only: bool = False  # moved without a content change (R100): same version
    moved_from: str | None = None  # the path before this change, when the change moved the document


@dataclass
class History:
    """What one read of git found: every document's accepted changes, and the state of the checkout."""

    head: str | None  # the main branch's tip
    shallow: bool
    changes: dict[str, list[Change]] = field(default_factory=dict)  # current path -> oldest first
    branch: str = "HEAD"  # the ref whose first-parent history was read
    branch_found: bool = True  # False: the configured main branch does not exist; HEAD was read
    chain: list[str] = field(default_factory=list)  # the main branch's first-parent commits, oldest first
    chain_dates: list[int] = field(default_factory=list)  # their committer dates
    proposed: dict[str, str | None] = field(default_factory=dict)  # changed on HEAD, not on main: path -> path on main
    uncommitted: dict[str, str] = field(default_factory=dict)  # working tree: path -> "modified" | "untracked" | ...
    head_commit: str | None = None  # the checked-out commit
    clean: bool | None = None  # whether the whole working tree matches HEAD (tracked files)

    def of(self, path: str) -> list[Change]:
        return self.changes.get(path, [])

    def sequence(self, sha: str) -> int | None:
        """Where a commit is on the main branch's first-parent chain (None: not on it)."""
        if not hasattr(self, "_positions"):
            self._positions = {commit: index for index, commit in enumerate(self.chain)}
        return self._positions.get(sha)


_PULL_REQUEST_MERGE = [  # (pattern, where it is, sigil): only a real merge commit may carry these
    (re.compile(r"^Merge pull request #(\d+)\b"), "subject", "#"),  # GitHub merge commit
    (re.compile(r"See merge request [\w./-]*!(\d+)"), "body", "!"),  # GitLab
    (re.compile(r"\(pull request #(\d+)\)"), "subject", "#"),  # Bitbucket
]
_PULL_REQUEST_SQUASH = re.compile(r"\(#(\d+)\)\s*$")  # GitHub squash merge: a claim in a subject line


def pull_request_number(subject: str, body: str = "", *, is_merge: bool = True) -> str | None:
    """The pull request as its forge writes it: "#12" (GitHub, Bitbucket) or "!42" (GitLab).

    A merge-like subject on a commit that is not a merge is a direct commit pretending: no pull request.
    """
    if is_merge:
        for pattern, where, sigil in _PULL_REQUEST_MERGE:
            match = pattern.search(subject if where == "subject" else body)
            if match:
                return sigil + match.group(1)
    match = _PULL_REQUEST_SQUASH.search(subject)
    return "#" + match.group(1) if match else None


_MERGE_SUBJECT = re.compile(r"^Merge (pull request|branch|remote-tracking branch)\b")


def summary_of(subject: str, body: str) -> str:
    """GitHub and GitLab merge subjects say which branch was merged; the title is the body's first line."""
    if _MERGE_SUBJECT.match(subject):
        for line in body.split("\n"):
            stripped = line.strip()
            if stripped and not re.match(r"^[A-Za-z-]+: ", stripped) and not stripped.startswith("See merge request"):
                return stripped
    return subject


def trailers(block: str) -> dict[str, tuple[str, ...]]:
    """git's unfolded trailer lines ("Key: value") by lower-cased key."""
    found: dict[str, list[str]] = {}
    for line in block.split("\n"):  # not splitlines(): a trailer value may hold \r, \x1c..\x1e, \u2028
        key, sep, value = line.partition(":")
        if sep and key.strip() and value.strip():
            found.setdefault(key.strip().lower(), []).append(value.strip())
    return {key: tuple(values) for key, values in found.items()}


def identity(value: str) -> Identity:
    """A trailer value ("Name <email>") as an identity."""
    name, _, rest = value.partition("<")
    return Identity(name.strip(), rest.partition(">")[0].strip() if rest else "")


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

    def read(
        self,
        root: Path,
        prefixes: Sequence[str],
        branch: str = "main",
        *,
        allowed_signers: Path | None = None,
        signatures: bool = False,
        notes: str = "refs/notes/approvals",
    ) -> History:
        """The accepted changes on `branch` of every file under `prefixes` (folders relative to `root`).

        `signatures`: read each commit's signature status, checked against `allowed_signers` (SSH format).
        `notes`: the notes ref where a CI job records approvals given on the forge ("" for none).
        """
        try:
            return self._read(root, prefixes, branch, allowed_signers, signatures, notes)
        except GitError as exc:
            if exc.status is None:
                raise HistoryError(str(exc)) from None
            raise HistoryError(f"git failed ({exc.status}): {exc}") from None

    def _read(
        self,
        root: Path,
        prefixes: Sequence[str],
        branch: str,
        allowed_signers: Path | None,
        signatures: bool,
        notes: str,
    ) -> History:
        top, relative = repository_top(root)
        scope = [f"{relative}/{p}" if relative != "." else p for p in prefixes]
        if not git(top, "rev-parse", "--verify", "-q", "HEAD^{commit}", ok=(0, 1)).strip():
            if git(top, "rev-parse", "-q", "--verify", "HEAD", ok=(0, 1)).strip():
                git(top, "log", "-1", "--format=%H")  # a HEAD that names a missing object: git's own message
            empty = History(None, False, branch=branch)
            empty.uncommitted = _uncommitted(top, scope, relative)
            return empty
        ref, found = _resolve_branch(top, branch)
        tip = text(git(top, "rev-parse", "--verify", "--end-of-options", ref + "^{commit}")).strip()
        head = text(git(top, "rev-parse", "--verify", "HEAD^{commit}")).strip()
        signers = str(allowed_signers) if allowed_signers is not None else os.devnull
        notes_tip = (
            text(git(top, "rev-parse", "--verify", "-q", "--end-of-options", notes, ok=(0, 1))).strip() if notes else ""
        )
        key = (str(top), tip, head, *scope, signers if signatures else "", str(signatures), notes, notes_tip)
        if key == self._key and self._cached is not None:
            history = self._cached
        else:
            shallow = text(git(top, "rev-parse", "--is-shallow-repository")).strip() == "true"
            history = History(tip, shallow, branch=ref, branch_found=found)
            config = {"gpg.ssh.allowedSignersFile": signers} if signatures else {}
            # The pass is split into stretches of the main branch read by git processes side by side,
            # one per CPU, beside the parents pass; git's diffing is the bulk of the time.
            ranges = _stretches(top, tip, self.processes, self.stretch_min_commits)
            with ThreadPoolExecutor(max_workers=len(ranges) + 1) as pool:
                parents = pool.submit(_parents, top, tip)
                note_authors = pool.submit(_note_authors, top, notes_tip)
                # A repository of its own is read whole: a path filter would make git compare every
                # commit's tree twice (to select commits, then to list their changes). If an object
                # outside the documents is missing, the documents' own paths are read instead.
                limit = scope if relative != "." else []
                try:
                    logs = list(
                        pool.map(
                            lambda revisions: _log(
                                top, revisions, limit, config, signatures, notes if notes_tip else ""
                            ),
                            ranges,
                        )
                    )
                except GitError:
                    if not limit:
                        logs = list(
                            pool.map(
                                lambda revisions: _log(
                                    top, revisions, scope, config, signatures, notes if notes_tip else ""
                                ),
                                ranges,
                            )
                        )
                    else:
                        raise
                graph = _Graph.parse(parents.result())
            history.chain, history.chain_dates = graph.chain(tip)
            _replay(b"".join(logs), history, relative, scope, graph, signatures, note_authors.result())
            history.proposed = _proposed(top, ref, tip, head, scope, relative)
            self._key, self._cached = key, history
            self.passes += 1
        history.uncommitted = _uncommitted(top, scope, relative)
        history.head_commit = head
        history.clean = not git(top, "status", "--porcelain", "--untracked-files=no").strip()
        return history


def read_history(root: Path, prefixes: Sequence[str], branch: str = "HEAD") -> History:
    """One uncached read (the CLI, tests); the plugin keeps a `HistoryReader` across rebuilds."""
    return HistoryReader().read(root, prefixes, branch)


def resolve_commit(root: Path, revision: str) -> str:
    """The full id of `revision` (a commit, tag or branch); HistoryError when it names no commit."""
    top, _ = repository_top(root)
    try:
        return text(git(top, "rev-parse", "--verify", "--end-of-options", revision + "^{commit}")).strip()
    except GitError:
        raise HistoryError(f"'{revision}' is no commit of this repository") from None


def repository_top(root: Path) -> tuple[Path, str]:
    """The repository's top folder, and `root` relative to it ("." when they are the same)."""
    try:
        top = Path(text(git(root, "rev-parse", "--show-toplevel")).strip()).resolve()
    except GitError as exc:
        if exc.status is None:
            raise HistoryError(str(exc)) from None
        raise HistoryError(f"{root} is not in a git repository") from None
    return top, Path(root).resolve().relative_to(top).as_posix()


def _resolve_branch(top: Path, branch: str) -> tuple[str, bool]:
    """The ref to read: the branch, else its remote-tracking copy (CI checkouts), else HEAD."""
    if branch == "HEAD":
        return "HEAD", True
    remotes = text(git(top, "for-each-ref", "--format=%(refname:short)", "refs/remotes")).split()
    candidates = [branch, f"origin/{branch}"] + [
        r for r in remotes if r.endswith("/" + branch) and r != f"origin/{branch}"
    ]
    for name in candidates:
        if git(top, "rev-parse", "--verify", "-q", "--end-of-options", name + "^{commit}", ok=(0, 1)).strip():
            return name, True
    return "HEAD", False


def _stretches(top: Path, tip: str, processes: int, min_commits: int) -> list[str]:
    """Revision ranges that together cover the first-parent history of `tip`, oldest first."""
    parts = min(processes, 4)
    if parts < 2:
        return [tip]
    length = int(text(git(top, "rev-list", "--first-parent", "--count", tip)))
    if length < min_commits:
        return [tip]
    # `tip~n` is the n-th first parent: the main branch as it was n accepted changes ago.
    cuts = text(git(top, "rev-parse", *(f"{tip}~{length * k // parts}" for k in range(parts - 1, 0, -1)))).split()
    # `A..B --first-parent` walks B's first parents down to A, which is on that chain.
    return [cuts[0]] + [f"{older}..{newer}" for older, newer in zip(cuts, cuts[1:] + [tip], strict=True)]


_HEADER = ["%H", "%P", "%an", "%ae", "%at", "%ct", "%cI", "%s", "%b", "%(trailers:only,unfold)", "%N"]
_SIGNATURE = ["%G?", "%GS", "%GK"]


def _log(top: Path, ref: str, scope: Sequence[str], config: dict[str, str], signatures: bool, notes: str) -> bytes:
    fields = _HEADER + (_SIGNATURE if signatures else [])
    return git(
        top,
        "log",
        f"--notes={notes}" if notes else "--no-notes",
        "--first-parent",
        "--diff-merges=first-parent",
        "-M",
        "--raw",
        "--no-abbrev",
        "-z",
        "--reverse",
        "--format=" + "".join(f"{f}%x00" for f in fields),
        "--end-of-options",
        ref,
        "--",
        *scope,
        config=config,
    )


def _note_authors(top: Path, notes_tip: str) -> dict[str, str]:
    """Who wrote the latest note on each commit: notes are commits of their own ref, with authors."""
    if not notes_tip:
        return {}
    output = git(
        top, "log", "-z", "--raw", "--no-abbrev", "--format=%H%x00%an%x00%ae%x00", "--end-of-options", notes_tip
    )
    found: dict[str, str] = {}
    for header, diff in log_records(output, 3):
        for _kind, _old, path, _blob, _same in raw_entries(diff):
            found.setdefault(path.replace("/", ""), f"{header[1]} <{header[2]}>")  # newest first: keep the latest
    return found


def _parents(top: Path, tip: str) -> bytes:
    """Every commit with its parents, author, date and co-authors: one pass over commits only (no diffs)."""
    fields = ["%H", "%P", "%an", "%ae", "%ct", "%(trailers:key=Co-authored-by,valueonly,unfold)"]
    return git(top, "log", "-z", "--format=" + "".join(f"{f}%x00" for f in fields), "--end-of-options", tip, "--")


def log_records(output: bytes, width: int) -> Iterator[tuple[list[str], list[str]]]:
    """(header fields, raw diff tokens) per commit of NUL-separated `git log -z` output.

    The header is read by position (`width` fields); what follows until the next commit is the
    raw diff, whose entries start with ':' and are followed by their paths.
    """
    tokens = [text(t) for t in output.split(b"\0")]
    i, n = 0, len(tokens)
    while i < n:
        while i < n and tokens[i].strip("\n") == "":
            i += 1
        if i >= n:
            return
        header = tokens[i : i + width]
        header[0] = header[0].lstrip("\n")
        if len(header) < width or not re.fullmatch(r"[0-9a-f]{40,64}", header[0]):
            raise GitError(f"unexpected output from git log near {tokens[i][:60]!r}", 0)
        i += width
        diff: list[str] = []
        while i < n:
            token = tokens[i].lstrip("\n")
            if token == "":
                i += 1
                continue
            if not token.startswith(":"):
                break
            status = token.rsplit(" ", 1)[-1]
            paths = 2 if status[:1] in ("R", "C") else 1
            diff.extend([token, *tokens[i + 1 : i + 1 + paths]])
            i += 1 + paths
        yield header, diff


_RAW = re.compile(r"^:\d{6} \d{6} ([0-9a-f]+) ([0-9a-f]+) ([A-Z])(\d*)$")


def raw_entries(diff: list[str]) -> Iterator[tuple[str, str, str, str, bool]]:
    """(kind, old path, new path, new blob, unchanged content) per raw diff entry."""
    i = 0
    while i < len(diff):
        match = _RAW.match(diff[i])
        if match is None:
            raise GitError(f"unexpected diff entry from git: {diff[i][:60]!r}", 0)
        kind = match.group(3)
        if kind in ("R", "C"):
            old, new = diff[i + 1], diff[i + 2]
            i += 3
        else:
            old = new = diff[i + 1]
            i += 2
        yield kind, old, new, match.group(2), kind == "R" and match.group(4) == "100"


@dataclass
class _Graph:
    """Every commit's parents, author, date and co-authors (the parents pass)."""

    parents: dict[str, list[str]]
    authors: dict[str, list[Identity]]  # author first, then co-authors
    dates: dict[str, int]

    @classmethod
    def parse(cls, output: bytes) -> _Graph:
        graph = cls({}, {}, {})
        for header, _ in log_records(output, 6):
            sha, parent_list, name, email, committed, co_authors = header
            graph.parents[sha] = parent_list.split()
            graph.authors[sha] = [Identity(name, email)] + [identity(v) for v in co_authors.split("\n") if v.strip()]
            graph.dates[sha] = int(committed)
        return graph

    def chain(self, tip: str) -> tuple[list[str], list[int]]:
        """The first-parent chain from the oldest commit to `tip`, and its committer dates."""
        chain: list[str] = []
        cursor: str | None = tip
        while cursor is not None and cursor in self.parents:
            chain.append(cursor)
            cursor = next(iter(self.parents[cursor]), None)
        chain.reverse()
        return chain, [self.dates[sha] for sha in chain]

    def brought_in(self, chain: list[str]) -> dict[str, tuple[Identity, ...]]:
        """For each merge on the chain, the authors and co-authors of the commits it brought in.

        That is `git log M^1..M^2`: commits reachable from the merge but not from its first parent.
        Walking the chain oldest first, each commit belongs to the first chain commit that reaches
        it, so every commit is visited once, and one merged earlier is never counted again.
        """
        claimed: set[str] = set()
        result: dict[str, tuple[Identity, ...]] = {}
        for sha in chain:
            claimed.add(sha)
            stack = list(self.parents.get(sha, [])[1:])
            names: list[Identity] = []
            while stack:
                commit = stack.pop()
                if commit in claimed or commit not in self.parents:
                    continue
                claimed.add(commit)
                names.extend(a for a in self.authors[commit] if a not in names)
                stack.extend(self.parents[commit])
            if len(self.parents.get(sha, [])) > 1:
                result[sha] = tuple(sorted(names, key=lambda a: (a.name.lower(), a.email.lower())))
        return result


def _replay(
    output: bytes,
    history: History,
    relative: str,
    scope: Sequence[str],
    graph: _Graph,
    signatures: bool,
    note_authors: dict[str, str],
) -> None:
    """Walk commits oldest to newest, carrying each document's identity through renames.

    Only paths under `scope` count: a file moved out of it is deleted, one moved into it is added.
    """
    prefixes = tuple(folder.rstrip("/") + "/" for folder in scope)
    positions = {sha: index for index, sha in enumerate(history.chain)}
    brought_in = graph.brought_in(history.chain)
    identities: dict[str, int] = {}  # current path -> identity
    deleted: dict[str, int] = {}  # a deleted path keeps its identity, so a restore continues it
    by_identity: dict[int, list[Change]] = {}
    next_identity = 0
    width = len(_HEADER) + (len(_SIGNATURE) if signatures else 0)
    for header, diff in log_records(output, width):
        if not diff:
            continue
        sha, parents, name, email, authored, committed, committed_iso, subject, body, trailer_block, note = header[:11]
        found = trailers(trailer_block)
        noted = tuple(v for v in trailers(note).get("approved-by", ()) if v not in found.get("approved-by", ()))
        is_merge = len(parents.split()) > 1
        author = Identity(name, email)
        own = tuple(dict.fromkeys([author, *(identity(v) for v in found.get("co-authored-by", ()))]))
        commit = Commit(
            sha=sha,
            sequence=positions.get(sha, -1),
            is_merge=is_merge,
            author=author,
            authored_at=int(authored),
            committed_at=int(committed),
            committer_offset_minutes=_offset_minutes(committed_iso),
            subject=subject,
            summary=summary_of(subject, body),
            approvers=found.get("approved-by", ()) + noted,
            reviewers=found.get("reviewed-by", ()),
            editorial="editorial" in (v.lower() for v in found.get("change-type", ())),
            pull_request=pull_request_number(subject, body, is_merge=is_merge),
            authors=brought_in.get(sha) or own if is_merge else own,
            signature=Signature(*header[11:14]) if signatures else UNCHECKED,
            noted_by=note_authors.get(sha, "a git note") if noted else "",
        )
        for kind, old, new, blob, unchanged in raw_entries(diff):
            if not new.startswith(prefixes):
                if kind != "R" or not old.startswith(prefixes):
                    continue
                kind = "D"  # moved out of the document folders
            elif kind == "R" and not old.startswith(prefixes):
                kind, old = "A", new  # moved in from elsewhere
            if kind == "R":
                key = identities.pop(old, None)
                if key is None:
                    key = next_identity = next_identity + 1
            elif kind == "D":
                key = identities.pop(old, None)
                if key is not None:
                    deleted[old] = key
                    by_identity.setdefault(key, [])
                continue
            elif kind == "A" and new in deleted:
                key = deleted.pop(new)
            else:
                key = identities.get(new) or (next_identity := next_identity + 1)
            identities[new] = key
            moved = _strip(old, relative) if kind == "R" else None
            by_identity.setdefault(key, []).append(
                Change(commit, _strip(new, relative), blob, kind == "R" and unchanged, moved)
            )
    for path, key in identities.items():
        history.changes[_strip(path, relative)] = by_identity[key]


def _proposed(top: Path, ref: str, tip: str, head: str, scope: Sequence[str], relative: str) -> dict[str, str | None]:
    """Documents changed by commits on HEAD that the main branch does not have (a pull request's own build)."""
    if tip == head or ref == "HEAD":
        return {}
    output = git(top, "diff", "-M", "--raw", "--no-abbrev", "-z", "--end-of-options", f"{ref}...HEAD", "--", *scope)
    proposed: dict[str, str | None] = {}
    for _, diff in log_records(b"0" * 40 + b"\0" + output, 1):
        for kind, old, new, _blob, _same in raw_entries(diff):
            if kind != "D":
                proposed[_strip(new, relative)] = None if kind in "AC" else _strip(old, relative)
    return proposed


def _uncommitted(top: Path, scope: Sequence[str], relative: str) -> dict[str, str]:
    """Documents whose working-tree content is not what HEAD holds."""
    tokens = text(git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *scope)).split("\x00")
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


def _strip(path: str, relative: str) -> str:
    return path[len(relative) + 1 :] if relative != "." and path.startswith(relative + "/") else path


def _offset_minutes(iso: str) -> int:
    match = re.search(r"([+-])(\d\d):(\d\d)$", iso)
    if not match:
        return 0
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return -minutes if match.group(1) == "-" else minutes
