"""Auditor exports (`imsdocs export`) and PDFs (`imsdocs pdf`), made by the real commands from real
projects and read back with openpyxl, csv, json and pypdf; nothing leaves the machine."""

from __future__ import annotations

import csv
import http.server
import json
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from conftest import CONFIG, EXAMPLE_TODAY, PEOPLE, DemoProject, Repo, build_env, document

FORMULA_TITLE = "=cmd|' /C calc'!A0"
AT_TITLE = "@SUM(1)"
SECRET_TITLE = "Vault Recovery Keys and Locations"
NEEDS_WEASYPRINT = "imsdocs pdf needs WeasyPrint: pip install 'imsdocs[pdf]'"


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


# -- PDFs ---------------------------------------------------------------------------------------


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def example_pdfs(example_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, str]:
    """`imsdocs pdf` on the whole example (a strict build, then every document): the folder, seconds, stderr."""
    out = tmp_path_factory.mktemp("pdf")
    started = time.monotonic()
    done = imsdocs(example_root, "pdf", "--output", str(out), "--verbose")
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    return out, seconds, done.stderr


def test_the_whole_example_prints_in_reasonable_time(
    example_pdfs: tuple[Path, float, str], capsys: pytest.CaptureFixture[str]
) -> None:
    out, seconds, stderr = example_pdfs
    phases = [line for line in stderr.splitlines() if line.startswith("imsdocs pdf:") and "total" in line]
    with capsys.disabled():
        print(f"\n`imsdocs pdf` on the example: {len(list(out.glob('*.pdf')))} PDFs in {seconds:.1f} s; {phases}")
    assert len(phases) == 1 and "build" in phases[0] and "render" in phases[0]
    assert seconds < 120


def test_a_pdf_per_published_document_and_none_for_a_withheld_one(
    example_pdfs: tuple[Path, float, str], example_root: Path
) -> None:
    out = example_pdfs[0]
    names = {p.stem for p in out.glob("*.pdf")}
    assert {"ims", "POL-021", "PRO-005"} <= names
    assert not names & {"REC-001", "PRO-044", "REC-041"}  # confidential: above the site's publish_up_to
    assert len(names) == 60  # 59 published documents and the combined PDF


def test_every_page_of_a_document_pdf_carries_id_version_approval_and_notice(
    example_pdfs: tuple[Path, float, str],
) -> None:
    pages = pdf_text(example_pdfs[0] / "POL-021.pdf")
    assert len(pages) > 1
    for number, text in enumerate(pages, 1):
        assert "POL-021 Access Control and Identity Policy" in text
        assert "version 2.1" in text
        assert "Effective 2026-12-01" in text and "approved by Dana Whitfield" in text
        assert "Uncontrolled when printed" in text
        assert f"page {number} of {len(pages)}" in text
    whole = "".join(pages)
    assert "Revision history" in whole and "Reword the supplier rule" in whole  # the page as the site shows it


def test_the_combined_pdf_has_a_bookmark_per_document_and_links_inside_it(
    example_pdfs: tuple[Path, float, str],
) -> None:
    out = example_pdfs[0]
    reader = PdfReader(out / "ims.pdf")
    documents = sorted(p.stem for p in out.glob("*.pdf") if p.stem != "ims")
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title.split(" ", 1)[0] for item in top] == documents  # in id order, one each
    starts = [reader.get_destination_page_number(item) for item in top]
    assert starts == sorted(set(starts))  # each document on pages of its own
    assert all("Uncontrolled when printed" in reader.pages[n].extract_text() for n in starts)

    names = reader.named_destinations
    internal, external = [], []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") != "/Link":
                continue
            action = link.get("/A")
            if action is not None and action.get("/URI") is not None:
                external.append(str(action["/URI"]))
            else:
                internal.append(str(link.get("/Dest") or action.get("/D")))
    assert internal and all(name in names for name in internal)
    assert "doc-POL-021" in internal  # another document's link to it, or the contents on the title page
    # Links to pages that are not in the PDF (the compliance views) were made text, not links to nowhere.
    assert [uri for uri in external if not uri.startswith(("http:", "https:", "mailto:"))] == []


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802  # the name http.server calls
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  # quiet
        pass


def one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def test_a_pdf_fetches_local_files_of_the_site_and_nothing_else(demo: DemoProject) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        local = f"http://127.0.0.1:{server.server_address[1]}/tracker.png"
        body = (
            "![Diagram](diagram.png)\n\n"
            f'<img src="http://example.com/x.png" alt="remote"> <img src="{local}" alt="local server">\n\n'
            "See the [scope](scope.md) and the [matrix](../compliance/matrix-demo-2024.md).\n"
        )
        front = document("POL-002", '"A.1.1"', title="Security Policy").split("## Purpose")[0]
        demo.write("policies/security.md", front.replace("satisfies:", "attachments: [diagram.png]\nsatisfies:") + body)
        (demo.root / "policies/diagram.png").write_bytes(one_pixel_png())
        built = demo.build()
        assert built.returncode == 0, built.output
        done = demo.cli("pdf", "--site", str(built.site), "--output", str(demo.root / "pdf"), "--verbose")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert _Counting.requests == []  # nothing asked the (local) web server for anything
    assert "2 documents, 1 local file(s) read, 2 refused" in done.stderr
    refused = [line for line in done.stderr.splitlines() if "not fetched" in line]
    assert sorted(refused) == sorted(
        f"imsdocs pdf: not fetched (not a file of the site): {url}" for url in ("http://example.com/x.png", local)
    )
    page = PdfReader(demo.root / "pdf/POL-002.pdf").pages[0]
    images = [x for x in page["/Resources"].get("/XObject", {}).values() if x.get_object()["/Subtype"] == "/Image"]
    assert images  # the attachment, from the site folder
    assert "no accepted version" in page.extract_text()  # this demo has no git history
    combined = PdfReader(demo.root / "pdf/ims.pdf")
    assert [item.title for item in combined.outline if not isinstance(item, list)] == [
        "POL-001 Scope Statement",
        "POL-002 Security Policy",
    ]


def test_a_draft_reads_draft_on_every_page_and_a_control_character_prints_as_a_space(demo: DemoProject) -> None:
    demo.write("mkdocs.yml", CONFIG.format(extra=""))
    demo.write("requirements_map/people.yml", PEOPLE)
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title='"Bell\\a ring"'))
    demo.today = "2026-03-01T12:00:00+00:00"
    repo = Repo(demo.root)
    repo.write(".gitignore", "site/\npdf/\nexport/\n")
    repo.commit("Import the IMS", "2026-01-05T09:00:00+01:00")
    long_body = "The rule applies to every system. " * 500  # one paragraph (document() indents nothing) over pages
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', title="Security Policy", body=long_body))

    strict = demo.cli("pdf")  # the default build is strict, and an uncommitted change is a warning
    assert strict.returncode == 1 and "the strict site build failed" in strict.stderr
    assert not (demo.root / "pdf").exists()

    built = demo.build(strict=False)
    assert built.returncode == 0, built.output
    done = demo.cli("pdf", "--site", "site")
    assert done.returncode == 0, done.stderr
    pages = pdf_text(demo.root / "pdf/POL-002.pdf")
    assert len(pages) > 1 and all("POL-002 Security Policy \u00b7 DRAFT" in text for text in pages)
    assert "POL-001 Bell ring \u00b7 version 1.0" in pdf_text(demo.root / "pdf/POL-001.pdf")[0]

    assert demo.cli("export", "--format", "json").returncode == 0
    rows = json.loads((demo.root / "export/ims-export.json").read_text(encoding="utf-8"))["tables"]["register"]["rows"]
    assert [(row[0], row[1], row[7], row[8]) for row in rows] == [
        ("POL-001", "Bell  ring", "1.0", "no"),
        ("POL-002", "Security Policy", "1.0", "yes"),
    ]


def test_pdf_without_weasyprint_says_what_to_install(demo: DemoProject) -> None:
    # The package is installed here: hide it from this one process, as an installation without the extra.
    script = "import sys; sys.modules['weasyprint'] = None; from imsdocs.cli import main; sys.exit(main(['pdf']))"
    done = demo.run(sys.executable, "-c", script)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", NEEDS_WEASYPRINT + "\n")
    assert not (demo.root / "pdf").exists()
