"""An organisation adopts imsdocs: `imsdocs new`, a first build that says what to do first, the installed package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest
import yaml

from conftest import DEMO_CATALOGUE, REPO, SOA_DOCUMENT, DemoProject, Repo, document

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}


def imsdocs(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imsdocs.cli", *args], cwd=cwd, capture_output=True, text=True, env=ENV, check=False
    )


def mkdocs_build(root: Path, *, strict: bool, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    args = [python, "-m", "mkdocs", "build", "-d", str(root / "site")] + (["--strict"] if strict else [])
    return subprocess.run(args, cwd=root, capture_output=True, text=True, env=ENV, check=False)


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("WARNING")]


def test_new_ims_builds_lists_what_is_missing_and_fails_strict_until_approved(tmp_path: Path) -> None:
    target = tmp_path / "acme-ims"
    made = imsdocs("new", str(target), "--name", "Acme", "--git", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "git repository on branch main" in made.stdout
    log = subprocess.run(["git", "log", "--oneline"], cwd=target, capture_output=True, text=True, check=True).stdout
    assert len(log.splitlines()) == 1

    built = mkdocs_build(target, strict=False)
    assert built.returncode == 0, built.stderr
    found = warnings(built.stderr)
    # One finding per cause, not one per draft: the 55 starter drafts make two summaries, not 127 lines.
    drafts = [w for w in found if "claimed only by documents that are not approved yet" in w]
    assert len(drafts) == 2, found
    assert any("[mandatory-missing]" in w for w in drafts) and any("[clause-not-covered]" in w for w in drafts)
    assert all("imsdocs check --verbose" in w for w in drafts)
    unclaimed = [w for w in found if "requirements are claimed by no document at all" in w]
    assert len(unclaimed) == 1 and "ISO/IEC 27001:2022" in unclaimed[0] and "A.8.34" in unclaimed[0]
    assert len(found) < 30, "\n".join(found)
    assert (target / "site" / "index.html").is_file()
    assert "0%" in (target / "site" / "index.html").read_text(encoding="utf-8")

    strict = mkdocs_build(target, strict=True)
    assert strict.returncode != 0
    assert "Aborted with" in strict.stdout + strict.stderr

    verbose = imsdocs("check", "--verbose", cwd=target)
    # --verbose lists every finding that a summary stands for, draft by draft.
    assert "Only POL-002 (draft) provides it" in verbose.stdout + verbose.stderr
    assert "A.8.34 'Protection of information systems during audit testing'" in verbose.stdout + verbose.stderr


def test_new_ims_starters_are_drafts_that_provide_the_mandatory_items(tmp_path: Path) -> None:
    target = tmp_path / "ims"
    assert imsdocs("new", str(target), "--standards", "iso9001:2015", "--forge", "github", cwd=tmp_path).returncode == 0
    config = (target / "mkdocs.yml").read_text(encoding="utf-8")
    assert 'standards: ["iso9001:2015"]' in config or "standards: ['iso9001:2015']" in config
    assert (target / ".github" / "workflows" / "ims.yml").is_file()
    starters = sorted(p for folder in ("policies", "procedures", "records") for p in (target / folder).glob("*.md"))
    assert len(starters) > 10
    provided = set()
    for starter in starters:
        front = yaml.safe_load(starter.read_text(encoding="utf-8").split("---")[1])
        assert front["status"] == "draft" or front["id"] == "PRO-001", starter
        provided.update(front.get("provides", []))
    assert "iso9001:2015/quality-policy" in provided
    assert not (target / ".git").exists()  # git only when asked


def test_new_refuses_a_folder_with_files_and_a_mistyped_standard(tmp_path: Path) -> None:
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing" / "notes.md").write_text("mine", encoding="utf-8")
    refused = imsdocs("new", str(tmp_path / "existing"), cwd=tmp_path)
    assert refused.returncode == 1 and "is not an empty folder: nothing was written" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "existing").iterdir()) == ["notes.md"]

    mistyped = imsdocs("new", str(tmp_path / "fresh"), "--standards", "iso27001:2O22", cwd=tmp_path)
    assert mistyped.returncode == 2
    assert "unknown standard iso27001:2O22" in mistyped.stderr and "iso27001:2022" in mistyped.stderr
    assert not (tmp_path / "fresh").exists()


def test_an_imported_document_set_gets_one_warning_naming_the_commit_and_the_baseline_fix(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "ims")
    project = DemoProject(repo.root)
    project.write(
        "mkdocs.yml",
        "site_name: Imported IMS\ndocs_dir: docs\nplugins:\n  - imsdocs:\n      standards: ['demo:2024']\n"
        "      main_branch: main\n      timezone: UTC\n",
    )

    project.write("docs/index.md", "# Home\n")
    project.write("requirements_map/demo.yml", DEMO_CATALOGUE)
    project.write(
        "requirements_map/applicability.yml",
        SOA_DOCUMENT
        + 'demo:2024:\n  default_inclusion: {reasons: [risk], justification: "Treats risks.", status: implemented}\n'
        '  excluded:\n    "A.1.2": {justification: "We have no premises of our own."}\n',
    )
    project.write(
        "requirements_map/people.yml",
        "people:\n  - {name: Mo Director, email: mo@acme.example, roles: [Managing Director]}\n"
        "  - {name: Ida Manager, email: ida@acme.example, roles: [IMS Manager]}\n",
    )
    project.write("procedures/.keep", "")
    project.write("records/.keep", "")
    for number in range(1, 8):
        claims = {1: '"4.1"', 2: '"4.2"', 3: '"A.1.1"'}.get(number, '"4.1"')
        project.write(f"policies/p{number}.md", document(f"POL-{number:03}", claims, title=f"Policy {number}"))
    repo.commit("Import our existing policies", "2026-03-02T10:00:00+00:00")
    sha = repo.git("rev-parse", "HEAD").strip()

    checked = imsdocs("check", cwd=repo.root)
    lines = [line for line in checked.stdout.splitlines() + checked.stderr.splitlines() if sha[:10] in line]
    assert len(lines) == 1, checked.stdout + checked.stderr
    assert "8 documents' current version comes from commit" in lines[0]
    assert "'Import our existing policies'" in lines[0]
    assert f"approval_baseline: {{commit: {sha}" in lines[0]

    verbose = imsdocs("check", "--verbose", cwd=repo.root)
    assert all(f"policies/p{n}.md" in verbose.stdout + verbose.stderr for n in range(1, 8))

    # The fix the warning names works: record the import as the approval baseline.
    config = (repo.root / "mkdocs.yml").read_text(encoding="utf-8")
    project.write(
        "mkdocs.yml",
        config + f"      approval_baseline: {{commit: {sha}, approved_by: Mo Director, approved_on: 2026-03-01, "
        "reference: Board minute 2026-03}\n",
    )
    rechecked = imsdocs("check", cwd=repo.root)
    assert sha[:10] not in rechecked.stdout + rechecked.stderr
    assert rechecked.returncode == 0, rechecked.stdout + rechecked.stderr


def test_templates_may_serve_no_clause_by_saying_so_or_by_type(demo: DemoProject) -> None:
    template = textwrap.dedent(
        """\
        ---
        id: LOG-001
        title: Visitor log
        type: register
        owner: IMS Manager
        approver: Managing Director
        status: approved
        review_interval: 12 months
        classification: internal
        ---
        # Visitors
        """
    )
    demo.write("procedures/visitor-log.md", template)
    missing = demo.build()
    assert missing.returncode != 0
    assert "procedures/visitor-log.md:2: missing required field 'satisfies'" in missing.output
    assert "serves no clause says so: 'satisfies: {}'" in missing.output

    demo.write("procedures/visitor-log.md", template.replace("---\n# Visitors", "satisfies: {}\n---\n# Visitors"))
    assert demo.build().returncode == 0

    demo.write("procedures/visitor-log.md", template)
    config = (demo.root / "mkdocs.yml").read_text(encoding="utf-8")
    demo.write("mkdocs.yml", config + "      unclaimed_types: [register]\n")
    built = demo.build()
    assert built.returncode == 0, built.output
    assert "LOG-001" in built.html("procedures/visitor-log/index.html")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_wheel_installs_into_a_fresh_venv_outside_the_repository_and_builds_a_new_ims(tmp_path: Path) -> None:
    # The sdist is built from a copy of the working tree, the wheel from the sdist: package data must be in both.
    source = tmp_path / "source"
    skipped = shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__", ".*_cache", "test-output")

    def ignore(folder: str, names: list[str]) -> set[str]:
        built_site = {"site", "build", "dist"} & set(names) if Path(folder) == REPO else set()
        return set(skipped(folder, names)) | built_site

    shutil.copytree(REPO, source, ignore=ignore)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list(dist.glob("imsdocs-*.whl"))
    assert len(wheels) == 1 and len(list(dist.glob("imsdocs-*.tar.gz"))) == 1

    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = str(environment / ("Scripts" if os.name == "nt" else "bin") / "python")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", str(wheels[0])], capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, installed.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = {"cwd": elsewhere, "capture_output": True, "text": True, "env": ENV, "check": False}
    version = subprocess.run([python, "-m", "imsdocs.cli", "--version"], **run)  # type: ignore[call-overload]
    declared = re.search(r'^version = "(.+)"', (REPO / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert declared is not None and version.stdout.strip() == f"imsdocs {declared.group(1)}"

    made = subprocess.run([python, "-m", "imsdocs.cli", "new", "ims", "--git"], **run)  # type: ignore[call-overload]
    assert made.returncode == 0, made.stderr
    target = elsewhere / "ims"
    site = mkdocs_build(target, strict=False, python=python)
    assert site.returncode == 0, site.stderr[-3000:]
    assert "Traceback" not in site.stderr
    assert "claimed only by documents that are not approved yet" in site.stderr
    home = (target / "site" / "index.html").read_text(encoding="utf-8")
    assert f"imsdocs {declared.group(1)}" in home  # the build stamp names the version that built it
    assert mkdocs_build(target, strict=True, python=python).returncode != 0
