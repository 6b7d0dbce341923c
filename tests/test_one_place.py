"""One place for each concept: the build and `imsdocs check` read options, files and YAML by the
same rules, and every diagnostic carries its registered code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, DemoProject, document
from imsdocs import CODES, option_docs

PACKAGE = REPO / "plugins" / "imsdocs"


def errors(output: str) -> list[str]:
    """The errors a build logged, without its closing count."""
    return [
        line.split("imsdocs: ", 1)[1]
        for line in output.splitlines()
        if line.startswith("ERROR") and "imsdocs: " in line and "the site was not built" not in line
    ]


def test_a_mistyped_option_is_the_same_error_in_the_build_and_in_check(demo: DemoProject) -> None:
    demo.write("mkdocs.yml", (demo.root / "mkdocs.yml").read_text().replace("standards:", "standard:"))
    message = "mkdocs.yml: unknown option 'standard' of the imsdocs plugin. Did you mean 'standards'? [option-unknown]"
    built = demo.build(strict=False)
    assert built.returncode == 1 and errors(built.output) == [message]
    checked = demo.check()
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [f"ERROR: {message}"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("history: 'yes'", "mkdocs.yml: option 'history': must be true or false. [option-value]"),
        (
            "compliance_dir: ../../x",
            "mkdocs.yml: option 'compliance_dir': '../../x' must be a path inside the project, relative to "
            "mkdocs.yml. [option-path]",
        ),
        (
            "approval_baseline: --output=pwned.txt",
            "mkdocs.yml: option 'approval_baseline': '--output=pwned.txt' must be a date (YYYY-MM-DD) or a commit, "
            "not something that starts with '-'. [option-baseline]",
        ),
        (
            "checks: {approval-missing: loud}",
            "mkdocs.yml: option 'checks': 'approval-missing' must be warning, info or off, not 'loud'. [option-checks]",
        ),
        (
            "checks: {unknown-standard: off}",
            "mkdocs.yml: option 'checks': 'unknown-standard' is not a warning that may be lowered: errors and "
            "information cannot be changed. [option-checks]",
        ),
    ],
)
def test_a_bad_option_value_is_the_same_error_in_the_build_and_in_check(
    demo: DemoProject, option: str, message: str
) -> None:
    demo.write("mkdocs.yml", (demo.root / "mkdocs.yml").read_text() + f"      {option}\n")
    built = demo.build(strict=False)
    checked = demo.check()
    assert built.returncode == 1 and checked.returncode == 1
    assert [line for line in errors(built.output) if line.startswith(message)], built.output
    assert [line for line in checked.stdout.splitlines() if line.startswith(f"ERROR: {message}")], checked.stdout
    assert not (demo.root / "pwned.txt").exists()


def test_a_hidden_file_is_no_document_in_the_build_nor_in_check(demo: DemoProject) -> None:
    """Before, `imsdocs check` counted policies/.hidden.md while the site never published it."""
    demo.write("policies/scope.md", document("POL-001", '"4.1"', title="Scope Statement"))
    demo.write("policies/.hidden.md", document("POL-009", '"4.2"', title="Hidden"))
    report = json.loads(demo.check("--format", "json").stdout)
    gaps = [d["message"] for d in report["diagnostics"] if d["code"] == "clause-not-covered"]
    assert report["documents"] == 2 and len(gaps) == 1 and "4.2" in gaps[0]
    built = demo.build()
    assert built.returncode == 1 and "Demo Standard 2024 4.2 'Interested parties' is not covered" in built.output
    assert not (built.site / "policies/.hidden").exists()


@pytest.mark.parametrize("name", ["applicability.yml", "correspondence.yml", "people.yml", "demo.yml"])
def test_a_file_that_is_not_utf8_is_a_named_error_in_the_build_and_in_check(demo: DemoProject, name: str) -> None:
    (demo.root / "requirements_map" / name).write_bytes("# Kestrel's r\xe9gister\nx: 1\n".encode("latin-1"))
    message = f"requirements_map/{name}:1: "
    built = demo.build(strict=False)
    checked = demo.check("--format", "json")
    assert "Traceback" not in built.output + checked.stdout + checked.stderr
    assert built.returncode == 1 and checked.returncode == 1
    line = next(e for e in errors(built.output) if e.startswith(message))
    assert "is not UTF-8 text (byte 0xe9 at offset 13). Save the file as UTF-8. [file-encoding]" in line
    found = [d for d in json.loads(checked.stdout)["diagnostics"] if d["code"] == "file-encoding"]
    assert [(d["path"], d["line"]) for d in found] == [(f"requirements_map/{name}", 1)]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "applicability.yml",
            "- just\n- a list\n",
            "the applicability file must be a mapping of standard keys, not a list.",
        ),
        ("people.yml", "people: [{name: A, email: a@x.example, roles: Director}]\n", "each person needs"),
        (
            "people.yml",
            "people:\n  - {name: A, email: a@x.example, roles: [X]}\n  - {name: a, email: b@x.example, roles: [Y]}\n",
            "'a' is given to two people (first on line 2).",
        ),
        (
            "people.yml",
            "people:\n  - {name: A, email: a@x.example, roles: [X], rolse: [Y]}\n",
            "unknown key 'rolse' of a",
        ),
        ("correspondence.yml", "topic:\n  - {topic: A}\n", "expected 'topics:' with a list of shared topics."),
    ],
)
def test_every_requirements_file_is_checked_by_the_same_loader(
    demo: DemoProject, name: str, text: str, message: str
) -> None:
    demo.write(f"requirements_map/{name}", "\ufeff" + text)  # a BOM changes nothing
    built = demo.build(strict=False)
    assert built.returncode == 1
    assert any(message in line for line in errors(built.output)), built.output


def test_each_log_line_ends_with_its_code_the_key_checks_takes(demo: DemoProject) -> None:
    demo.write("policies/scope.md", document("POL-001", '"4.1"', title="Scope Statement"))
    built = demo.build()
    warning = next(line for line in built.output.splitlines() if "is not covered" in line)
    assert warning.endswith("[clause-not-covered]")
    demo.write("mkdocs.yml", (demo.root / "mkdocs.yml").read_text() + "      checks: {clause-not-covered: info}\n")
    assert demo.build().returncode == 0


def test_a_record_page_shows_its_revision_history_as_a_section_not_a_table_row(demo: DemoProject) -> None:
    record = (
        document("REC-001", "", title="Log")
        .replace("type: policy", "type: record")
        .replace(
            "satisfies:\n  demo:2024: []",
            "satisfies: {}\nrecord: {produced_by: POL-001, retention: 1 year, location: here, access: all, as_at: 2026-01-05}",
        )
    )
    demo.write("records/log.md", record)
    built = demo.build()
    assert built.returncode == 0, built.output
    page = built.html("records/log/index.html")
    assert '<h2 id="revision-history">Revision history' in page
    assert "## Revision history" not in page


def test_reused_codes_are_split_by_problem(demo: DemoProject) -> None:
    demo.write("policies/security.md", document("POL-002", '"A.1"'))
    demo.write("requirements_map/applicability.yml", 'demo:2024:\n  excluded:\n    "A.1": {justification: "No."}\n')
    output = demo.build(strict=False).output
    assert "policies/security.md:11: Demo Standard 2024 A.1 has subclauses" in output and "[claim-not-leaf]" in output
    assert "requirements_map/applicability.yml:3: A.1 has subclauses" in output and "[applicability-not-leaf]" in output


def test_the_readme_lists_every_code_as_the_registry_declares_it() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "imsdocs.cli", "codes", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- codes:start -->\n", 1)[1].split("<!-- codes:end -->", 1)[0]
    assert block == generated, "regenerate with: .venv/bin/imsdocs codes --format markdown"
    assert len(generated.splitlines()) == len(CODES) + 2


def test_every_declared_code_is_raised_somewhere() -> None:
    source = "\n".join(file.read_text(encoding="utf-8") for file in PACKAGE.rglob("*.py") if file.name != "codes.py")
    constants = re.findall(r'^([A-Z_]+) = declare\(\s*"([a-z-]+)"', (PACKAGE / "codes.py").read_text(), re.M)
    assert {name for _, name in constants} == set(CODES)
    unused = [name for constant, name in constants if f"codes.{constant}" not in source]
    assert unused == []


def test_the_readme_documents_every_option() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Plugin options", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in option_docs() if not re.search(rf"^\s+{name}:", block, re.M)]
    assert missing == []
    assert all(doc.endswith((".", ")")) for doc in option_docs().values())


def test_the_package_has_no_module_left_from_the_flat_layout() -> None:
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "cli.py", "codes.py", "diagnostics.py", "options.py", "pipeline.py", "review.py"]
    assert not Path(PACKAGE / "control.py").exists()
