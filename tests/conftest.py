"""Fixtures: small real projects on disk, built with the real `mkdocs` command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
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

    def write(self, relative: str, content: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        return subprocess.run(args, cwd=self.root, capture_output=True, text=True, env=env, check=False)

    def build(self, strict: bool = True) -> Built:
        site = self.root / "site"
        args = [sys.executable, "-m", "mkdocs", "build", "-d", str(site)] + (["--strict"] if strict else [])
        result = self.run(*args)
        return Built(result.returncode, result.stdout + result.stderr, site)

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "imsdocs.cli", "check", *args)


@pytest.fixture
def demo(tmp_path: Path) -> DemoProject:
    """A covered project: one standard, two documents, one justified exclusion."""
    project = DemoProject(tmp_path)
    project.write(
        "mkdocs.yml",
        "site_name: Demo IMS\ndocs_dir: docs\nplugins:\n  - search\n  - imsdocs:\n      standards: ['demo:2024']\n",
    )
    project.write("docs/index.md", "# Home\n\n<!-- imsdocs:coverage -->\n")
    project.write("requirements_map/demo.yml", DEMO_CATALOGUE)
    project.write(
        "requirements_map/applicability.yml",
        'demo:2024:\n  default_inclusion: {reasons: [risk], justification: "Treats assessed risks."}\n'
        '  excluded:\n    "A.1.2": {justification: "We have no premises of our own."}\n',
    )
    project.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement"))
    project.write("policies/security.md", document("POL-002", '"A.1.1"', title="Security Policy"))
    project.write("procedures/.keep", "")
    project.write("records/.keep", "")
    return project


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The repository's own example IMS, built strictly once per test session."""
    site = tmp_path_factory.mktemp("example") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    result = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    return Built(result.returncode, result.stdout + result.stderr, site)


WriteFile = Callable[[str, str], Path]
