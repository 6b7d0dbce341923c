"""The CI templates and the forge commands, run for real.

The templates' structure is read with PyYAML; then their own shell steps (GitHub `run:` blocks,
GitLab `script:` lines, taken from the YAML, so a change to a template is what gets tested) run in
order against real repositories: a bare "origin" and a full clone of it. `actions/checkout` becomes
a `git clone` of the origin; other `uses:` steps (setup-python, artifacts, Pages) are the runner's
business and are left out. The forge is a local HTTP server on 127.0.0.1 serving recorded answers
(`tests/fixtures/forge/`) and recording every request.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import GOLDEN_PROJECT, REPO, Repo

TEMPLATES = REPO / "plugins" / "imsdocs" / "ci"
FIXTURES = Path(__file__).parent / "fixtures" / "forge"
BIN = Path(sys.executable).parent  # imsdocs and mkdocs of this virtual environment
TOKEN = "ghs_TESTTOKEN0000000000000000000000000000"
BOT_TOKEN = "glpat-TESTTOKEN000000000000"
MARKER = "<!-- imsdocs:diff -->"
DANA = "Dana Whitfield <dana@kestrel.example>"
TODAY_EPOCH = "1772366400"  # 2026-03-01: every review of the fixture is on schedule
GITHUB_NOTE = (
    "Approved-by: Carol Chen <5003+carol-chen@users.noreply.github.com>\n"
    "Approved-by: Dana Whitfield <dana@kestrel.example>\n"
    "Pull-request: #42\n"
    "Recorded-by: imsdocs record-approvals (GitHub API)\n"
)


# The templates, as CI reads them


def github_workflow(text: str | None = None) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(text or (TEMPLATES / "github-workflow.yml").read_text(encoding="utf-8"))
    return loaded


def gitlab_config(text: str | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(text or (TEMPLATES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    return loaded


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping; YAML 1.1 (PyYAML) reads the key `on` as true, as GitHub does not."""
    found: dict[str, Any] = workflow[True] if True in workflow else workflow["on"]
    return found


def uncommented(name: str, prefix: str) -> str:
    """The template with its optional job enabled, as its comment tells the user to do."""
    lines = (TEMPLATES / name).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"{re.escape(prefix)}\s*intranet:", line))
    return "\n".join(lines[:start] + [line.removeprefix(prefix) for line in lines[start:]]) + "\n"


def github_with_intranet() -> dict[Any, Any]:
    return github_workflow(uncommented("github-workflow.yml", "#"))


def gitlab_with_intranet() -> dict[str, Any]:
    return gitlab_config(uncommented("gitlab-ci.yml", "# "))


def shell_lines() -> list[tuple[str, str]]:
    """(job, line) for every shell line of both templates, their optional jobs included."""
    found = []
    for name, job in github_with_intranet()["jobs"].items():
        for step in job["steps"]:
            found += [(f"github {name}", line) for line in step.get("run", "").splitlines() if line.strip()]
    config = gitlab_with_intranet()
    for name, job in config.items():
        if isinstance(job, dict) and "script" in job:
            lines = config["default"]["before_script"] + job["script"]
            found += [(f"gitlab {name}", line) for item in lines for line in item.splitlines() if line.strip()]
    return found


# Structure


def test_the_github_workflow_runs_on_pull_requests_pushes_to_main_and_by_hand() -> None:
    workflow = github_workflow()
    on = triggers(workflow)
    assert set(on) == {"pull_request", "push", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"]}
    assert workflow["defaults"] == {"run": {"shell": "sh"}}  # POSIX sh -e, as the tests run it
    jobs = workflow["jobs"]
    assert set(jobs) == {"check", "publish"}
    assert jobs["check"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["publish"]["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert jobs["publish"]["environment"]["name"] == "github-pages"
    uses = [step["uses"] for job in jobs.values() for step in job["steps"] if "uses" in step]
    assert sorted(set(uses)) == [
        "actions/checkout@v4",
        "actions/deploy-pages@v4",
        "actions/setup-python@v5",
        "actions/upload-artifact@v4",
        "actions/upload-pages-artifact@v3",
    ]
    python = [step["with"] for job in jobs.values() for step in job["steps"] if "setup-python" in step.get("uses", "")]
    assert python == [{"python-version": "3.11"}] * 2
    pages = next(step for step in jobs["publish"]["steps"] if "upload-pages-artifact" in step.get("uses", ""))
    assert pages["with"] == {"path": "site/"}


def test_each_github_job_holds_only_the_permissions_it_needs() -> None:
    workflow = github_with_intranet()
    assert workflow["permissions"] == {}  # nothing by default
    assert {name: job["permissions"] for name, job in workflow["jobs"].items()} == {
        "check": {"contents": "read", "pull-requests": "write"},
        "publish": {"contents": "write", "pages": "write", "id-token": "write", "pull-requests": "read"},
        "intranet": {"contents": "read"},
    }


def test_every_checkout_fetches_the_whole_history() -> None:
    checkouts = [
        (name, step.get("with", {}))
        for name, job in github_with_intranet()["jobs"].items()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert [name for name, _ in checkouts] == ["check", "publish", "intranet"]
    assert all(options.get("fetch-depth") == 0 for _, options in checkouts), checkouts
    assert gitlab_config()["variables"]["GIT_DEPTH"] == 0


def test_every_build_is_strict_and_never_quiet() -> None:
    lines = shell_lines()
    builds = [(job, line) for job, line in lines if "mkdocs build" in line]
    assert {job for job, _ in builds} == {
        "github check",
        "github publish",
        "github intranet",
        "gitlab check",
        "gitlab pages",
        "gitlab intranet",
    }
    for job, line in builds:
        words = shlex.split(line, comments=True)
        assert "--strict" in words, (job, line)
        assert "-q" not in words and "--quiet" not in words, (job, line)
    assert not [line for _, line in lines if re.search(r"\s-q(\s|$)", line) and "mkdocs" in line]


def test_the_gitlab_jobs_run_where_they_should() -> None:
    config = gitlab_config()
    assert config["default"]["image"] == "python:3.11"
    assert config["stages"] == ["check", "publish"]
    merge_request = {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}
    default_branch = {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}
    assert config["workflow"]["rules"] == [merge_request, default_branch]
    jobs = {name: job for name, job in config.items() if isinstance(job, dict) and "script" in job}
    assert {name: (job["stage"], job["rules"]) for name, job in jobs.items()} == {
        "check": ("check", [merge_request]),
        "pages": ("publish", [default_branch]),
    }
    assert jobs["check"]["artifacts"]["paths"] == ["site/"]
    assert jobs["pages"]["artifacts"]["paths"] == ["public/"]
    assert jobs["pages"]["script"] == [
        "mkdocs build --strict -d public",
        "imsdocs evidence --output public/evidence.json",
    ]
    assert jobs["check"]["script"][-2:] == ["imsdocs comment --body-file diff.md", 'exit "$status"']
    intranet = gitlab_with_intranet()["intranet"]
    assert intranet["rules"] == [default_branch]
    assert 'rsync -av --delete site/ "$IMS_DEPLOY_TARGET"' in intranet["script"]
    header = (TEMPLATES / "gitlab-ci.yml").read_text(encoding="utf-8").split("\nvariables:", 1)[0]
    for setting in ("%{approved_by}", "Pipelines must succeed", "code owner", "No one", "IMS_BOT_TOKEN", "masked"):
        assert setting in header, setting


def unquoted_expansions(line: str) -> list[str]:
    """`$NAME` or `${NAME}` outside double quotes in one shell line (`$?`, a number, is allowed)."""
    found, quote, i = [], "", 0
    while i < len(line):
        c = line[i]
        if quote == "'":
            quote = "" if c == "'" else quote
        elif c == "\\":
            i += 1
        elif c == '"':
            quote = "" if quote else '"'
        elif c == "'" and not quote:
            quote = "'"
        elif c == "#" and not quote and (i == 0 or line[i - 1].isspace()):
            break
        elif c == "$" and not quote and (match := re.match(r"\$(\{\w+\}|\w+)", line[i:])):
            found.append(match.group(0))
        i += 1
    return found


def test_shell_lines_are_simple_quote_every_variable_and_echo_no_secret() -> None:
    lines = shell_lines()
    assert [(job, line) for job, line in lines if unquoted_expansions(line)] == []
    assert [line for _, line in lines if "${{" in line] == []  # expressions reach a step through env:, never sh
    assert [line for _, line in lines if re.search(r"\bset\s+-\w*x", line)] == []
    assert [line for _, line in lines if re.search(r"\b(echo|printf)\b.*(TOKEN|SECRET|PASSWORD)", line)] == []
    assert [line for _, line in lines if re.search(r"\[\[|\bfunction\b|<<<|\bsource\b", line)] == []  # no bashisms
    secrets = [
        (name, value)
        for job in github_with_intranet()["jobs"].values()
        for step in job["steps"]
        for name, value in step.get("env", {}).items()
    ]
    assert secrets and all(re.fullmatch(r"\$\{\{ (github\.token|secrets\.\w+|vars\.\w+) \}\}", v) for _, v in secrets)


def test_the_templates_are_shipped_as_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "ci/*.yml" in pyproject["tool"]["setuptools"]["package-data"]["imsdocs"]
    assert sorted(path.name for path in TEMPLATES.glob("*.yml")) == ["github-workflow.yml", "gitlab-ci.yml"]


# A local forge


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: Any


@dataclass
class Forge:
    """A GitHub and GitLab API on 127.0.0.1: recorded answers by route, comments and notes kept."""

    url: str = ""
    requests: list[Request] = field(default_factory=list)
    routes: dict[tuple[str, str], tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    threads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str, fixture: str, **values: str) -> None:
        """Answer `method path` (query included) with a recorded answer, its @NAME@ values filled in."""
        text = (FIXTURES / fixture).read_text(encoding="utf-8").replace("@API@", self.url)
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        recorded = json.loads(text)
        payload = recorded["raw"].encode("utf-8") if "raw" in recorded else json.dumps(recorded["body"]).encode()
        self.routes[(method, path)] = (recorded["status"], recorded["headers"], payload)

    def thread(self, path: str, fixture: str) -> None:
        """The comments (or notes) already on a pull or merge request."""
        self.threads[path] = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))["body"]

    def respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(Request(method, path, headers, body))
            if (method, path) in self.routes:
                return self.routes[(method, path)]
            return self._comments(method, path, body)

    def _comments(self, method: str, path: str, body: Any) -> tuple[int, dict[str, str], bytes]:
        """Issue comments (GitHub) and merge request notes (GitLab), kept between requests."""
        listing = re.fullmatch(
            r"(/repos/[^/]+/[^/]+/issues/\d+/comments|/api/v4/projects/[^/]+/merge_requests/\d+/notes)"
            r"(\?per_page=100&page=(\d+))?",
            path,
        )
        if listing and method == "GET" and listing.group(3):
            items = self.threads.setdefault(listing.group(1), [])
            page = int(listing.group(3))
            return 200, {}, json.dumps(items[(page - 1) * 100 : page * 100]).encode()
        if listing and method == "POST" and not listing.group(2):
            items = self.threads.setdefault(listing.group(1), [])
            item = {"id": 900 + len(items), "body": body["body"], "user": {"login": "github-actions[bot]"}}
            items.append(item)
            return 201, {}, json.dumps(item).encode()
        edit = re.fullmatch(r"(/repos/[^/]+/[^/]+/issues)/comments/(\d+)|(/api/v4/projects/.+/notes)/(\d+)", path)
        if edit and method in ("PATCH", "PUT"):
            for items in self.threads.values():
                for item in items:
                    if str(item["id"]) == (edit.group(2) or edit.group(4)):
                        item["body"] = body["body"]
                        return 200, {}, json.dumps(item).encode()
        return 404, {}, b'{"message": "Not Found"}'

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT")]


@pytest.fixture
def forge() -> Iterator[Forge]:
    state = Forge()

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            sent = {name.lower(): value for name, value in self.headers.items()}
            status, headers, payload = state.respond(self.command, self.path, sent, json.loads(raw) if raw else None)
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = handle_one

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the test reads `state.requests`

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# Real repositories


@dataclass
class Origin:
    """A bare origin holding the IMS, and the commits the tests name."""

    path: Path
    main: str  # the tip of main
    pull_merge: str = ""  # refs/pull/42/merge: what GitHub checks out for a pull request
    pull_head: str = ""  # the pull request's branch


def ims_repo(root: Path) -> Repo:
    """The golden IMS imported before its approval baseline (2026-01-31)."""
    shutil.copytree(GOLDEN_PROJECT, root)
    repo = Repo(root)
    repo.write(".gitignore", "/site/\n/public/\n")
    for forge in ("github", "gitlab"):  # the routing file the check jobs compare
        subprocess.run(
            [str(BIN / "imsdocs"), "codeowners", "--forge", forge], cwd=root, check=True, capture_output=True
        )
    repo.commit("Import the IMS", "2026-01-05T09:00:00+00:00")
    return repo


def mfa_policy(root: Path) -> str:
    security = (root / "policies/security.md").read_text(encoding="utf-8")
    return security.replace("How we protect information.", "How we protect information, with MFA everywhere.")


def publish(repo: Repo, tmp_path: Path) -> Origin:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=git_env())
    repo.git("push", "-q", "--mirror", str(origin))
    return Origin(origin, repo.git("rev-parse", "main").strip())


def merged_origin(tmp_path: Path, forge: str = "github") -> Origin:
    """Main with pull request #42 (GitLab: merge request !42) merged, as that forge writes the merge commit."""
    repo = ims_repo(tmp_path / "forge")
    # GitHub writes no Approved-by: trailer: the approvals reach the build through the git note the
    # publish job records before it builds (strictly). GitLab's merge commit template writes them.
    message = (
        "Merge pull request #42 from kestrel/mfa\n\nRequire MFA everywhere"
        if forge == "github"
        else f"Merge branch 'mfa' into 'main'\n\nRequire MFA everywhere\n\nSee merge request kestrel/ims!42\n\nApproved-by: {DANA}"
    )
    repo.merge_pull_request(
        "mfa",
        "policies/security.md",
        mfa_policy(repo.root),
        "Require MFA",
        message,
        ("2026-02-09T17:00:00+00:00", "2026-02-10T10:00:00+00:00"),
    )
    return publish(repo, tmp_path)


def open_pull_request_origin(tmp_path: Path) -> Origin:
    """Main as imported, and pull request #42 open, with the merge ref GitHub keeps for it."""
    repo = ims_repo(tmp_path / "forge")
    repo.git("checkout", "-q", "-b", "mfa")
    repo.write("policies/security.md", mfa_policy(repo.root))
    repo.commit("Require MFA", "2026-02-09T17:00:00+00:00")
    head = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "--detach", "main")
    repo.git("merge", "-q", "--no-ff", "mfa", "-m", f"Merge {head} into main", date="2026-02-09T17:01:00+00:00")
    repo.git("update-ref", "refs/pull/42/merge", "HEAD")
    repo.git("checkout", "-q", "main")
    origin = publish(repo, tmp_path)
    origin.pull_head, origin.pull_merge = head, repo.git("rev-parse", "refs/pull/42/merge").strip()
    return origin


def git_env() -> dict[str, str]:
    return {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}


def git_in(where: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=where, env=git_env(), capture_output=True, text=True, check=True)
    return done.stdout


def checkout(origin: Origin, workdir: Path, ref: str) -> None:
    """What actions/checkout (fetch-depth: 0) or GitLab's runner (GIT_DEPTH: 0) leaves: a full clone at `ref`."""
    git_in(workdir.parent, "clone", "-q", str(origin.path), str(workdir))
    git_in(workdir, "fetch", "-q", "origin", ref)
    git_in(workdir, "checkout", "-q", "--detach", "FETCH_HEAD")


# Running the templates' own steps

INHERITED = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_", "GH_", "IMS_", "GIT_", "SOURCE_DATE_EPOCH")


def ci_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """A CI job's environment: this virtual environment's commands first, no network but 127.0.0.1."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(INHERITED) and name != "CI" and not name.lower().endswith("_proxy")
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_SYSTEM=os.devnull,
        NO_MKDOCS_2_WARNING="1",
        SOURCE_DATE_EPOCH=TODAY_EPOCH,
        no_proxy="127.0.0.1",
        CI="true",
    )
    return {**env, **values}


def skipped(line: str) -> bool:
    """Whether the tests leave a template line out: installing imsdocs (it is installed here; no network)."""
    words = shlex.split(line, comments=True) if line.strip() else []
    return words[:2] == ["pip", "install"]


@dataclass
class Job:
    returncode: int
    output: str
    workdir: Path


def run_script(lines: list[str], workdir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = "\n".join(line for line in lines if not skipped(line))
    return subprocess.run(["sh", "-e", "-c", script], cwd=workdir, env=env, capture_output=True, text=True, check=False)


EXPRESSIONS = {"${{ github.token }}": TOKEN}


def run_github_job(name: str, origin: Origin, ref: str, workdir: Path, env: dict[str, str]) -> Job:
    """The job's steps in order, as a runner would: the first failing step ends the job."""
    output = ""
    for step in github_workflow()["jobs"][name]["steps"]:
        if step.get("uses", "").startswith("actions/checkout@"):
            checkout(origin, workdir, ref)
        if "run" not in step:
            continue  # setup-python, artifacts, Pages: nothing to run here
        step_env = {key: EXPRESSIONS[value] for key, value in step.get("env", {}).items()}
        done = run_script(step["run"].splitlines(), workdir, {**env, **step_env})
        output += done.stdout + done.stderr
        if done.returncode:
            return Job(done.returncode, output, workdir)
    return Job(0, output, workdir)


def run_gitlab_job(name: str, origin: Origin, ref: str, workdir: Path, env: dict[str, str]) -> Job:
    """The job's before_script and script in one shell, as GitLab's runner runs them."""
    config = gitlab_config()
    checkout(origin, workdir, ref)
    variables = {key: str(value) for key, value in config["variables"].items()}
    done = run_script(config["default"]["before_script"] + config[name]["script"], workdir, {**env, **variables})
    return Job(done.returncode, done.stdout + done.stderr, workdir)


def github_env(tmp_path: Path, forge: Forge, **values: str) -> dict[str, str]:
    defaults = {"GITHUB_ACTIONS": "true", "GITHUB_API_URL": forge.url, "GITHUB_REPOSITORY": "kestrel/ims"}
    return ci_env(tmp_path, **{**defaults, **values})


def imsdocs(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "imsdocs"), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def answer_reviews(forge: Forge) -> None:
    reviews = "/repos/kestrel/ims/pulls/42/reviews?per_page=100"
    forge.answer("GET", f"{reviews}&page=1", "github/reviews-page-1.json", OTHER_SHA="0" * 40)
    forge.answer("GET", f"{reviews}&page=2", "github/reviews-page-2.json", OTHER_SHA="0" * 40)
    forge.answer("GET", "/users/dana-whitfield", "github/user-dana-whitfield.json")
    forge.answer("GET", "/users/carol-chen", "github/user-carol-chen.json")


# GitHub: the check job


def test_the_github_check_job_comments_once_then_updates_its_comment(tmp_path: Path, forge: Forge) -> None:
    origin = open_pull_request_origin(tmp_path)
    forge.thread("/repos/kestrel/ims/issues/42/comments", "github/issue-comments.json")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": 42}}), encoding="utf-8")
    env = github_env(
        tmp_path,
        forge,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_BASE_REF="main",
        GITHUB_REF="refs/pull/42/merge",
        GITHUB_SHA=origin.pull_merge,
    )
    first = run_github_job("check", origin, "refs/pull/42/merge", tmp_path / "run1", env)
    assert first.returncode == 0, first.output
    assert (first.workdir / "site/policies/security/index.html").is_file()
    report = (first.workdir / "diff.md").read_text(encoding="utf-8")
    assert [(r.method, r.path) for r in forge.writes()] == [("POST", "/repos/kestrel/ims/issues/42/comments")]
    posted = forge.writes()[0]
    assert posted.body == {"body": f"{MARKER}\n{report}"}
    assert posted.headers["authorization"] == f"Bearer {TOKEN}"
    assert "created the report on pull request #42" in first.output

    second = run_github_job("check", origin, "refs/pull/42/merge", tmp_path / "run2", env)
    assert second.returncode == 0, second.output
    assert [(r.method, r.path) for r in forge.writes()][1:] == [("PATCH", "/repos/kestrel/ims/issues/comments/901")]
    comments = forge.threads["/repos/kestrel/ims/issues/42/comments"]
    assert [c["body"].startswith(MARKER) for c in comments] == [False, True]  # the reviewer's comment untouched
    assert TOKEN not in first.output + second.output


# GitHub: the publish job


def test_the_github_publish_job_records_the_approvals_once_on_the_merge_commit(tmp_path: Path, forge: Forge) -> None:
    origin = merged_origin(tmp_path)
    forge.answer(
        "GET",
        f"/repos/kestrel/ims/commits/{origin.main}/pulls?per_page=100",
        "github/commit-pulls-merged.json",
        MERGE_SHA=origin.main,
        OTHER_SHA="0" * 40,
    )
    answer_reviews(forge)
    env = github_env(tmp_path, forge, GITHUB_EVENT_NAME="push", GITHUB_REF="refs/heads/main", GITHUB_SHA=origin.main)
    first = run_github_job("publish", origin, "refs/heads/main", tmp_path / "run1", env)
    assert first.returncode == 0, first.output
    assert git_in(origin.path, "notes", "--ref=approvals", "show", origin.main) == GITHUB_NOTE
    assert json.loads((first.workdir / "site/evidence.json").read_text(encoding="utf-8"))  # the ledger is published
    page = (first.workdir / "site/policies/security/index.html").read_text(encoding="utf-8")
    assert "Dana Whitfield (recorded in a git note by" in page  # the strict build read the note it had just written
    asked = [r.path for r in forge.requests]
    assert "/users/ravi-menon" not in asked  # his latest decision asked for changes
    assert {r.headers["authorization"] for r in forge.requests} == {f"Bearer {TOKEN}"}
    assert forge.writes() == []
    notes = git_in(origin.path, "rev-parse", "refs/notes/approvals")

    second = run_github_job("publish", origin, "refs/heads/main", tmp_path / "run2", env)
    assert second.returncode == 0, second.output
    assert "already recorded" in second.output
    assert git_in(origin.path, "rev-parse", "refs/notes/approvals") == notes  # no new notes commit
    assert git_in(origin.path, "rev-list", "--count", "refs/notes/approvals").strip() == "1"
    assert TOKEN not in first.output + second.output


def test_a_direct_push_records_nothing_and_still_publishes(tmp_path: Path, forge: Forge) -> None:
    repo = ims_repo(tmp_path / "forge")
    repo.write("docs/index.md", (repo.root / "docs/index.md").read_text(encoding="utf-8") + "\nWelcome.\n")
    repo.commit("Welcome readers", "2026-02-12T09:00:00+00:00")
    origin = publish(repo, tmp_path)
    forge.answer(
        "GET",
        f"/repos/kestrel/ims/commits/{origin.main}/pulls?per_page=100",
        "github/commit-pulls-direct.json",
        OTHER_SHA="0" * 40,
    )
    env = github_env(tmp_path, forge, GITHUB_EVENT_NAME="push", GITHUB_REF="refs/heads/main", GITHUB_SHA=origin.main)
    job = run_github_job("publish", origin, "refs/heads/main", tmp_path / "run", env)
    assert job.returncode == 0, job.output
    assert f"imsdocs: {origin.main} was not merged from a pull request (a direct push): no approvals to record." in (
        job.output
    )
    assert git_in(origin.path, "for-each-ref", "refs/notes") == ""
    assert (job.workdir / "site/evidence.json").is_file()


def test_a_hostile_name_from_the_api_cannot_add_a_line_to_the_note(tmp_path: Path, forge: Forge) -> None:
    origin = merged_origin(tmp_path)
    forge.answer(
        "GET",
        f"/repos/kestrel/ims/commits/{origin.main}/pulls?per_page=100",
        "github/commit-pulls-merged.json",
        MERGE_SHA=origin.main,
        OTHER_SHA="0" * 40,
    )
    forge.answer("GET", "/repos/kestrel/ims/pulls/42/reviews?per_page=100&page=1", "github/reviews-hostile.json")
    # The login is quoted into one path segment: anything else would miss this route.
    forge.answer("GET", "/users/eve%2F..%2F..%2Fadmin%3Fx%3D1", "github/user-hostile.json")
    workdir = tmp_path / "clone"
    checkout(origin, workdir, "refs/heads/main")
    env = ci_env(tmp_path, GITHUB_TOKEN=TOKEN, GIT_COMMITTER_NAME="CI", GIT_COMMITTER_EMAIL="ci@kestrel.example")
    env.update(GIT_AUTHOR_NAME="CI", GIT_AUTHOR_EMAIL="ci@kestrel.example")
    done = imsdocs(
        "record-approvals",
        "--commit",
        origin.main,
        "--repository",
        "kestrel/ims",
        "--api-url",
        forge.url,
        cwd=workdir,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    note = git_in(workdir, "notes", "--ref=approvals", "show", origin.main)
    assert note.splitlines() == [
        "Approved-by: Eve Approved-by: Mallory m@x <eve-------admin-x-1@users.noreply.github.com>",
        "Pull-request: #42",
        "Recorded-by: imsdocs record-approvals (GitHub API)",
    ]


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("github/error-403.json", "HTTP 403 Forbidden: Resource not accessible by integration"),
        ("github/error-500.json", "HTTP 500 Internal Server Error"),
        ("github/invalid-json.json", "the answer is not valid JSON"),
        ("github/redirect-301.json", "HTTP 301 Moved Permanently: Moved Permanently"),  # the token stays here
        (None, "Connection refused"),
    ],
)
def test_an_api_failure_is_one_line_and_exit_1(tmp_path: Path, forge: Forge, fixture: str | None, message: str) -> None:
    origin = merged_origin(tmp_path)
    path = f"/repos/kestrel/ims/commits/{origin.main}/pulls?per_page=100"
    api = forge.url
    if fixture:
        forge.answer("GET", path, fixture, MERGE_SHA=origin.main)
    else:  # nothing listens on this port
        api = f"http://127.0.0.1:{closed_port()}"
    workdir = tmp_path / "clone"
    checkout(origin, workdir, "refs/heads/main")
    env = github_env(tmp_path, forge, GITHUB_API_URL=api, GITHUB_TOKEN=TOKEN)
    done = imsdocs("record-approvals", "--commit", origin.main, cwd=workdir, env=env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"imsdocs: GET {api}{path}: {message}")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and TOKEN not in done.stderr
    assert git_in(workdir, "for-each-ref", "refs/notes") == ""
    assert [r.path for r in forge.requests] == ([path] if fixture else [])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# GitLab


def gitlab_env(tmp_path: Path, forge: Forge, **values: str) -> dict[str, str]:
    defaults = {"GITLAB_CI": "true", "CI_API_V4_URL": f"{forge.url}/api/v4", "CI_PROJECT_ID": "123"}
    return ci_env(tmp_path, **{**defaults, "CI_DEFAULT_BRANCH": "main", **values})


def test_the_gitlab_check_job_posts_its_note_with_the_bot_token_then_updates_it(tmp_path: Path, forge: Forge) -> None:
    origin = open_pull_request_origin(tmp_path)
    notes = "/api/v4/projects/123/merge_requests/7/notes"
    forge.thread(notes, "gitlab/notes.json")
    env = gitlab_env(
        tmp_path,
        forge,
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_IID="7",
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        CI_COMMIT_SHA=origin.pull_head,
        IMS_BOT_TOKEN=BOT_TOKEN,
    )
    first = run_gitlab_job("check", origin, "refs/heads/mfa", tmp_path / "run1", env)
    assert first.returncode == 0, first.output
    report = (first.workdir / "diff.md").read_text(encoding="utf-8")
    assert [(r.method, r.path) for r in forge.writes()] == [("POST", notes)]
    assert forge.writes()[0].headers["private-token"] == BOT_TOKEN
    assert forge.writes()[0].body == {"body": f"{MARKER}\n{report}"}
    assert (first.workdir / "site/index.html").is_file()

    second = run_gitlab_job("check", origin, "refs/heads/mfa", tmp_path / "run2", env)
    assert second.returncode == 0, second.output
    assert [(r.method, r.path) for r in forge.writes()][1:] == [("PUT", f"{notes}/902")]
    assert {r.headers["private-token"] for r in forge.requests} == {BOT_TOKEN}
    assert [n["body"].startswith(MARKER) for n in forge.threads[notes]] == [False, False, True]
    assert BOT_TOKEN not in first.output + second.output


def test_the_gitlab_pages_job_publishes_the_site_and_the_ledger(tmp_path: Path, forge: Forge) -> None:
    origin = merged_origin(tmp_path, "gitlab")
    env = gitlab_env(tmp_path, forge, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main", CI_COMMIT_SHA=origin.main)
    job = run_gitlab_job("pages", origin, "refs/heads/main", tmp_path / "run", env)
    assert job.returncode == 0, job.output
    page = (job.workdir / "public/policies/security/index.html").read_text(encoding="utf-8")
    assert "Dana Whitfield, 2026-02-10" in page and ">!42<" in page  # approved by the merge commit's trailer
    ledger = json.loads((job.workdir / "public/evidence.json").read_text(encoding="utf-8"))
    assert ledger["build"]["commit"] == origin.main
    assert {row["document"] for row in ledger["evidence"]} >= {"POL-001", "POL-002"}
    assert forge.requests == []


def test_without_a_bot_token_gitlab_says_the_job_token_cannot_write_notes(tmp_path: Path, forge: Forge) -> None:
    (tmp_path / "diff.md").write_text("report\n", encoding="utf-8")
    env = gitlab_env(tmp_path, forge, CI_MERGE_REQUEST_IID="7", CI_JOB_TOKEN="job-token")
    done = imsdocs("comment", "--body-file", "diff.md", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "set IMS_BOT_TOKEN" in done.stderr and "CI_JOB_TOKEN cannot write notes" in done.stderr
    assert forge.requests == []


# The commands themselves


def test_ci_writes_a_template_and_never_overwrites_without_force(tmp_path: Path) -> None:
    env = ci_env(tmp_path)
    github = (TEMPLATES / "github-workflow.yml").read_text(encoding="utf-8")
    assert imsdocs("ci", "github", cwd=tmp_path, env=env).returncode == 0
    written = tmp_path / ".github/workflows/ims.yml"
    assert written.read_text(encoding="utf-8") == github
    written.write_text("# ours\n", encoding="utf-8")
    again = imsdocs("ci", "github", cwd=tmp_path, env=env)
    assert again.returncode == 1
    assert again.stderr == "imsdocs: .github/workflows/ims.yml exists: pass --force to overwrite it\n"
    assert written.read_text(encoding="utf-8") == "# ours\n"
    assert imsdocs("ci", "github", "--force", cwd=tmp_path, env=env).returncode == 0
    assert written.read_text(encoding="utf-8") == github
    assert imsdocs("ci", "gitlab", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8") == (TEMPLATES / "gitlab-ci.yml").read_text()
    assert imsdocs("ci", "gitlab", "--output", "ci/ims.yml", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "ci/ims.yml").is_file()
    assert imsdocs("ci", "jenkins", cwd=tmp_path, env=env).returncode == 2


@pytest.mark.parametrize(
    ("args", "values", "message"),
    [
        (["comment", "--body-file", "diff.md"], {}, "which forge? pass --forge github or --forge gitlab"),
        (["comment", "--body-file", "diff.md", "--forge", "github"], {}, "no repository: pass --repository"),
        (
            ["comment", "--body-file", "diff.md", "--forge", "github", "--repository", "kestrel/ims"],
            {"GITHUB_TOKEN": TOKEN},
            "no pull request: pass --pull-request N (GITHUB_EVENT_PATH is not set)",
        ),
        (
            [
                "record-approvals",
                "--commit",
                "HEAD",
                "--repository",
                "kestrel/ims",
                "--api-url",
                "http://forge.example",
            ],
            {},
            "--api-url: http://forge.example: the API URL must start with https://",
        ),
        (
            ["record-approvals", "--commit", "HEAD", "--repository", "kestrel", "--notes-ref", "refs/notes/approvals"],
            {},
            "repository 'kestrel': expected OWNER/NAME",
        ),
        (
            ["record-approvals", "--commit", "HEAD", "--repository", "kestrel/ims", "--notes-ref=--upload-pack=x"],
            {},
            "--notes-ref '--upload-pack=x': expected a ref under refs/notes/",
        ),
    ],
)
def test_a_missing_or_malformed_value_is_exit_2_with_its_fix(
    tmp_path: Path, args: list[str], values: dict[str, str], message: str
) -> None:
    (tmp_path / "diff.md").write_text("report\n", encoding="utf-8")
    done = imsdocs(*args, cwd=tmp_path, env=ci_env(tmp_path, **values))
    assert done.returncode == 2
    assert done.stderr.startswith(f"imsdocs: {message}") and done.stderr.count("\n") == 1, done.stderr
