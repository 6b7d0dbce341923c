"""A small client for the GitHub and GitLab REST APIs: pull request approvals and the diff comment.

urllib only (no dependency). Base URLs and tokens are parameters, so CI fills them from its
environment and tests point them at a local server. The token travels in a header, never in a URL,
and is never sent over plain HTTP to another machine nor after a redirect. Every value that goes
into a URL is quoted; every failure is a `ForgeError` whose message names the URL and the status.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Literal, TypeGuard

MARKER = "<!-- imsdocs:diff -->"
TIMEOUT = 30.0  # seconds: a forge that does not answer fails the job instead of hanging it
PER_PAGE = 100
MAX_PAGES = 100  # bounded work: 10,000 reviews or comments is far beyond any real pull request
MAX_RESPONSE = 16 * 1024 * 1024
MAX_BODY = 65_000  # GitHub refuses comments over 65,536 characters
GITHUB_API_VERSION = "2022-11-28"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ForgeError(Exception):
    """A forge request failed; the message names the URL (never the token) and the HTTP status."""


@dataclass(frozen=True)
class Approval:
    """A reviewer whose latest decision on a pull request is an approval, with their public identity."""

    login: str
    name: str
    email: str
    submitted_at: str


@dataclass(frozen=True)
class _Response:
    data: object
    headers: Message


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would resend the token to wherever a redirect points: refuse redirects instead."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(url: str) -> str:
    """The URL for a message: without any user:password part, on one line."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return _one_line(urllib.parse.urlunsplit(parts._replace(netloc=netloc)), 500)


def check_api_url(api_url: str) -> str:
    """`api_url` without its trailing slash; ForgeError unless it is https (or http to this machine)."""
    parts = _split(api_url)
    if parts.query or parts.fragment:
        raise ForgeError(f"{_shown(api_url)}: the API URL must not have a query or a fragment")
    return api_url.rstrip("/")


def _split(url: str) -> urllib.parse.SplitResult:
    """The parts of a URL the token may be sent to; checked again for every request."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here, not in the request
    except ValueError:
        raise ForgeError(f"{_one_line(url)}: not a URL") from None
    # A token must not cross the network in clear text; plain http is for a local test server.
    if not (parts.scheme == "https" and parts.hostname) and not (
        parts.scheme == "http" and parts.hostname in _LOOPBACK
    ):
        raise ForgeError(f"{_shown(url)}: the API URL must start with https:// (http:// only to 127.0.0.1)")
    return parts


def segment(value: str | int) -> str:
    """One path segment of a URL: '/', '?', '#', '%' and every other reserved character quoted."""
    text = urllib.parse.quote(str(value), safe="")
    # "." and ".." are steps up and down a path to anything that normalises URLs, not names.
    return text.replace(".", "%2E") if text in (".", "..") else text


def _repository_path(repository: str) -> str:
    owner, slash, name = repository.partition("/")
    if not slash or not owner or not name or "/" in name:
        raise ForgeError(f"{_one_line(repository)!r} is not a repository name of the form OWNER/NAME")
    return f"{segment(owner)}/{segment(name)}"


def _request(
    method: str, url: str, headers: Mapping[str, str], payload: Mapping[str, object] | None = None
) -> _Response:
    _split(url)
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={"User-Agent": "imsdocs", **headers})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    where = f"{method} {_shown(url)}"
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            body: bytes = response.read(MAX_RESPONSE + 1)
            answer_headers: Message = response.headers
    except urllib.error.HTTPError as exc:
        try:
            detail = _error_detail(exc.read(4096))
        except (OSError, http.client.HTTPException):
            detail = ""  # the status says enough
        finally:
            exc.close()
        raise ForgeError(f"{where}: HTTP {exc.code} {_one_line(exc.reason or '')}{detail}".rstrip()) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, OSError):
            reason = reason.strerror or str(reason)
        raise ForgeError(f"{where}: {_one_line(str(reason))}") from None
    except TimeoutError:
        raise ForgeError(f"{where}: no answer within {TIMEOUT:.0f} seconds") from None
    except (OSError, http.client.HTTPException) as exc:
        raise ForgeError(f"{where}: {_one_line(str(exc) or type(exc).__name__)}") from None
    if len(body) > MAX_RESPONSE:
        raise ForgeError(f"{where}: the answer is larger than {MAX_RESPONSE // (1024 * 1024)} MB")
    if not body.strip():
        return _Response(None, answer_headers)
    try:
        return _Response(json.loads(body), answer_headers)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, absurd nesting
        raise ForgeError(f"{where}: the answer is not valid JSON") from None


def _error_detail(body: bytes) -> str:
    """The forge's own explanation (GitHub's `message`, GitLab's `message` or `error`), if it gave one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    if isinstance(data, dict):
        for key in ("message", "error"):
            if isinstance(data.get(key), str | dict | list):
                return f": {_one_line(str(data[key]), 200)}"
    return ""


def _has_next(headers: Message, count: int) -> bool:
    link = headers.get("Link")
    if link is not None:  # GitHub
        return 'rel="next"' in link
    next_page = headers.get("X-Next-Page")
    if next_page is not None:  # GitLab
        return next_page.strip() != ""
    return count >= PER_PAGE


def _pages(url: str, headers: Mapping[str, str]) -> Iterator[dict[str, object]]:
    """Every item of a paginated list; the page URLs are built here, never taken from the answer."""
    for page in range(1, MAX_PAGES + 1):
        page_url = f"{url}?per_page={PER_PAGE}&page={page}"
        response = _request("GET", page_url, headers)
        items = _objects(response.data, page_url)
        yield from items
        if not items or not _has_next(response.headers, len(items)):
            return
    raise ForgeError(f"GET {_shown(url)}: more than {MAX_PAGES} pages")


def _objects(data: object, url: str) -> list[dict[str, object]]:
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ForgeError(f"GET {_shown(url)}: expected a list of objects")
    return data


def _object(data: object, url: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise ForgeError(f"GET {_shown(url)}: expected an object")
    return data


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _github_headers(token: str) -> dict[str, str]:
    return {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": GITHUB_API_VERSION,
    }


def _with_marker(body: str) -> str:
    text = f"{MARKER}\n{body}"
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY] + "\n\n*(truncated: the full report is in the job's log)*\n"
    return text


def pull_request_of_commit(api_url: str, repository: str, sha: str, token: str) -> int | None:
    """The number of the pull request that was merged as commit `sha`, or None (a direct push)."""
    url = f"{check_api_url(api_url)}/repos/{_repository_path(repository)}/commits/{segment(sha)}/pulls"
    response = _request("GET", f"{url}?per_page={PER_PAGE}", _github_headers(token))
    for pull in _objects(response.data, url):
        # The list also holds open pull requests whose branch contains the commit: only the merge counts.
        number = pull.get("number")
        if pull.get("merge_commit_sha") == sha and pull.get("merged_at") and _is_id(number):
            return number
    return None


# A COMMENTED review leaves a reviewer's decision as it was, as GitHub's own merge rules read it.
_DECISIONS = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


def approvals(api_url: str, repository: str, number: int, token: str) -> list[Approval]:
    """The reviewers whose latest decision on pull request `number` is an approval, sorted by login."""
    base = f"{check_api_url(api_url)}/repos/{_repository_path(repository)}"
    headers = _github_headers(token)
    latest: dict[str, tuple[dict[str, object], dict[str, object]]] = {}
    for review in _pages(f"{base}/pulls/{segment(number)}/reviews", headers):  # chronological order
        user, state = review.get("user"), review.get("state")
        if isinstance(user, dict) and isinstance(user.get("login"), str) and state in _DECISIONS:
            latest[str(user["login"])] = (review, user)
    found = []
    for login, (review, user) in sorted(latest.items()):
        if review.get("state") != "APPROVED":
            continue
        url = f"{check_api_url(api_url)}/users/{segment(login)}"
        profile = _object(_request("GET", url, headers).data, url)
        name, email, user_id = profile.get("name"), profile.get("email"), profile.get("id", user.get("id"))
        if not isinstance(email, str) or not email:  # no public email: GitHub's no-reply address
            email = (
                f"{user_id}+{login}@users.noreply.github.com"
                if _is_id(user_id)
                else f"{login}@users.noreply.github.com"
            )
        submitted = review.get("submitted_at")
        found.append(
            Approval(
                login=login,
                name=name if isinstance(name, str) and name.strip() else login,
                email=email,
                submitted_at=submitted if isinstance(submitted, str) else "",
            )
        )
    return found


def post_or_update_comment(
    api_url: str, repository: str, number: int, token: str, body: str
) -> Literal["created", "updated"]:
    """Post the diff comment on pull request `number`, or update the one that carries the marker."""
    base = f"{check_api_url(api_url)}/repos/{_repository_path(repository)}/issues"
    headers = _github_headers(token)
    text = _with_marker(body)
    for comment in _pages(f"{base}/{segment(number)}/comments", headers):
        comment_id = comment.get("id")
        if isinstance(comment.get("body"), str) and MARKER in str(comment["body"]) and _is_id(comment_id):
            _request("PATCH", f"{base}/comments/{segment(comment_id)}", headers, {"body": text})
            return "updated"
    _request("POST", f"{base}/{segment(number)}/comments", headers, {"body": text})
    return "created"


def post_or_update_note(
    api_url: str, project_id: str, mr_iid: int, token: str, body: str
) -> Literal["created", "updated"]:
    """Post the diff note on GitLab merge request `mr_iid`, or update the one that carries the marker."""
    # A project path (group/project) is one segment, quoted: GitLab reads group%2Fproject.
    base = f"{check_api_url(api_url)}/projects/{segment(project_id)}/merge_requests/{segment(mr_iid)}/notes"
    headers = {"Accept": "application/json", "PRIVATE-TOKEN": token}
    text = _with_marker(body)
    for note in _pages(base, headers):
        note_id = note.get("id")
        if (
            not note.get("system")
            and isinstance(note.get("body"), str)
            and MARKER in str(note["body"])
            and _is_id(note_id)
        ):
            _request("PUT", f"{base}/{segment(note_id)}", headers, {"body": text})
            return "updated"
    _request("POST", base, headers, {"body": text})
    return "created"
