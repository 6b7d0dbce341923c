"""Every source is hostile: one row per kind of attack or mistake, each with the exact diagnostic,
or the proof that the value reached every page only as text.

Fields carry a payload that would run script (or add attributes, headings, links, table rows) if
any step let it through as HTML or Markdown; the pages are parsed and every attribute checked.
"""

from __future__ import annotations

import html.parser
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import VISIBLE, DemoProject, build_env, document, free_port, wait_for


class Tags(html.parser.HTMLParser):
    """Every tag with its attributes, and the text of script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.extend((tag, name, value or "") for name, value in attrs)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


def test_no_page_of_the_hostile_site_has_an_attribute_or_script_from_a_value(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        tags = parse(page.read_text(encoding="utf-8"))
        planted = [
            (tag, name, value)
            for tag, name, value in tags.attributes
            if (name.startswith("on") and "pwned" in value)
            or name == "autofocus"
            or (name in ("href", "src") and (value.startswith("javascript:") or (tag, value) == ("img", "x")))
        ]
        assert planted == [], page
        assert [s for s in tags.scripts if "pwned" in s] == [], page


@pytest.mark.parametrize(
    ("field", "page", "where"),
    [
        ("title", "compliance/register/index.html", "register"),
        ("title", "policies/security/index.html", "<title> and navigation"),
        ("owner", "policies/security/index.html", "control block"),
        ("owner", "compliance/register/index.html", "register"),
        ("approver", "compliance/register/index.html", "register"),
        ("subtitle", "index.html", "navigation of every page"),
        ("description", "policies/security/index.html", "<meta> description"),
        ("tags", "policies/security/index.html", "tags"),
        ("record fields", "records/log/index.html", "record control"),
        ("catalogue title", "compliance/matrix-demo-2024/index.html", "<title> and heading"),
        ("clause title", "compliance/matrix-demo-2024/index.html", "matrix row"),
        ("clause title", "policies/scope/index.html", "clauses satisfied"),
        ("exclusion justification", "compliance/statement-of-applicability/index.html", "SoA"),
        ("inclusion justification", "compliance/statement-of-applicability/index.html", "SoA"),
        ("correspondence topic and note", "compliance/integrated/index.html", "integrated view"),
        ("git subject, author and trailer", "policies/scope/index.html", "revision history"),
    ],
)
def test_a_hostile_value_reads_as_text(hostile_site: Path, field: str, page: str, where: str) -> None:
    text = parse((hostile_site / page).read_text(encoding="utf-8"))
    content = " ".join(text.text) + " ".join(v for _, name, v in text.attributes if name in ("content", "title"))
    assert VISIBLE in content, f"{field} missing from the {where} of {page}"


def test_a_carriage_return_in_a_value_neither_cuts_a_table_nor_adds_a_heading(hostile_site: Path) -> None:
    register = (hostile_site / "compliance/register/index.html").read_text(encoding="utf-8")
    body = register[register.index("<tbody>") : register.index("</tbody>")]
    assert body.count("<tr>") == 6  # every document, and the SoA
    assert not [n for n in ("h1", "h2") if f'<{n} id="injected"' in register]


def test_the_search_index_holds_values_as_escaped_text(hostile_site: Path) -> None:
    index = (hostile_site / "search/search_index.json").read_text(encoding="utf-8")
    assert "<img" not in index and "<script>" not in index
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in index


# -- files: only what is controlled is published, nothing controlled is dropped --------------------------


def errors(built_output: str) -> list[str]:
    return [
        line.split("imsdocs: ", 1)[1]
        for line in built_output.splitlines()
        if line.startswith("ERROR") and "imsdocs: " in line and "the site was not built" not in line
    ]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        pytest.param(
            lambda p: os.symlink("/etc/passwd", p.root / "policies/passwd.txt"),
            "policies/passwd.txt: is a symbolic link (to '/etc/passwd'): git records the link, not the content, so "
            "the content would be published without document control. Replace the link with the file itself (or "
            "move the folder into the document folder). [source-symlink]",
            id="symlink-to-etc-passwd",
        ),
        pytest.param(
            lambda p: (
                p.write("../outside.md", document("POL-009", '"4.1"')),
                os.symlink("../../outside.md", p.root / "policies/out.md"),
            ),
            "policies/out.md: is a symbolic link (to '../../outside.md'): git records the link",
            id="md-symlinked-outside",
        ),
        pytest.param(
            lambda p: (p.write("../shared/x.md", "x"), os.symlink("../../shared", p.root / "policies/shared")),
            "policies/shared: is a symbolic link (to '../../shared')",
            id="symlinked-folder",
        ),
        *[
            pytest.param(
                lambda p, name=name: p.write(f"policies/{name}", "bytes"),
                f"policies/{name}: is neither a document nor an attachment of one: it would be published without "
                "document control. List it under 'attachments:' of the document it belongs to, or move it out of "
                "the folder. [source-uncontrolled]",
                id=name,
            )
            for name in ("plan.docx", "plan.pdf", "notes.txt")
        ],
        *[
            pytest.param(
                lambda p, name=name: p.write(f"policies/{name}", document("POL-009", '"4.1"')),
                f"policies/{name}: MkDocs would publish '{name.rsplit('.', 1)[1].join('.' if False else ['.', ''])}",
                id=name,
            )
            for name in ("Plan.MD", "plan.markdown")
        ],
        pytest.param(
            lambda p: (
                p.write("policies/x.md", document("POL-008", '"4.1"')),
                p.write("policies/x/index.md", document("POL-009", '"4.1"')),
            ),
            "policies/x.md: would be published at the same address ('policies/x/') as policies/x/index.md: one "
            "would be lost. Rename or move one of them. [source-url-clash]",
            id="x.md-beside-x/index.md",
        ),
        pytest.param(
            lambda p: p.write("docs/policies/scope.md", "# Shadow\n"),
            "policies/scope.md: would be published at the same address ('policies/scope/') as docs/policies/scope.md",
            id="docs-shadows-a-document",
        ),
        pytest.param(
            lambda p: p.write("policies/nul.md", document("POL-009", '"4.1"') + "\x00"),
            "policies/nul.md:16: the document holds a NUL byte: it is not text. [file-encoding]",
            id="nul-byte",
        ),
        pytest.param(
            lambda p: p.write(
                "policies/security.md",
                document("POL-002", '"A.1.1"').replace("satisfies:", "attachments: [plan.pdf]\nsatisfies:"),
            ),
            "policies/security.md:10: POL-002 lists the attachment 'policies/plan.pdf', which is not a file of the "
            "document folders. Add the file beside the document, or remove it from 'attachments'. [attachment-missing]",
            id="missing-attachment",
        ),
        pytest.param(
            lambda p: p.write("docs/compliance/own.md", "# Mine\n"),
            "docs/compliance: the folder 'docs/compliance' holds files, but the compliance pages are generated there.",
            id="docs-in-the-generated-folder",
        ),
    ],
)
def test_a_file_outside_the_controlled_set_is_a_named_error_in_build_and_check(
    demo: DemoProject, setup: object, expected: str
) -> None:
    setup(demo)  # type: ignore[operator]
    built = demo.build(strict=False)
    checked = demo.check()
    assert built.returncode == 1 and checked.returncode == 1, built.output
    assert "Traceback" not in built.output + checked.stdout + checked.stderr
    assert [e for e in errors(built.output) if e.startswith(expected)], built.output
    assert [line for line in checked.stdout.splitlines() if line.startswith(f"ERROR: {expected}")], checked.stdout


def test_a_listed_attachment_is_published_with_its_document(demo: DemoProject) -> None:
    demo.write(
        "policies/security.md",
        document("POL-002", '"A.1.1"').replace("satisfies:", "attachments: [diagrams/flow.png]\nsatisfies:"),
    )
    demo.write("policies/diagrams/flow.png", "png bytes")
    built = demo.build()
    assert built.returncode == 0, built.output
    assert (built.site / "policies/diagrams/flow.png").read_text() == "png bytes"
    assert 'href="../diagrams/flow.png">flow.png</a>' in built.html("policies/security/index.html")


# -- loaders: every file of requirements_map, the same rules ---------------------------------------------

LOADERS = ["demo.yml", "applicability.yml", "correspondence.yml", "people.yml"]


@pytest.mark.parametrize("name", LOADERS)
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "a: 1\na: 2\n",
            ":2: invalid YAML: 'a' is given twice (first on line 1); keep one. Fix the YAML syntax. [yaml-syntax]",
        ),
        ("- a list\n", ":1: {what} must be a mapping of"),
        (
            "a: &x [1]\n"
            + "".join(
                f"l{n}: &l{n} [" + ", ".join([f"*{'x' if n == 0 else f'l{n - 1}'}"] * 9) + "]\n" for n in range(8)
            ),
            "values (anchors and aliases expand): refused. [file-too-large]",
        ),
        ("a: " + "[" * 150 + "]" * 150 + "\n", "nested deeper than 100 levels: refused. [file-too-large]"),
        ("a: '" + "x" * 30_000 + "'\n", ":1: a line is longer than 20000 characters: refused. [file-too-large]"),
    ],
    ids=["duplicate-key", "top-level-list", "alias-bomb", "deep-nesting", "long-line"],
)
def test_every_requirements_file_refuses_bad_yaml_with_a_named_error(
    demo: DemoProject, name: str, content: str, expected: str
) -> None:
    demo.write(f"requirements_map/{name}", content)
    what = {
        "demo.yml": "a catalogue",
        "applicability.yml": "the applicability file",
        "correspondence.yml": "the correspondence file",
        "people.yml": "the people file",
    }[name]
    output = demo.check().stdout
    assert "Traceback" not in output
    assert [
        line
        for line in output.splitlines()
        if line.startswith(f"ERROR: requirements_map/{name}") and expected.format(what=what) in line
    ], output


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(demo: DemoProject) -> None:
    demo.write("requirements_map/people.yml", "people: []\n# " + "x" * 4_100_000 + "\n")
    assert (
        "requirements_map/people.yml: the people file is 4100014 bytes; files over 4000000 bytes are refused."
        in demo.check().stdout
    )


@pytest.mark.parametrize("depth", [1000, 10000])
def test_a_deep_catalogue_loads_in_linear_time(demo: DemoProject, depth: int) -> None:
    lines = ['standard: "deep:1"', 'title: "Deep"', "clauses:", '  - {id: "c0", title: "0", parent: null}']
    lines += [f'  - {{id: "c{n}", title: "{n}", parent: "c{n - 1}"}}' for n in range(1, depth)]
    demo.write("requirements_map/deep.yml", "\n".join(lines) + "\n")
    demo.write("policies/deep.md", document("POL-003", "").replace("demo:2024: []", f'deep:1: ["c{depth - 1}"]'))
    done = demo.check("--format", "json")
    report = json.loads(done.stdout)
    deep = next(row for row in report["coverage"] if row["standard"] == "deep:1")
    assert (deep["requirements"], deep["covered"]) == (1, 1)


def test_a_second_catalogue_with_a_used_key_names_both_files_without_a_cascade(demo: DemoProject) -> None:
    demo.write(
        "requirements_map/aaa-copy.yml", 'standard: "demo:2024"\ntitle: "Copy"\nclauses:\n  - {id: "1", title: "x"}\n'
    )
    output = demo.check().stdout
    assert [line for line in output.splitlines() if line.startswith("ERROR")] == [
        "ERROR: requirements_map/demo.yml:1: standard 'demo:2024' is defined by both requirements_map/aaa-copy.yml "
        "and requirements_map/demo.yml. Keep one file per standard edition; give the other its own 'standard' key. "
        "[standard-duplicate]"
    ]


def test_a_catalogue_without_clauses_is_an_error_not_full_coverage(demo: DemoProject) -> None:
    demo.write("requirements_map/empty.yml", 'standard: "empty:1"\ntitle: "Empty"\nclauses: []\n')
    assert (
        "ERROR: requirements_map/empty.yml:3: the catalogue has no clauses: nothing could be covered. [catalogue-shape]"
        in demo.check().stdout
    )


# -- strict means strict; check reports what the build reports ---------------------------------------------


@pytest.mark.parametrize("command", ["mkdocs", "properdocs"])
def test_a_quiet_strict_build_still_fails_on_an_uncovered_clause(demo: DemoProject, command: str) -> None:
    demo.write("policies/scope.md", document("POL-001", '"4.1"', title="Scope Statement"))
    config = (demo.root / "mkdocs.yml").read_text()
    demo.write(
        "mkdocs.yml", config.replace("docs_dir: docs\n", "docs_dir: docs\ntheme: {name: material, font: false}\n")
    )
    binary = str(Path(sys.executable).parent / command)
    quiet = demo.run(binary, "build", "--strict", "-q", "-d", str(demo.root / "site"))
    assert quiet.returncode == 1, quiet.stdout + quiet.stderr
    assert (
        "imsdocs: 1 warning(s) in strict mode: Demo Standard 2024 4.2 'Interested parties' is not covered"
        in quiet.stderr
    )
    assert demo.run(binary, "build", "-q", "-d", str(demo.root / "site")).returncode == 0  # not strict: built


def test_a_broken_internal_link_is_the_same_warning_in_check_and_build(demo: DemoProject) -> None:
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', body="See [the plan](../procedures/plan.md)."))
    expected = (
        "policies/security.md:15: the link to '../procedures/plan.md' leads to no document or file of the site. "
        "Correct the path (relative to this document), or add the file. [link-broken]"
    )
    assert f"WARNING: {expected}" in demo.check().stdout
    assert f"WARNING -  imsdocs: {expected}" in demo.build().output


# -- classification: a build publishes only what its readers may read ---------------------------------------

SECRET = {"title": "Secret Merger Plan", "id": "REC-777", "body": "zebra-quartz-unique", "file": "secret-merger"}


def classified(demo: DemoProject, level: str | None, extra: str = "") -> DemoProject:
    """The demo with a restricted record and a confidential policy, built to publish up to `level`."""
    demo.write(
        "records/secret-merger.md",
        document("REC-777", '"4.2"', title=SECRET["title"], body=f"The {SECRET['body']} plan.")
        .replace("classification: internal", "classification: restricted")
        .replace("type: policy", "type: record")
        .replace(
            "satisfies:",
            "record: {produced_by: POL-001, retention: 6 years, location: here, access: board, as_at: 2026-01-05}\nsatisfies:",
        ),
    )
    demo.write(
        "policies/security.md",
        document(
            "POL-002", '"A.1.1"', title="Security Policy", body="Read the [plan](../records/secret-merger.md)."
        ).replace("classification: internal", "classification: confidential"),
    )
    config = (demo.root / "mkdocs.yml").read_text().split("plugins:")[0]
    options = f"      publish_up_to: {level}\n" if level else ""
    demo.write(
        "mkdocs.yml",
        config.replace("docs_dir: docs\n", "docs_dir: docs\ntheme: {name: material, font: false}\n")
        + "plugins:\n  - search\n  - imsdocs:\n      standards: ['demo:2024']\n      history: false\n"
        + options
        + extra,
    )
    demo.write("docs/index.md", "# Home\n\n<!-- imsdocs:coverage -->\n\n<!-- imsdocs:attention -->\n")
    return demo


def everything_in(site: Path) -> str:
    """Every byte of the output folder as text (gzip files unpacked), file names included."""
    import gzip

    parts = []
    for file in sorted(site.rglob("*")):
        parts.append(file.relative_to(site).as_posix())
        if file.is_file():
            data = file.read_bytes()
            parts.append((gzip.decompress(data) if file.suffix == ".gz" else data).decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("level", "restricted_shown", "confidential_shown"),
    [
        ("public", False, False),
        ("internal", False, False),
        ("confidential", False, True),
        ("restricted", True, True),
        (None, True, True),
    ],
)
def test_a_build_leaves_out_every_trace_of_documents_above_its_level(
    demo: DemoProject, level: str | None, restricted_shown: bool, confidential_shown: bool
) -> None:
    built = classified(demo, level).build()
    assert built.returncode == 0, built.output
    output = everything_in(built.site)
    for trace in SECRET.values():
        assert (trace in output) is restricted_shown, trace
    assert ("Security Policy" in output) is confidential_shown
    if not restricted_shown:
        # The clause it covers still counts, and says by what kind of document.
        assert "a restricted document" in built.matrix_row("demo-2024-4-2") and "covered" in built.matrix_row(
            "demo-2024-4-2"
        )
    if confidential_shown and not restricted_shown:
        page = built.html("policies/security/index.html")
        assert "Read the plan (not published on this site)." in page


def test_withheld_ids_may_be_shown_up_to_a_level_and_the_ledger_follows_the_level(demo: DemoProject) -> None:
    built = classified(demo, "internal", "      withheld_ids_up_to: confidential\n").build()
    assert "a confidential document (POL-002)" in built.matrix_row("demo-2024-a-1-1")
    assert "a restricted document</span>" in built.matrix_row("demo-2024-4-2")
    report = json.loads(demo.check("--format", "json", "--publish-up-to", "internal").stdout)
    assert [row["id"] for row in report["document_control"]] == ["POL-001"]


def test_documents_at_a_level_can_be_kept_out_of_search(demo: DemoProject) -> None:
    built = classified(demo, None, "      search_exclude_from: confidential\n").build()
    index = (built.site / "search/search_index.json").read_text(encoding="utf-8")
    assert SECRET["body"] not in index and "policies/security/" not in index
    assert SECRET["body"] in built.html("records/secret-merger/index.html")


def test_an_unknown_publication_level_is_an_option_error(demo: DemoProject) -> None:
    built = classified(demo, "secret").build(strict=False)
    assert (
        "mkdocs.yml: option 'publish_up_to': 'secret' is not one of the classifications (public, internal, "
        "confidential, restricted). [option-value]" in built.output
    )


# -- mkdocs serve survives a bad edit ----------------------------------------------------------------------


def test_serve_keeps_the_last_good_site_and_shows_the_error_after_a_bad_edit(demo: DemoProject) -> None:
    port = free_port()
    log = demo.root.parent / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=demo.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=build_env(),
        )
    try:
        page = f"http://127.0.0.1:{port}/policies/scope/"
        wait_for(page, lambda html: "POL-001" in html)
        demo.write("policies/scope.md", "---\nid: POL-001\ntitle: [unclosed\n---\nBroken.\n")
        broken = wait_for(page, lambda html: "The IMS sources have errors" in html)
        assert "policies/scope.md:3: front matter is invalid YAML" in broken
        assert "POL-001" in wait_for(f"http://127.0.0.1:{port}/compliance/register/", lambda html: "POL-002" in html)
        demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement"))
        assert "errors" not in wait_for(page, lambda html: "The IMS sources have errors" not in html)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "ERROR   -  imsdocs: policies/scope.md:3: front matter is invalid YAML" in log.read_text(encoding="utf-8")
