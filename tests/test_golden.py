"""Golden files: the generated pages of a small fixture project, rendered in-process.

A change to a template or a rule shows up here as a diff to review. After a deliberate change,
refresh the files with:

    IMSDOCS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

and read `git diff tests/golden/` before committing them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import Repo
from imsdocs import Project, Renderer, load_project, read_mkdocs_yml

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("IMSDOCS_UPDATE_GOLDEN") == "1"
DANA = "Dana Whitfield <dana@kestrel.example>"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project with a fixed history: an import, a merged pull request, an editorial change."""
    root = tmp_path_factory.mktemp("golden") / "ims"
    shutil.copytree(GOLDEN / "project", root)
    repo = Repo(root)
    repo.commit("Import the IMS", "2026-01-05T09:00:00+00:00")
    security = (root / "policies/security.md").read_text(encoding="utf-8")
    repo.merge_pull_request(
        "mfa",
        "policies/security.md",
        security.replace("How we protect information.", "How we protect information, with MFA everywhere."),
        "Require MFA",
        f"Merge pull request #7 from kestrel/mfa\n\nRequire MFA everywhere\n\nApproved-by: {DANA}",
        ("2026-02-09T17:00:00+00:00", "2026-02-10T10:00:00+00:00"),
    )
    log = (root / "records/log.md").read_text(encoding="utf-8")
    repo.merge_pull_request(
        "log",
        "records/log.md",
        log + "| 2026-02-10 | MFA policy |\n",
        "Log the MFA change",
        f"Merge pull request #8 from kestrel/log\n\nLog the MFA change\n\nChange-type: editorial\nApproved-by: {DANA}",
        ("2026-02-11T09:00:00+00:00", "2026-02-11T12:00:00+00:00"),
        author=("Ravi Menon", "ravi@kestrel.example"),
    )
    settings, problems = read_mkdocs_yml(root / "mkdocs.yml")
    assert problems == []
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1784548800"  # 2026-07-20: the security policy's review is due soon
    try:
        loaded = load_project(settings)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return loaded


def pages(project: Project) -> dict[str, str]:
    """Each generated page as MkDocs receives it (the source) and as it is finished (markers replaced);
    a document's page as its Markdown and as finished (footer filled in, then markers replaced)."""
    renderer = Renderer(project)
    found = {}
    for uri, text in renderer.generated_pages().items():
        found[uri.replace("/", "__")] = text
        found[uri.replace("/", "__").replace(".md", ".html")] = renderer.finish(text, uri).html
    home = (project.settings.root / "docs/index.md").read_text(encoding="utf-8")
    found["home.md"] = renderer.finish(home, "index.md").html
    for doc in project.documents:
        if doc.id in ("POL-002", "REC-001"):
            name = doc.src_uri.replace("/", "__").removesuffix(".md")
            found[f"{name}.md"] = renderer.document_markdown(doc, "The text.\n")
            content = renderer.document_content(found[f"{name}.md"], doc.src_uri)
            found[f"{name}.html"] = renderer.finish(content, doc.src_uri).html
    return found


def test_the_generated_pages_equal_the_golden_files(project: Project) -> None:
    assert project.ok, [d.render() for d in project.diagnostics]
    rendered = pages(project)
    folder = GOLDEN / "pages"
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for name, text in rendered.items():
            (folder / name).write_text(text, encoding="utf-8")
    expected = {file.name: file.read_text(encoding="utf-8") for file in sorted(folder.iterdir())}
    assert sorted(rendered) == sorted(expected), "pages added or removed: refresh the golden files"
    for name, text in rendered.items():
        assert text == expected[name], f"{name} differs from tests/golden/pages/{name}"


def test_the_golden_pages_cover_every_kind_of_generated_page(project: Project) -> None:
    names = set(pages(project))
    for kind in ("matrix-demo-2024", "statement-of-applicability", "integrated", "register", "documents", "index"):
        assert any(kind in name for name in names), kind
    assert {"home.md", "records__log.md", "records__log.html", "policies__security.html"} <= names
