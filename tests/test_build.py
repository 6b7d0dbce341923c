"""Real `mkdocs build` runs on small projects: what a user sees in the output and the site."""

from __future__ import annotations

import json

from conftest import DemoProject, document


def test_covered_project_builds_strict_with_matrix_and_clause_links(demo: DemoProject) -> None:
    built = demo.build()
    assert built.returncode == 0, built.output
    assert "WARNING" not in built.output
    matrix = built.html("compliance/matrix-demo-2024/index.html")
    assert 'id="demo-2024-4-2"' in matrix
    row = built.matrix_row("demo-2024-4-2")
    assert "covered" in row and "POL-001" in row
    page = built.html("policies/scope/index.html")
    assert 'href="../../compliance/matrix-demo-2024/#demo-2024-4-2"' in page
    assert "Clauses satisfied" in page and "POL-001" in page


def test_gap_fails_strict_naming_every_uncovered_clause_at_once(demo: DemoProject) -> None:
    demo.write("policies/scope.md", document("POL-001", "", title="Scope Statement"))
    built = demo.build()
    assert built.returncode != 0
    assert "Demo Standard 2024 4.1 'Understanding the organization' is not covered" in built.output
    assert "Demo Standard 2024 4.2 'Interested parties' is not covered" in built.output
    assert "Aborted with 2 warnings in strict mode" in built.output


def test_gap_still_builds_without_strict_and_shows_the_gap(demo: DemoProject) -> None:
    demo.write("policies/scope.md", document("POL-001", '"4.1"', title="Scope Statement"))
    built = demo.build(strict=False)
    assert built.returncode == 0, built.output
    assert "not covered" in built.matrix_row("demo-2024-4-2")
    assert "partially covered" in built.matrix_row("demo-2024-4")
    home = built.html("index.html")
    assert "Demo Standard 2024" in home and "67%" in home  # 2 of the 3 applicable requirements


def test_justified_exclusion_is_not_warned_and_shows_its_justification(demo: DemoProject) -> None:
    built = demo.build()
    assert "A.1.2" not in built.output
    row = built.matrix_row("demo-2024-a-1-2")
    assert "excluded" in row and "We have no premises of our own." in row


def test_draft_documents_do_not_cover(demo: DemoProject) -> None:
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', status="draft"))
    built = demo.build()
    assert built.returncode != 0
    assert "A.1.1 'Policies' is not covered" in built.output
    assert "Only claimed by POL-002 (draft)" in built.output


def test_claiming_an_excluded_clause_is_a_warning_with_file_and_line(demo: DemoProject) -> None:
    demo.write("policies/security.md", document("POL-002", '"A.1.1", "A.1.2"'))
    built = demo.build()
    assert built.returncode != 0
    assert "policies/security.md:11: Demo Standard 2024 A.1.2 is claimed here but excluded" in built.output


def test_excluding_a_never_excludable_clause_fails_every_build(demo: DemoProject) -> None:
    demo.write(
        "requirements_map/applicability.yml", 'demo:2024:\n  excluded:\n    "4.2": {justification: "Not relevant."}\n'
    )
    built = demo.build(strict=False)
    assert built.returncode != 0
    assert (
        "requirements_map/applicability.yml:3: Demo Standard 2024 4.2 (Interested parties) cannot be excluded."
        in built.output
    )


def test_exclusion_without_justification_fails_every_build(demo: DemoProject) -> None:
    demo.write("requirements_map/applicability.yml", 'demo:2024:\n  excluded:\n    "A.1.2": {justification: ""}\n')
    built = demo.build(strict=False)
    assert built.returncode != 0
    assert "applicability.yml:3: the exclusion of Demo Standard 2024 A.1.2 has no justification." in built.output


def test_unreadable_document_fails_a_plain_build_naming_file_and_line(demo: DemoProject) -> None:
    demo.write("policies/broken.md", "---\nid: POL-009\ntitle: [unclosed\n---\nBody\n")
    built = demo.build(strict=False)
    assert built.returncode != 0
    assert "policies/broken.md:3: front matter is invalid YAML" in built.output
    assert "the site was not built" in built.output


def test_markup_in_a_title_is_escaped_everywhere(demo: DemoProject) -> None:
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', title="Hello <script>alert(1)</script>"))
    built = demo.build()
    assert built.returncode == 0, built.output
    for page in built.site.rglob("*.html"):
        assert "<script>alert(1)" not in page.read_text(encoding="utf-8"), page
    # The search index keeps page text as plain text (MkDocs' own behaviour); titles are HTML, so escaped.
    index = json.loads((built.site / "search/search_index.json").read_text(encoding="utf-8"))
    titles = [entry["title"] for entry in index["docs"]]
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in titles
    assert not [title for title in titles if "<script" in title]
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in built.html("policies/security/index.html")


def test_check_command_reports_gaps_as_json(demo: DemoProject) -> None:
    demo.write("policies/scope.md", document("POL-001", '"4.1"', title="Scope Statement"))
    result = demo.check("--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    gaps = [d for d in report["diagnostics"] if d["code"] == "clause-not-covered"]
    assert len(gaps) == 1 and "4.2" in gaps[0]["message"]
    assert report["coverage"][0] == {
        "standard": "demo:2024",
        "title": "Demo Standard 2024",
        "in_scope": True,
        "requirements": 4,
        "covered": 2,
        "excluded": 1,
        "not_covered": 1,
        "percent": 66.7,
    }


def test_check_command_passes_a_covered_project(demo: DemoProject) -> None:
    result = demo.check()
    assert result.returncode == 0, result.stdout
    assert "Demo Standard 2024: 3/4 covered, 1 excluded, 0 not covered (100%)" in result.stdout


def test_punctuation_in_values_reads_as_written_not_as_entities(demo: DemoProject) -> None:
    demo.write(
        "requirements_map/applicability.yml",
        'demo:2024:\n  excluded:\n    "A.1.2": {justification: "The landlord\'s staff & *nobody* else | ever_"}\n',
    )
    built = demo.build()
    matrix = built.html("compliance/matrix-demo-2024/index.html")
    row = built.matrix_row("demo-2024-a-1-2")
    assert "Excluded: The landlord&#39;s staff &amp; *nobody* else | ever_</td>" in row
    assert "&amp;#" not in matrix and "<em>" not in row


def test_other_plugins_see_a_documents_front_matter_and_its_text_arrives_whole(demo: DemoProject) -> None:
    # imsdocs hands MkDocs the front matter it parsed already; a hook (run after every plugin) and
    # the page must still see every field, and a first line that looks like "key: value" stays text.
    demo.write(
        "policies/scope.md",
        document("POL-001", '"4.1", "4.2"', title="Scope Statement").replace(
            "## Purpose", "Note: this line is text, not metadata.\n\n## Purpose", 1
        ),
    )
    demo.write(
        "hooks.py",
        "def on_page_markdown(markdown, page, **kwargs):\n"
        "    owner = page.meta.get('owner')\n"
        "    return markdown + f'\\n\\nHook saw owner {owner} and type {page.meta.get(\"type\")}.\\n'\n",
    )
    config = (demo.root / "mkdocs.yml").read_text(encoding="utf-8")
    demo.write("mkdocs.yml", config + "hooks:\n  - hooks.py\n")
    built = demo.build()
    assert built.returncode == 0, built.output
    page = built.html("policies/scope/index.html")
    assert "Hook saw owner IMS Manager and type policy." in page
    assert "Note: this line is text, not metadata." in page
    assert "<title>Scope Statement" in page
