"""`imsdocs ci`, `imsdocs record-approvals` and `imsdocs comment`: the IMS in a forge's CI.

- `ci` writes the shipped GitHub Actions or GitLab CI template.
- `record-approvals` turns the approvals of the GitHub pull request merged as a commit into a git
  note (`refs/notes/approvals`): GitHub's merge commits carry no `Approved-by:` trailers, and its
  review records do not last for ever.
- `comment` posts the change report (`imsdocs diff`) on the pull or merge request, updating its
  own comment on the next run instead of adding one per push.

Exit codes: 0 done; 1 a failure to act on (one line on stderr); 2 a missing or malformed value for
an option (or the environment variable that stands in for it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from ..history.git import GitError, git, text
from .client import (
    Approval,
    ForgeError,
    approvals,
    check_api_url,
    post_or_update_comment,
    post_or_update_note,
    pull_request_of_commit,
)

COMMANDS = ("ci", "record-approvals", "comment")
TEMPLATES = {
    "github": ("github-workflow.yml", Path(".github/workflows/ims.yml")),
    "gitlab": ("gitlab-ci.yml", Path(".gitlab-ci.yml")),
}
RECORDED_BY = "Recorded-by: imsdocs record-approvals (GitHub API)"
DEFAULT_NOTES_REF = "refs/notes/approvals"
_NOTES_REF = re.compile(r"refs/notes/[A-Za-z0-9_-][A-Za-z0-9._/-]*")
_EMAIL = re.compile(r"[^\s<>@]+@[^\s<>@]+")


class _Failure(Exception):
    """What the user must fix, as one line; `code` 2 for a missing or malformed option value."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `ci`, `record-approvals` and `comment` commands to the `imsdocs` parser."""
    ci = subparsers.add_parser("ci", help="write the CI template for GitHub Actions or GitLab CI")
    ci.add_argument("forge", choices=sorted(TEMPLATES))
    ci.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="default: .github/workflows/ims.yml (github), .gitlab-ci.yml (gitlab)",
    )
    ci.add_argument("--force", action="store_true", help="overwrite the file if it exists")

    record = subparsers.add_parser(
        "record-approvals",
        help="GitHub: record the approvals of the pull request merged as a commit in a git note",
    )
    record.add_argument("--commit", required=True, metavar="SHA", help="the merge commit (in CI: $GITHUB_SHA)")
    record.add_argument("--repository", metavar="OWNER/NAME", help="default: $GITHUB_REPOSITORY")
    record.add_argument("--api-url", metavar="URL", help="default: $GITHUB_API_URL, else https://api.github.com")
    record.add_argument("--notes-ref", default=DEFAULT_NOTES_REF, metavar="REF", help=f"default: {DEFAULT_NOTES_REF}")

    comment = subparsers.add_parser(
        "comment", help="post the change report on the pull or merge request, or update the one posted before"
    )
    comment.add_argument("--body-file", required=True, type=Path, metavar="FILE", help="the report (Markdown)")
    comment.add_argument(
        "--forge", choices=sorted(TEMPLATES), help="default: github under GITHUB_ACTIONS, gitlab under GITLAB_CI"
    )
    comment.add_argument(
        "--pull-request",
        type=_positive,
        metavar="N",
        help="pull request number or merge request IID; default: from $GITHUB_EVENT_PATH or $CI_MERGE_REQUEST_IID",
    )
    comment.add_argument("--repository", metavar="OWNER/NAME", help="GitHub; default: $GITHUB_REPOSITORY")
    comment.add_argument("--project", metavar="ID", help="GitLab project id or path; default: $CI_PROJECT_ID")
    comment.add_argument("--api-url", metavar="URL", help="default: $GITHUB_API_URL or $CI_API_V4_URL")


def run(args: argparse.Namespace) -> int | None:
    """Run one of this module's commands and return its exit code; None for any other command."""
    command = getattr(args, "command", None)
    if command not in COMMANDS:
        return None
    try:
        if command == "ci":
            return _ci(args.forge, args.output, args.force)
        if command == "record-approvals":
            return _record_approvals(args)
        return _comment(args)
    except _Failure as exc:
        return _fail(str(exc), exc.code)
    except (ForgeError, GitError) as exc:
        return _fail(str(exc), 1)


def _fail(message: str, code: int) -> int:
    print(f"imsdocs: {_one_line(message)}", file=sys.stderr)
    return code


def _one_line(value: str) -> str:
    return " ".join(_clean(value).split())


def _clean(value: str) -> str:
    """Control, format and separator characters become spaces: no value can start a line of its own."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number")
    return int(value)


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


# `imsdocs ci`


def _ci(forge: str, output: Path | None, force: bool) -> int:
    name, default = TEMPLATES[forge]
    template = resources.files("imsdocs").joinpath("ci", name).read_text(encoding="utf-8")
    path = output or default
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x" refuses an existing file atomically: nothing is overwritten between a check and the write.
        with path.open("w" if force else "x", encoding="utf-8", newline="\n") as file:
            file.write(template)
    except FileExistsError:
        raise _Failure(f"{path} exists: pass --force to overwrite it") from None
    except OSError as exc:
        raise _Failure(f"{path}: {exc.strerror or exc}") from None
    print(f"imsdocs: wrote {path}; read the comments at its top for the {forge} settings it needs.")
    return 0


# `imsdocs record-approvals`


def _record_approvals(args: argparse.Namespace) -> int:
    repository = _repository(args.repository)
    api_url = _api_url(args.api_url or _env("GITHUB_API_URL") or "https://api.github.com", "--api-url")
    notes_ref = args.notes_ref
    if (
        not _NOTES_REF.fullmatch(notes_ref)
        or ".." in notes_ref
        or "//" in notes_ref
        or notes_ref.endswith(("/", ".lock"))
    ):
        raise _Failure(f"--notes-ref {_one_line(notes_ref)!r}: expected a ref under refs/notes/", 2)
    token = _env("GITHUB_TOKEN") or _env("GH_TOKEN")
    if not token:
        raise _Failure(
            "no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}) or GH_TOKEN"
        )
    root = Path.cwd()
    sha = _commit(root, args.commit)
    number = pull_request_of_commit(api_url, repository, sha, token)
    if number is None:
        print(f"imsdocs: {sha} was not merged from a pull request (a direct push): no approvals to record.")
        return 0
    found = approvals(api_url, repository, number, token)
    note = approval_note(found, number)
    if _current_note(root, notes_ref, sha) == note:
        print(f"imsdocs: the approvals of pull request #{number} are already recorded on {sha}.")
        return 0
    with tempfile.TemporaryDirectory(prefix="imsdocs-note-") as folder:
        file = Path(folder) / "note.txt"
        file.write_text(note, encoding="utf-8")
        git(root, "notes", f"--ref={notes_ref}", "add", "-f", "-F", str(file), "--end-of-options", sha)
    who = ", ".join(_one_line(a.name) for a in found) or "nobody approved it"
    print(f"imsdocs: recorded the approvals of pull request #{number} on {sha} in {notes_ref}: {who}.")
    return 0


def approval_note(found: Iterable[Approval], number: int) -> str:
    """The note's text: one `Approved-by:` line per approver (sorted), the pull request, the recorder."""
    lines = sorted(f"Approved-by: {_person(approval)}" for approval in found)
    return "\n".join([*lines, f"Pull-request: #{number}", RECORDED_BY]) + "\n"


def _person(approval: Approval) -> str:
    # The API's values are text for one line: no newline, and no '<' or '>' that would end the name early.
    name = " ".join(_clean(approval.name).replace("<", " ").replace(">", " ").split())
    login = re.sub(r"[^A-Za-z0-9-]", "-", approval.login)
    email = _clean(approval.email).strip()
    if not _EMAIL.fullmatch(email):
        email = f"{login}@users.noreply.github.com"
    return f"{name or login} <{email}>"


def _commit(root: Path, revision: str) -> str:
    try:
        out = git(root, "rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}")
    except GitError as exc:
        raise _Failure(f"--commit {_one_line(revision)!r} is not a commit of the repository in {root}: {exc}") from None
    return text(out).strip()


def _current_note(root: Path, notes_ref: str, sha: str) -> str | None:
    try:
        return text(git(root, "notes", f"--ref={notes_ref}", "show", "--end-of-options", sha))
    except GitError as exc:
        if exc.status == 1:  # no note on this commit yet
            return None
        raise


# `imsdocs comment`


def _comment(args: argparse.Namespace) -> int:
    forge = args.forge or (
        "github" if _env("GITHUB_ACTIONS") == "true" else "gitlab" if _env("GITLAB_CI") == "true" else None
    )
    if forge is None:
        raise _Failure(
            "which forge? pass --forge github or --forge gitlab (neither GITHUB_ACTIONS nor GITLAB_CI is set)", 2
        )
    try:
        body = args.body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise _Failure(f"{args.body_file}: {reason or exc}") from None
    if forge == "github":
        repository = _repository(args.repository)
        api_url = _api_url(args.api_url or _env("GITHUB_API_URL") or "https://api.github.com", "--api-url")
        token = _env("GITHUB_TOKEN") or _env("GH_TOKEN")
        if not token:
            raise _Failure("no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})")
        number = args.pull_request or _event_pull_request()
        outcome = post_or_update_comment(api_url, repository, number, token, body)
        print(f"imsdocs: {outcome} the report on pull request #{number}.")
        return 0
    api = args.api_url or _env("CI_API_V4_URL")
    if not api:
        raise _Failure("no GitLab API URL: pass --api-url or set CI_API_V4_URL", 2)
    api_url = _api_url(api, "--api-url")
    project = args.project or _env("CI_PROJECT_ID")
    if not project:
        raise _Failure("no GitLab project: pass --project or set CI_PROJECT_ID", 2)
    iid = args.pull_request or _env_number("CI_MERGE_REQUEST_IID")
    token = _env("IMS_BOT_TOKEN")
    if not token:
        raise _Failure(
            "no token to write the merge request note: set IMS_BOT_TOKEN (a masked CI/CD variable holding a project "
            "access token with the api scope); GitLab's CI_JOB_TOKEN cannot write notes"
        )
    outcome = post_or_update_note(api_url, project, iid, token, body)
    print(f"imsdocs: {outcome} the report on merge request !{iid}.")
    return 0


def _repository(given: str | None) -> str:
    repository = given or _env("GITHUB_REPOSITORY")
    if not repository:
        raise _Failure("no repository: pass --repository OWNER/NAME or set GITHUB_REPOSITORY", 2)
    owner, slash, name = repository.partition("/")
    if not slash or not owner or not name or "/" in name:
        raise _Failure(f"repository {_one_line(repository)!r}: expected OWNER/NAME", 2)
    return repository


def _api_url(url: str, option: str) -> str:
    try:
        return check_api_url(url)
    except ForgeError as exc:
        raise _Failure(f"{option}: {exc}", 2) from None


def _env_number(name: str) -> int:
    value = _env(name)
    if not value.isdigit() or int(value) < 1:
        shown = f"{name} is not set" if not value else f"{name}={_one_line(value)!r} is not a number"
        raise _Failure(f"no merge request: pass --pull-request N ({shown}; is this a merge request pipeline?)", 2)
    return int(value)


def _event_pull_request() -> int:
    """The pull request number of the GitHub Actions event that started the job."""
    path = _env("GITHUB_EVENT_PATH")
    if not path:
        raise _Failure("no pull request: pass --pull-request N (GITHUB_EVENT_PATH is not set)", 2)
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Failure(f"{path}: {exc.strerror or exc}") from None
    except ValueError:
        raise _Failure(f"{path}: the event file is not valid JSON") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise _Failure("no pull request: this event is not a pull request; pass --pull-request N", 2)
    return number
