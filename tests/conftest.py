"""Fixtures: small real projects on disk, built with the real `mkdocs` command."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

DEMO_CATALOGUE = """\
standard: "demo:2024"
title: "Demo Standard 2024"
exclusion: never
clauses:
  - {id: "4", title: "Context", parent: null}
  - {id: "4.1", title: "Understanding the organization", parent: "4"}
  - {id: "4.2", title: "Interested parties", parent: "4"}
  - {id: "A.1", title: "Controls", parent: null, exclusion: justified}
  - {id: "A.1.1", title: "Policies", parent: "A.1"}
  - {id: "A.1.2", title: "Physical entry", parent: "A.1"}
"""


# The SoA's own document control (the applicability file's `document:` block).
SOA_DOCUMENT = (
    "document: {id: SOA-001, title: Statement of Applicability, type: register, owner: IMS Manager, "
    "approver: Managing Director, status: approved, review_interval: 12 months, classification: internal}\n"
)


def document(doc_id: str, claims: str, *, title: str = "Demo Policy", status: str = "approved", body: str = "") -> str:
    """Front matter and body of one controlled document claiming `claims` of demo:2024."""
    return textwrap.dedent(
        f"""\
        ---
        id: {doc_id}
        title: {title}
        type: policy
        owner: IMS Manager
        approver: Managing Director
        status: {status}
        review_interval: 12 months
        classification: internal
        satisfies:
          demo:2024: [{claims}]
        ---
        ## Purpose

        {body or "This policy explains how we work."}
        """
    )


@dataclass
class Built:
    returncode: int
    output: str
    site: Path

    def html(self, page: str) -> str:
        return (self.site / page).read_text(encoding="utf-8")

    def matrix_row(self, anchor: str, page: str = "compliance/matrix-demo-2024/index.html") -> str:
        """The HTML of the matrix row that holds the clause anchor `anchor`."""
        match = re.search(rf'id="{re.escape(anchor)}".*?</tr>', self.html(page), re.S)
        assert match is not None, f"no row #{anchor} in {page}"
        return match.group(0)


@dataclass
class DemoProject:
    root: Path
    today: str | None = None  # the day builds run on (SOURCE_DATE_EPOCH), for review dates

    def write(self, relative: str, content: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = build_env(self.today) if self.today else {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        return subprocess.run(args, cwd=self.root, capture_output=True, text=True, env=env, check=False)

    def build(self, strict: bool = True) -> Built:
        site = self.root / "site"
        args = [sys.executable, "-m", "mkdocs", "build", "-d", str(site)] + (["--strict"] if strict else [])
        result = self.run(*args)
        return Built(result.returncode, result.stdout + result.stderr, site)

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli("check", *args)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`imsdocs <args>` in the project, as a user runs it."""
        return self.run(sys.executable, "-m", "imsdocs.cli", *args)


@pytest.fixture
def demo(tmp_path: Path) -> DemoProject:
    """A covered project: one standard, two documents, one justified exclusion."""
    project = DemoProject(tmp_path)
    project.write(
        "mkdocs.yml",
        "site_name: Demo IMS\ndocs_dir: docs\nplugins:\n  - search\n  - imsdocs:\n      standards: ['demo:2024']\n"
        "      history: false\n",
    )
    project.write("docs/index.md", "# Home\n\n<!-- imsdocs:coverage -->\n")
    project.write("requirements_map/demo.yml", DEMO_CATALOGUE)
    project.write(
        "requirements_map/applicability.yml",
        SOA_DOCUMENT
        + 'demo:2024:\n  default_inclusion: {reasons: [risk], justification: "Treats assessed risks.", status: implemented}\n'
        '  excluded:\n    "A.1.2": {justification: "We have no premises of our own."}\n',
    )
    project.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement"))
    project.write("policies/security.md", document("POL-002", '"A.1.1"', title="Security Policy"))
    project.write("procedures/.keep", "")
    project.write("records/.keep", "")
    return project


class Repo:
    """A real git repository whose commits carry fixed author and committer dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(
        self,
        *args: str,
        date: str = "2026-01-05T09:00:00+01:00",
        author_date: str | None = None,
        author: tuple[str, str] = ("Ada Author", "ada@kestrel.example"),
    ) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": "Forge Bot",
            "GIT_COMMITTER_EMAIL": "forge@kestrel.example",
            "GIT_AUTHOR_DATE": author_date or date,
            "GIT_COMMITTER_DATE": date,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_SYSTEM": os.devnull,
        }
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True)
        return done.stdout

    def write(self, path: str, text: str) -> None:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")

    def commit(
        self,
        message: str,
        date: str,
        author_date: str | None = None,
        author: tuple[str, str] = ("Ada Author", "ada@kestrel.example"),
    ) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, date=date, author_date=author_date, author=author)

    def merge_pull_request(
        self,
        branch: str,
        path: str,
        text: str,
        subject: str,
        message: str,
        dates: tuple[str, str],
        author: tuple[str, str] = ("Ada Author", "ada@kestrel.example"),
    ) -> None:
        """A branch with one commit to `path` by `author`, merged into main with `message` (a forge's merge commit)."""
        self.git("checkout", "-q", "-b", branch)
        self.write(path, text)
        self.commit(subject, dates[0], author=author)
        self.git("checkout", "-q", "main")
        self.git(
            "merge",
            "-q",
            "--no-ff",
            branch,
            "-m",
            message,
            date=dates[1],
            author=("Forge Bot", "forge@kestrel.example"),
        )


# The example IMS is built from a copy with a history of its own, so that versions, approvals and
# review dates do not depend on how the repository was cloned, or on the day the tests run.
EXAMPLE_TODAY = "2026-12-05T12:00:00+00:00"
DANA = "Dana Whitfield <dana.whitfield@kestrel.example>"
AGNIESZKA = ("Agnieszka Kowalczyk", "agnieszka.kowalczyk@kestrel.example")
OWEN = ("Owen Pritchard", "owen.pritchard@kestrel.example")


def example_repo(root: Path) -> Repo:
    """The example IMS imported on 20 November 2026 (its approval baseline), then two merge requests."""
    for folder in ("docs", "policies", "procedures", "records", "requirements_map"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    repo = Repo(root)
    repo.commit("Import the IMS documents", "2026-11-20T16:00:00+00:00", author=OWEN)
    # The example's baseline names the commit that imported its documents: here, this copy's import.
    config = root / "mkdocs.yml"
    imported = repo.git("rev-parse", "HEAD").strip()
    config.write_text(re.sub(r"commit: [0-9a-f]{40}", f"commit: {imported}", config.read_text()), encoding="utf-8")
    repo.commit("Record the approval baseline", "2026-11-23T17:00:00+00:00", author=OWEN)
    policy = (root / "policies/access-control-policy.md").read_text(encoding="utf-8")
    repo.merge_pull_request(
        "supplier-keys",
        "policies/access-control-policy.md",
        policy.replace(
            "require a FIDO2 hardware security key.", "require a FIDO2 hardware security key, also for suppliers."
        ),
        "Require hardware keys for supplier access",
        f"Merge branch 'supplier-keys' into 'main'\n\nRequire hardware keys for supplier access\n\n"
        f"See merge request ims/ims-docs!14\n\nApproved-by: {DANA}",
        ("2026-11-25T09:30:00+01:00", "2026-11-26T10:15:00+00:00"),
        author=AGNIESZKA,
    )
    policy = (root / "policies/access-control-policy.md").read_text(encoding="utf-8")
    repo.merge_pull_request(
        "typo",
        "policies/access-control-policy.md",
        policy.replace("also for suppliers.", "including supplier staff."),
        "Reword the supplier rule",
        f"Merge branch 'typo' into 'main'\n\nReword the supplier rule\n\nSee merge request ims/ims-docs!15\n\n"
        f"Change-type: editorial\nApproved-by: {DANA}",
        ("2026-12-01T08:00:00+00:00", "2026-12-01T11:00:00+00:00"),
        author=OWEN,
    )
    return repo


def build_env(today: str = EXAMPLE_TODAY) -> dict[str, str]:
    """The environment of a build on `today` (SOURCE_DATE_EPOCH), without MkDocs 2's banner."""
    epoch = int(datetime.datetime.fromisoformat(today).timestamp())
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": str(epoch)}


def build_example(root: Path, site: Path, today: str = EXAMPLE_TODAY, *, strict: bool = True) -> Built:
    """A real `mkdocs build` of the example IMS at `root` on `today`."""
    args = [sys.executable, "-m", "mkdocs", "build", "-d", str(site), *(["--strict"] if strict else [])]
    result = subprocess.run(args, cwd=root, capture_output=True, text=True, env=build_env(today), check=False)
    return Built(result.returncode, result.stdout + result.stderr, site)


@pytest.fixture(scope="session")
def example_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's own example IMS, with the history of `example_repo`."""
    root = tmp_path_factory.mktemp("example") / "kestrel"
    example_repo(root)
    return root


@pytest.fixture(scope="session")
def example_site(example_root: Path) -> Built:
    """The example IMS built strictly once per test session, on EXAMPLE_TODAY."""
    return build_example(example_root, example_root / "site")


# Document control on demo projects: the configuration, people and page readers the tests share.
DANA = "Dana Whitfield <dana@kestrel.example>"
PEOPLE = """\
people:
  - {name: Dana Whitfield, email: dana@kestrel.example, roles: [Managing Director]}
  - {name: Ada Author, email: ada@kestrel.example, roles: [IMS Manager]}
"""
CONFIG = """\
site_name: Demo IMS
docs_dir: docs
repo_url: https://github.com/kestrel/ims
plugins:
  - search
  - imsdocs:
      standards: ['demo:2024']
      approval_baseline: 2026-01-31
{extra}"""


def imported_ims(demo: DemoProject, extra: str = "", people: str = PEOPLE) -> tuple[DemoProject, Repo]:
    """The demo IMS in git: imported on 5 January 2026 (baseline 31 January), built on 1 March 2026.

    `extra`: plugin options added to CONFIG (indented as options); `people`: the people file."""
    demo.write("mkdocs.yml", CONFIG.format(extra=extra))
    demo.write("requirements_map/people.yml", people)
    demo.today = "2026-03-01T12:00:00+00:00"
    repo = Repo(demo.root)
    repo.write(".gitignore", "site/\n")
    repo.commit("Import the IMS", "2026-01-05T09:00:00+01:00")
    return demo, repo


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def control_block(built: Built, page: str) -> dict[str, str]:
    """The control block at the top of a document page, as field -> value."""
    html = built.html(page)
    table = html[html.index("<table data-ims-control") : html.index("</table>")]
    fields: dict[str, str] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        fields.update({cells[0]: cells[1], cells[2]: cells[3]})
    return fields


def revision_rows(built: Built, page: str) -> list[list[str]]:
    html = built.html(page)
    table = html[html.index('id="revision-history"') :]
    table = table[: table.index("</table>")]
    return [
        [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ][1:]


def warnings(built: Built) -> list[str]:
    return [
        line.split("imsdocs: ", 1)[1]
        for line in built.output.splitlines()
        if line.startswith("WARNING") and "imsdocs: " in line
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, ready: Callable[[str], bool], seconds: float = 30) -> str:
    """The page at `url` once `ready` accepts it (the server starts, then rebuilds after an edit)."""
    deadline = time.monotonic() + seconds
    html = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                html = response.read().decode("utf-8")
            if ready(html):
                return html
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never became ready; last response: {html[:300]!r}")


# A site whose every field carries script: the hostile fixture of test_hostile.py and test_browser.py.
GOLDEN_PROJECT = Path(__file__).parent / "golden" / "project"
PAYLOAD = (
    '"><img src=x onerror="window.__pwned=1">{: onfocus="window.__pwned=1" autofocus } '
    "<script>window.__pwned=1</script> *em* [x](javascript:window.__pwned=1)\r# injected"
)
VISIBLE = "window.__pwned=1</script> *em* [x](javascript:window.__pwned=1)"  # how the text reads on a page
J = json.dumps(PAYLOAD)


def hostile_values(root: Path) -> None:
    """The payload in every field a page shows: front matter, record block, catalogue, applicability, correspondence."""
    security = (root / "policies/security.md").read_text(encoding="utf-8")
    security = security.replace("title: Security Policy <v2>", f"title: {J}").replace(
        "owner: IMS Manager", f"owner: {J}"
    )
    security = security.replace(
        "classification: internal", f"classification: internal\nsubtitle: {J}\ndescription: {J}\ntags: [{J}]"
    )
    (root / "policies/security.md").write_text(security, encoding="utf-8")
    log = (root / "records/log.md").read_text(encoding="utf-8")
    for field, value in (("retention", "6 years"), ("location", "This repository"), ("access", "IMS team")):
        log = log.replace(f"{field}: {value}", f"{field}: {J}")
    (root / "records/log.md").write_text(log, encoding="utf-8")
    scope = (
        (root / "procedures/documents.md")
        .read_text(encoding="utf-8")
        .replace("approver: Managing Director", f"approver: {J}")
    )
    (root / "procedures/documents.md").write_text(scope, encoding="utf-8")
    catalogue = (root / "requirements_map/demo.yml").read_text(encoding="utf-8")
    catalogue = catalogue.replace('title: "Demo Standard 2024"', f"title: {J}")
    catalogue = catalogue.replace('title: "Interested parties"', f"title: {J}")
    (root / "requirements_map/demo.yml").write_text(catalogue, encoding="utf-8")
    applicability = (root / "requirements_map/applicability.yml").read_text(encoding="utf-8")
    applicability = applicability.replace('"We have no premises of our own."', J).replace(
        '"Contracts & the law require it."', J
    )
    (root / "requirements_map/applicability.yml").write_text(applicability, encoding="utf-8")
    topics = (root / "requirements_map/correspondence.yml").read_text(encoding="utf-8")
    topics = topics.replace('topic: "Context"', f"topic: {J}").replace('note: "One procedure for both"', f"note: {J}")
    (root / "requirements_map/correspondence.yml").write_text(topics, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden fixture with the payload in every field and in git (subject, author, trailer), built once."""
    root = tmp_path_factory.mktemp("hostile") / "ims"
    shutil.copytree(GOLDEN_PROJECT, root)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        config.replace("docs_dir: docs\n", "docs_dir: docs\ntheme: {name: material, font: false}\n")
    )
    hostile_values(root)
    repo = Repo(root)
    repo.write(".gitignore", "site/\n")
    repo.commit("Import", "2026-01-05T09:00:00+00:00")
    (root / "policies/scope.md").write_text(
        (root / "policies/scope.md").read_text(encoding="utf-8") + "\nA change.\n", encoding="utf-8"
    )
    repo.commit(
        f"{PAYLOAD}\n\n{PAYLOAD}\n\nApproved-by: {PAYLOAD}", "2026-02-10T09:00:00+00:00", author=(PAYLOAD, "e@x")
    )
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        env=build_env("2026-03-01T12:00:00+00:00"),
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "site"


WriteFile = Callable[[str, str], Path]
