"""Auditor exports (`imsdocs export`), made by the real command from real projects and read back
with openpyxl, csv and json."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from conftest import EXAMPLE_TODAY, DemoProject, build_env, document

FORMULA_TITLE = "=cmd|' /C calc'!A0"
AT_TITLE = "@SUM(1)"
SECRET_TITLE = "Vault Recovery Keys and Locations"


def imsdocs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`imsdocs <args>` in `root`, as a user runs it, on the example's build day."""
    return subprocess.run(
        [sys.executable, "-m", "imsdocs.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=build_env(),
        check=False,
    )


def git_head(root: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def yaml_text(value: str) -> str:
    return json.dumps(value)  # JSON strings are YAML double-quoted scalars


@pytest.fixture
def planted(demo: DemoProject) -> DemoProject:
    """The demo IMS with titles a spreadsheet would run as formulas, and a restricted document."""
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title=yaml_text(FORMULA_TITLE)))
    security = document("POL-002", '"A.1.1"', title=yaml_text(AT_TITLE))
    demo.write("policies/security.md", security.replace("owner: IMS Manager", "owner: '+44 IMS Manager'"))
    secret = document("POL-003", '"A.1.1"', title=SECRET_TITLE).replace(
        "classification: internal", "classification: restricted"
    )
    demo.write("policies/vault-keys.md", secret)
    return demo


def xlsx_cells(path: Path) -> Iterator[openpyxl.cell.cell.Cell]:
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


# -- exports ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_xlsx(example_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xlsx")
    done = imsdocs(example_root, "export", "--format", "xlsx", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {out / 'ims-export.xlsx'}\n"
    return out / "ims-export.xlsx"


def test_the_xlsx_export_of_the_example_has_a_sheet_per_table_with_a_frozen_filtered_header(
    example_xlsx: Path, example_root: Path
) -> None:
    workbook = openpyxl.load_workbook(example_xlsx)
    assert workbook.sheetnames == [
        "register",
        "soa",
        "matrix-iso27001-2022",
        "matrix-iso20000-1-2018",
        "matrix-iso9001-2015",
        "reviews",
        "mandatory",
        "build",
    ]
    register = workbook["register"]
    assert register.freeze_panes == "A2"
    assert register.auto_filter.ref == f"A1:O{register.max_row}"
    assert all(cell.font.bold for cell in register[1])
    header = [cell.value for cell in register[1]]
    assert header[:3] == ["id", "title", "type"] and "approved by" in header and "review state" in header
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in register.iter_rows(min_row=2, values_only=True)}
    policy = rows["POL-021"]
    assert (policy["version"], policy["approved by"], policy["pull request"]) == ("2.1", "Dana Whitfield", "!15")
    assert (policy["effective"], policy["approval date"], policy["next review"]) == (
        "2026-12-01",
        "2026-12-01",
        "2027-12-01",
    )
    assert "REC-001" not in rows  # confidential: above the example's publish_up_to (internal)
    widths = [register.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMNO"]
    assert all(6 < width <= 62 for width in widths) and widths[1] > widths[0]  # titles are wider than ids

    soa = workbook["soa"]
    # The SoA's own version and approval first, then its table.
    assert [soa.cell(row, 1).value for row in (1, 2, 3)] == ["SoA version", "Effective", "Approved by"]
    header_row = next(r for r in range(1, 10) if soa.cell(r, 1).value == "control")
    assert soa.freeze_panes == f"A{header_row + 1}"
    assert soa.auto_filter.ref == f"A{header_row}:G{soa.max_row}"
    controls = [row for row in soa.iter_rows(min_row=header_row + 1, values_only=True) if row[0]]
    assert len(controls) == 93
    assert {row[2] for row in controls} == {"yes", "no"}
    matrix = workbook["matrix-iso27001-2022"]
    levels = {row[0]: row[2] for row in matrix.iter_rows(min_row=2, values_only=True)}
    assert (levels["4"], levels["4.1"], levels["A.5.1"]) == (1, 2, 2)  # numbers, not text
    build = {row[0]: row[1] for row in workbook["build"].iter_rows(min_row=2, values_only=True)}
    assert build["commit"] == git_head(example_root)
    assert build["built_at"] == EXAMPLE_TODAY
    assert build["soa_controls"] == 93
    assert all(len(name) <= 31 for name in workbook.sheetnames)


def test_the_json_export_carries_the_build_stamp_and_the_soa(example_root: Path, tmp_path: Path) -> None:
    done = imsdocs(example_root, "export", "--format", "json", "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "ims-export.json").read_text(encoding="utf-8"))
    assert data["build"] == {
        "commit": git_head(example_root),
        "clean": True,
        "built_at": "2026-12-05T12:00:00+00:00",
        "imsdocs": data["build"]["imsdocs"],
        "publish_up_to": "internal",
    }
    assert data["soa"]["controls"] == 93 and data["soa"]["standard"] == "iso27001:2022"
    assert data["soa"]["applicable"] + data["soa"]["excluded"] == 93
    tables = data["tables"]
    assert set(tables) == {
        "register",
        "soa",
        "matrix-iso27001-2022",
        "matrix-iso20000-1-2018",
        "matrix-iso9001-2015",
        "reviews",
        "mandatory",
    }
    assert len(tables["soa"]["rows"]) == 93
    reviews = tables["reviews"]["rows"]
    assert [row[5] for row in reviews] == sorted(row[5] for row in reviews)  # by next review date
    # A confidential document is named as the site names it, with its id (withheld_ids_up_to: confidential).
    cells = {cell for row in tables["matrix-iso27001-2022"]["rows"] for cell in row if isinstance(cell, str)}
    assert any("a confidential document (REC-001)" in cell for cell in cells)


def test_a_cell_that_would_be_a_formula_is_text_in_xlsx_and_csv(planted: DemoProject) -> None:
    tmp_path = planted.root / "export"
    for output_format in ("xlsx", "csv", "json"):
        done = planted.cli("export", "--format", output_format, "--output", str(tmp_path))
        assert done.returncode == 0, done.stderr

    cells = list(xlsx_cells(tmp_path / "ims-export.xlsx"))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells}
    assert {FORMULA_TITLE, AT_TITLE, "+44 IMS Manager"} <= texts  # the exact text, as a string cell
    with zipfile.ZipFile(tmp_path / "ims-export.xlsx") as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(name) for name in sheets)

    with (tmp_path / "register.csv").open(encoding="utf-8-sig", newline="") as file:
        register = list(csv.DictReader(file))
    titles = {row["id"]: row["title"] for row in register}
    assert (titles["POL-001"], titles["POL-002"]) == ("'" + FORMULA_TITLE, "'" + AT_TITLE)
    assert {row["owner"] for row in register} == {"IMS Manager", "'+44 IMS Manager"}
    for path in tmp_path.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as file:
            for row in csv.reader(file):
                assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], (path.name, row)

    data = json.loads((tmp_path / "ims-export.json").read_text(encoding="utf-8"))
    assert [row[1] for row in data["tables"]["register"]["rows"]][:2] == [FORMULA_TITLE, AT_TITLE]  # JSON: as written


def test_a_withheld_document_is_in_no_export(planted: DemoProject) -> None:
    tmp_path = planted.root / "export"
    for output_format in ("xlsx", "csv", "json"):
        done = planted.cli(
            "export", "--format", output_format, "--output", str(tmp_path), "--publish-up-to", "internal"
        )
        assert done.returncode == 0, done.stderr
    files = sorted(tmp_path.iterdir())
    assert {f.name for f in files} >= {"ims-export.xlsx", "ims-export.json", "register.csv", "build.csv"}
    contents = [f.read_bytes() for f in files if f.suffix != ".xlsx"]
    with zipfile.ZipFile(tmp_path / "ims-export.xlsx") as archive:
        contents += [archive.read(name) for name in archive.namelist()]
    for secret in (SECRET_TITLE, "vault-keys", "POL-003"):
        assert not [c for c in contents if secret.encode() in c], secret
    # It still shows where it covers a clause, as on the site.
    data = json.loads((tmp_path / "ims-export.json").read_text(encoding="utf-8"))
    matrix = {row[0]: row[4] for row in data["tables"]["matrix-demo-2024"]["rows"]}
    assert matrix["A.1.1"] == "POL-002, a restricted document"


def test_an_export_of_sources_with_errors_writes_nothing(demo: DemoProject) -> None:
    demo.write("policies/copy.md", document("POL-001", '"4.1"', title="Duplicate"))
    done = demo.cli("export", "--format", "csv")
    assert done.returncode == 1
    assert "duplicate" in done.stderr.lower() and not (demo.root / "export").exists()
