"""`imsdocs import`: existing Markdown documents brought under front matter, run as a user runs it.

Each case copies a fixture set to a temporary folder, runs `python -m imsdocs.cli import source ...
--write` there, and compares every resulting file, the report and the dry run's output with
`tests/golden/import/<case>/expected/`. The two mapping cases import the set of `no-front-matter`
with the mapping file of their own folder. After a deliberate change, refresh the files with:

    IMSDOCS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_import.py

and read `git diff tests/golden/import` before committing them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from imsdocs import DEFAULT_CLASSIFICATIONS, DEFAULT_TYPES, Schema, load_catalogue, read_document, shipped_catalogues

GOLDEN = Path(__file__).parent / "golden" / "import"
UPDATE = os.environ.get("IMSDOCS_UPDATE_GOLDEN") == "1"
STANDARD = "iso27001:2022"


@dataclass(frozen=True)
class Case:
    source: str  # the case whose source/ folder is imported
    args: tuple[str, ...] = ()
    mapping: str | None = None  # a file of the case's folder, copied beside source/


CASES = {
    "no-front-matter": Case("no-front-matter"),
    "partial-front-matter": Case(
        "partial-front-matter",
        ("--owner", "Quality Lead", "--classification", "confidential", "--type", "guideline"),
    ),
    "soa-csv": Case("no-front-matter", ("--mapping", "soa.csv", "--standard", STANDARD), "soa.csv"),
    "soa-markdown": Case("no-front-matter", ("--mapping", "soa.md", "--standard", STANDARD), "soa.md"),
}
# The clauses the CSV's usable rows give (tests/golden/import/soa-csv/soa.csv).
MAPPED_BY_CSV = {"5.2", "A.5.1", "A.5.15", "A.5.18", "A.8.2", "A.6.7", "A.5.24", "10.2", "A.5.26", "A.5.19", "9.3.3"}


def imsdocs(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`imsdocs <args>` in `cwd`, as a user runs it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "imsdocs.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )


def workspace(name: str, root: Path) -> Path:
    """A temporary folder holding the case's `source/` (and its mapping file, beside it)."""
    case = CASES[name]
    shutil.copytree(GOLDEN / case.source / "source", root / "source", symlinks=True)
    if case.mapping:
        shutil.copy(GOLDEN / name / case.mapping, root / case.mapping)
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its '/'-separated path, as bytes (links are not followed)."""
    return {
        file.relative_to(root).as_posix(): file.read_bytes()
        for file in sorted(root.rglob("*"))
        if file.is_file() and not file.is_symlink()
    }


def front_matter(data: bytes) -> str:
    text = data.decode("utf-8-sig")
    assert text.startswith("---"), text[:40]
    return text.split("---", 2)[1]


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_imported_set_equals_the_golden_files(name: str, tmp_path: Path) -> None:
    root = workspace(name, tmp_path)
    args = CASES[name].args
    dry = imsdocs(root, "import", "source", *args)
    written = imsdocs(root, "import", "source", *args, "--write")
    assert dry.returncode == 0 and written.returncode == 0, dry.stderr + written.stderr
    assert written.stderr == ""
    result = {f"source/{path}": data for path, data in tree(root / "source").items()}
    result["report.txt"] = written.stdout.encode("utf-8")
    result["dry-run.txt"] = dry.stdout.encode("utf-8")
    folder = GOLDEN / name / "expected"
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        for path, data in result.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
    expected = tree(folder)
    assert sorted(result) == sorted(expected), "files added or removed: refresh the golden files"
    for path, data in result.items():
        assert data == expected[path], f"{path} differs from tests/golden/import/{name}/expected/{path}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_dry_run_changes_no_file(name: str, tmp_path: Path) -> None:
    root = workspace(name, tmp_path)
    before = tree(root)
    result = imsdocs(root, "import", "source", *CASES[name].args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imsdocs import: dry run, nothing written")
    assert "== " in result.stdout  # it shows what it would write
    assert tree(root) == before


def test_only_the_front_matter_block_is_added_and_every_body_is_kept_byte_for_byte(tmp_path: Path) -> None:
    root = workspace("no-front-matter", tmp_path)
    before = tree(root / "source")
    assert imsdocs(root, "import", "source", "--write").returncode == 0
    after = tree(root / "source")
    assert sorted(after) == sorted(before)
    bom = b"\xef\xbb\xbf"
    for path, original in before.items():
        new = after[path]
        body = original.removeprefix(bom)
        assert new.startswith(bom) == original.startswith(bom), path  # a byte-order mark is kept
        assert new.endswith(body), path
        block = new.removeprefix(bom)[: len(new.removeprefix(bom)) - len(body)]
        crlf = b"\r\n" in original.split(b"\n", 1)[0] + b"\n"
        # The block is in the file's own line endings: '---', the fields, '---'.
        newline = b"\r\n" if crlf else b"\n"
        assert block.startswith(b"---" + newline) and block.endswith(newline + b"---" + newline), path
        assert (b"\r\n" in block) == crlf, path


def test_a_second_import_finds_nothing_to_add(tmp_path: Path) -> None:
    root = workspace("soa-csv", tmp_path)
    args = ("import", "source", "--mapping", "soa.csv", "--standard", STANDARD, "--write")
    assert imsdocs(root, *args).returncode == 0
    written = tree(root / "source")
    again = imsdocs(root, *args)
    assert again.returncode == 0
    assert "Files changed: 0\n" in again.stdout
    assert "Mapping soa.csv (iso27001:2022): 14 row(s); 0 clause(s) added to 0 document(s)" in again.stdout
    assert "policies/information-security.md: already claims every clause the mapping gives it (5.2, A.5.1)" in (
        again.stdout
    )
    assert tree(root / "source") == written


def test_the_imported_set_passes_check_with_exactly_the_gaps_the_mapping_leaves(tmp_path: Path) -> None:
    """A small project whose documents are the imported set: the records lack only what the report said,
    and once a person adds it, the only findings are the clauses the mapping did not give."""
    root = tmp_path / "project"
    shutil.copytree(GOLDEN / "no-front-matter" / "source", root / "ims")
    shutil.copy(GOLDEN / "soa-csv" / "soa.csv", root / "soa.csv")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Northwind IMS\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: Northwind IMS\ndocs_dir: docs\nplugins:\n  - search\n  - imsdocs:\n"
        f"      standards: ['{STANDARD}']\n      sources: [ims]\n      history: false\n"
        "      checks: {mandatory-missing: 'off'}\n",
        encoding="utf-8",
    )
    (root / "requirements_map").mkdir()
    (root / "requirements_map" / "applicability.yml").write_text(
        "document: {id: SOA-001, title: Statement of Applicability, type: register, owner: IMS Manager, "
        "approver: Top Management, status: approved, review_interval: 12 months, classification: internal}\n"
        f"{STANDARD}:\n  default_inclusion:\n    reasons: [risk]\n    justification: Chosen in the risk assessment.\n"
        "    status: implemented\n",
        encoding="utf-8",
    )
    imported = imsdocs(
        root, "import", "ims", "--mapping", "soa.csv", "--standard", STANDARD, "-f", "mkdocs.yml", "--write"
    )
    assert imported.returncode == 0, imported.stderr
    records = ["records/management-review-2026-03.md", "records/risk-register.md"]
    for record in records:
        assert f"  {record}: add produced_by (" in imported.stdout

    def findings() -> tuple[list[tuple[str, str | None]], set[str]]:
        checked = imsdocs(root, "check", "--format", "json")
        report = json.loads(checked.stdout)
        gaps = set()
        others = []
        # Many gaps are summarised in one finding; the per-clause ones behind it are under "summarised".
        for d in report["diagnostics"] + report.get("summarised", []):
            match = re.match(r"^ISO/IEC 27001:2022 (\S+) '", d["message"])
            if d["code"] == "clause-not-covered" and match:
                gaps.add(match.group(1))
            elif d["code"] != "clause-not-covered" or "requirements are claimed by no document" not in d["message"]:
                others.append((d["code"], d["path"]))
        return others, gaps

    others, _ = findings()
    assert sorted(others) == [("record-control-missing", f"ims/{record}") for record in records]

    for record in records:  # what a person adds, as the report asked
        file = root / "ims" / record
        head, body = file.read_text(encoding="utf-8").split("\n---\n", 1)
        block = "record:\n  produced_by: PRO-001\n  retention: 6 years\n  location: Document store\n"
        block += "  access: IMS team\n  as_at: 2026-03-20\n"
        file.write_text(f"{head}\n{block}---\n{body}", encoding="utf-8")
    others, gaps = findings()
    assert others == []
    catalogue, problems = load_catalogue(*shipped_catalogues()[STANDARD])
    assert catalogue is not None and problems == []
    leaves = {clause.id for clause in catalogue.leaves()}
    assert leaves >= MAPPED_BY_CSV
    assert gaps == leaves - MAPPED_BY_CSV


def test_an_unknown_clause_id_is_reported_with_a_did_you_mean(tmp_path: Path) -> None:
    for name, expected in (
        ("soa-csv", {"A5.10": "not a clause of ISO/IEC 27001:2022. Did you mean 'A.5.10'"}),
        ("soa-markdown", {"A.8.99": "not a clause of ISO/IEC 27001:2022. Did you mean 'A.8.9'"}),
    ):
        root = workspace(name, tmp_path / name)
        result = imsdocs(root, "import", "source", *CASES[name].args, "--format", "json")
        assert result.returncode == 0, result.stderr
        unused = {row["clause"]: row["reason"] for row in json.loads(result.stdout)["mapping"]["unused"]}
        for clause, reason in expected.items():
            assert unused[clause].startswith(reason), unused
        parents = [clause for clause, reason in unused.items() if reason.startswith("has subclauses")]
        assert parents == (["A.5"] if name == "soa-csv" else ["A.8"])  # a parent claims nothing


def test_a_document_the_mapping_does_not_name_is_listed_as_could_not_map(tmp_path: Path) -> None:
    root = workspace("soa-csv", tmp_path)
    result = imsdocs(root, "import", "source", *CASES["soa-csv"].args, "--write")
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("Documents not mapped: ", 1)[1]
    assert section.splitlines() == [
        "2 (could not map: no clause from the mapping)",
        "  policies/acceptable-use.md: only rows that were not used name it",
        "  records/risk-register.md: no row of the mapping names it",
    ]
    assert "satisfies: {}\n" in front_matter((root / "source/records/risk-register.md").read_bytes())


def test_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    source = tmp_path / "source"
    outside = tmp_path / "outside"
    (source / "policies").mkdir(parents=True)
    outside.mkdir()
    (source / "policies" / "scope.md").write_text("# Scope\n\nWhat the IMS covers.\n", encoding="utf-8")
    secret = outside / "secret.md"
    secret.write_text("# Not Ours\n\nA file outside the folder imported.\n", encoding="utf-8")
    try:
        (source / "policies" / "linked.md").symlink_to(secret)
        (source / "shared").symlink_to(outside, target_is_directory=True)
    except OSError as exc:  # pragma: no cover - a platform without symbolic links
        pytest.skip(f"cannot make a symbolic link: {exc}")
    before = secret.read_bytes()
    result = imsdocs(tmp_path, "import", "source", "--write")
    assert result.returncode == 0, result.stderr
    assert secret.read_bytes() == before
    assert (source / "policies" / "linked.md").is_symlink() and (source / "shared").is_symlink()
    assert f"  policies/linked.md: a symbolic link (to '{secret}'): not followed" in result.stdout
    assert f"  shared: a symbolic link (to '{outside}'): not followed" in result.stdout
    assert "Files changed: 1\n  policies/scope.md (POL-001): front matter added" in result.stdout
    assert [p.name for p in outside.iterdir()] == ["secret.md"]  # nothing written beside it either


def test_a_file_that_is_not_utf8_is_reported_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "source" / "procedures"
    folder.mkdir(parents=True)
    latin = "# Café Hygiene\n\nThe kitchen is cleaned daily.\n".encode("latin-1")
    (folder / "cafe.md").write_bytes(latin)
    (folder / "kitchen.md").write_text("# Kitchen Rota\n", encoding="utf-8")
    result = imsdocs(tmp_path, "import", "source", "--write", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (folder / "cafe.md").read_bytes() == latin
    assert report["unchanged"] == [
        {
            "path": "procedures/cafe.md",
            "id": None,
            "reason": "not UTF-8 text (byte 0xe9 on line 1): save it as UTF-8 and import it again",
            "left_alone": True,
        }
    ]
    assert [f["id"] for f in report["changed"]] == ["PRO-001"]


def test_a_partial_front_matter_is_reported_key_by_key(tmp_path: Path) -> None:
    root = workspace("partial-front-matter", tmp_path)
    result = imsdocs(root, "import", "source", *CASES["partial-front-matter"].args, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(m["path"], m["key"]) for m in report["moved_to_extra"]] == [
        ("procedures/calibration.md", "department"),
        ("procedures/calibration.md", "reviewer"),
        ("procedures/tool-control.md", "note"),
    ]
    refused = [(d["path"], d["line"], d["message"]) for d in report["refused"]]
    assert refused == [
        ("procedures/calibration.md", 7, "'status' is 'active', which is not one of: draft, approved, retired.")
    ]
    assert report["records"] == [{"path": "records/calibration-log.md", "add": ["location", "access", "as_at"]}]
    kept = {f["path"]: f["reason"] for f in report["unchanged"]}
    assert kept["policies/complete.md"] == "nothing to add"
    assert kept["procedures/broken.md"].startswith("its front matter is invalid YAML")
    ids = {f["path"]: f["id"] for f in report["changed"]}
    # POL-001 and POL-003 are taken; a new policy would be POL-002, and files in no typed folder get --type.
    assert ids["notes/tooling-tips.md"] == "GDL-001" and ids["records/calibration-log.md"] == "REC-001"
    assert ids["policies/new-starters.md"] == "POL-002"


def test_every_value_yaml_would_misread_is_quoted_and_reads_back_as_written(tmp_path: Path) -> None:
    titles = ["Yes", "2026", "5.10", "Null", "Scope: what we cover", "Policy #1 'draft' \"copy\"", "- dash", "@home"]
    folder = tmp_path / "source" / "policies"
    folder.mkdir(parents=True)
    for number, title in enumerate(titles):
        (folder / f"p{number}.md").write_text(f"# {title}\n\nText.\n", encoding="utf-8")
    result = imsdocs(tmp_path, "import", "source", "--write")
    assert result.returncode == 0, result.stderr
    schema = Schema(DEFAULT_TYPES, DEFAULT_CLASSIFICATIONS)
    for number, title in enumerate(titles):
        path = f"policies/p{number}.md"
        document, problems = read_document(folder / f"p{number}.md", path, path, schema)
        assert problems == [] and document is not None, problems
        assert document.title == title
    assert 'title: "Yes"\n' in front_matter((folder / "p0.md").read_bytes())
    assert 'title: "5.10"\n' in front_matter((folder / "p2.md").read_bytes())


def test_the_id_pattern_can_use_the_file_name(tmp_path: Path) -> None:
    root = workspace("no-front-matter", tmp_path)
    result = imsdocs(root, "import", "source", "--id-pattern", "NW-{stem}", "--format", "json")
    assert result.returncode == 0, result.stderr
    ids = {f["path"]: f["id"] for f in json.loads(result.stdout)["changed"]}
    assert ids["policies/access_control.md"] == "NW-ACCESS_CONTROL"
    assert ids["records/management-review-2026-03.md"] == "NW-MANAGEMENT-REVIEW-2026-03"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("missing",), 1, "imsdocs import: missing: no such folder."),
        (
            ("source", "--mapping", "nowhere.csv", "--standard", STANDARD),
            1,
            "imsdocs import: nowhere.csv: no such file.",
        ),
        (
            ("source", "--mapping", "bad.csv", "--standard", STANDARD),
            1,
            "imsdocs import: bad.csv: the first row must name the columns 'clause' and 'document' "
            "(it has 'Control', 'Policy').",
        ),
        (
            ("source", "--mapping", "bad.csv", "--standard", "iso27001:2023"),
            2,
            "imsdocs import: --standard 'iso27001:2023' is no standard with a catalogue. Did you mean 'iso27001:2022'",
        ),
        (("source", "--mapping", "bad.csv"), 2, "imsdocs import: --mapping and --standard go together"),
        (("source", "--classification", "secret"), 2, "imsdocs import: --classification 'secret' is not one of"),
        (("source", "--id-pattern", "{prefix.__class__}"), 2, "imsdocs import: --id-pattern '{prefix.__class__}'"),
        (("source", "--review-interval", "soon"), 2, "imsdocs import: --review-interval 'soon' is not a period"),
        (("source", "--status", "retired"), 2, "invalid choice: 'retired'"),
        (("source", "-f", "no-mkdocs.yml"), 2, "imsdocs import: no-mkdocs.yml: no such file."),
    ],
)
def test_exit_codes(tmp_path: Path, args: tuple[str, ...], code: int, message: str) -> None:
    root = workspace("no-front-matter", tmp_path)
    (root / "bad.csv").write_text("Control,Policy\nA.5.1,POL-001\n", encoding="utf-8")
    before = tree(root)
    result = imsdocs(root, "import", *args, "--write")
    assert result.returncode == code, result.stdout + result.stderr
    assert message in result.stderr
    assert tree(root) == before
