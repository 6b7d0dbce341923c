"""Accepted changes of every document, from ONE `git log` pass over the main branch.

An accepted change is a first-parent commit of the main branch (a pull-request merge, a squash
merge or a direct commit). Identities are carried through renames recorded in the same pass
(`-M --name-status`), oldest to newest, instead of one `git log --follow` per file.
This module only reads git; what the changes mean (versions, approvals) is decided elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
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
_PULL_REQUEST = [
    re.compile(r"^Merge pull request #(\d+)\b"),  # GitHub merge commit
    re.compile(r"\(#(\d+)\)\s*$"),  # GitHub squash merge
    re.compile(r"See merge request [\w./-]*!(\d+)"),  # GitLab (in the body; also matched in subject)
    re.compile(r"\(pull request #(\d+)\)"),  # Bitbucket
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
    pull_request: str | None
    path: str  # the document's path in this commit
    renamed_only: bool = False  # moved without a content change (R100): same version


@dataclass
class History:
    head: str | None
    shallow: bool
    changes: dict[str, list[Change]] = field(default_factory=dict)  # current path -> oldest first

    def of(self, path: str) -> list[Change]:
        return self.changes.get(path, [])


def pull_request_number(subject: str, body: str = "") -> str | None:
    for pattern in _PULL_REQUEST:
        match = pattern.search(subject) or pattern.search(body)
        if match:
            return match.group(1)
    return None


def read_history(root: Path, prefixes: Sequence[str], branch: str = "HEAD") -> History:
    """The accepted changes of every file under `prefixes` (folders relative to the repository root)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryError(f"{root} is not in a git repository") from None
    except git.GitCommandNotFound:
        raise HistoryError("the git command is not installed") from None
    top = Path(repo.working_tree_dir or root).resolve()
    relative = Path(root).resolve().relative_to(top).as_posix()
    scope = [f"{relative}/{p}" if relative != "." else p for p in prefixes]
    try:
        if not repo.head.is_valid():
            return History(None, False)
        shallow = repo.git.rev_parse("--is-shallow-repository").strip() == "true"
        output = repo.git.log(
            branch,
            "--first-parent",
            "--diff-merges=first-parent",
            "-M",
            "--name-status",
            "-z",
            "--reverse",
            f"--format={_FORMAT}",
            "--",
            *scope,
        )  # -z prints paths raw, so non-ASCII names need no core.quotepath setting
        head = repo.head.commit.hexsha
    except git.GitCommandError as exc:
        raise HistoryError(f"git failed ({exc.status}): {exc.stderr.strip() or exc}") from None
    history = History(head, shallow)
    _replay(output, history, relative)
    return history


def _replay(output: str, history: History, relative: str) -> None:
    """Walk commits oldest to newest, carrying each document's identity through renames."""
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
        offset = _offset_minutes(committed_iso)
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
            by_identity.setdefault(key, []).append(
                Change(
                    commit=commit,
                    is_merge=len(parents.split()) > 1,
                    author=author,
                    author_email=email,
                    authored_at=int(authored),
                    committed_at=int(committed),
                    committer_offset_minutes=offset,
                    subject=subject,
                    approvers=approvers,
                    reviewers=reviewers,
                    editorial="editorial" in (t.lower() for t in change_type),
                    pull_request=pull_request_number(subject, body),
                    path=_strip(new, relative),
                    renamed_only=code == "R100",
                )
            )
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
