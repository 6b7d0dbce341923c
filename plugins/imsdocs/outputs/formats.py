"""Writing an `Export` to files: CSV (one file per table), JSON (one file) or XLSX (one workbook).

Every value is text that a spreadsheet shows as it is: control characters other than tab and
newline become spaces (XLSX cannot hold most of them), and a CSV cell that a spreadsheet would
read as a formula (=, +, -, @, tab, carriage return first) gets a leading apostrophe. In XLSX such
a value is written as a string cell, which no spreadsheet evaluates, and keeps its exact text.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .export import Export, Table, Value, plain

if TYPE_CHECKING:  # openpyxl takes a sixth of a second to import: only `--format xlsx` loads it
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

FORMATS = ("csv", "json", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31  # Excel's limit
COLUMN_WIDTH_MAX = 60  # characters: longer texts are cut off on screen, not in the cell


def text(value: Value) -> str:
    """A value as one cell's text, without control characters other than tab and newline."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return plain(str(value))


def csv_cell(value: Value) -> str:
    """A CSV cell that a spreadsheet shows as text: a would-be formula starts with an apostrophe."""
    cell = text(value)
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def write(result: Export, output_format: str, folder: Path) -> list[Path]:
    """Write the export in `output_format` into `folder` (created if needed); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    if output_format == "json":
        return [write_json(result, folder / "ims-export.json")]
    if output_format == "xlsx":
        return [write_xlsx(result, folder / "ims-export.xlsx")]
    if output_format == "csv":
        return write_csv(result, folder)
    raise ValueError(f"unknown export format {output_format!r}")


def build_table(result: Export) -> Table:
    """The build stamp, and the SoA's control data, as a key/value table."""
    lines: list[tuple[Value, ...]] = [(key, value) for key, value in result.build.items()]
    if result.soa is not None:
        lines += [(f"soa_{key}", value) for key, value in result.soa.items()]
    return Table("build", ("key", "value"), lines)


def write_json(result: Export, target: Path) -> Path:
    def json_value(value: Value) -> Value:
        return plain(value) if isinstance(value, str) else value

    data = {
        "build": {key: json_value(value) for key, value in result.build.items()},
        "soa": {key: json_value(value) for key, value in result.soa.items()} if result.soa is not None else None,
        "tables": {
            table.name: {"header": list(table.header), "rows": [[json_value(v) for v in row] for row in table.rows]}
            for table in result.tables
        },
    }
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def write_csv(result: Export, folder: Path) -> list[Path]:
    """One file per table and `build.csv`; UTF-8 with a byte-order mark, so that Excel reads accents."""
    written = []
    for table in [build_table(result), *result.tables]:
        target = folder / f"{table.name}.csv"
        with target.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow([csv_cell(h) for h in table.header])
            writer.writerows([csv_cell(v) for v in row] for row in table.rows)
        written.append(target)
    return written


def sheet_name(name: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: no []:*?/\\, at most 31 characters, unique (ignoring case)."""
    base = _SHEET_FORBIDDEN.sub("-", text(name)).strip("'") or "sheet"
    candidate, number = base[:SHEET_NAME_MAX], 1
    while candidate.lower() in used:
        number += 1
        suffix = f"~{number}"
        candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


def write_xlsx(result: Export, target: Path) -> Path:
    """One sheet per table (header bold and frozen, a filter on it) and a `build` sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    used: set[str] = set()
    for table in result.tables:
        _table_sheet(workbook.create_sheet(sheet_name(table.name, used)), table)
    _table_sheet(workbook.create_sheet(sheet_name("build", used)), build_table(result))
    workbook.properties.creator = "imsdocs"
    workbook.properties.title = "IMS export"
    workbook.save(target)
    return target


def _table_sheet(sheet: Worksheet, table: Table) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    row = 1
    for label, value in table.preamble:
        _put(sheet, row, 1, label).font = bold
        _put(sheet, row, 2, value)
        row += 1
    if table.preamble:
        row += 1  # a blank line between the SoA's control data and its table
    header_row = row
    for column, title in enumerate(table.header, 1):
        _put(sheet, header_row, column, title).font = bold
    for values in table.rows:
        row += 1
        for column, value in enumerate(values, 1):
            _put(sheet, row, column, value)
    last = get_column_letter(max(len(table.header), 1))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(row, header_row)}"
    for column, title in enumerate(table.header, 1):
        texts = [title, *(text(values[column - 1]) for values in table.rows if column <= len(values))]
        if column <= 2:
            texts += [text(line[column - 1]) for line in table.preamble]
        longest = max(len(part) for value in texts for part in value.split("\n"))
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest, 6) + 2, COLUMN_WIDTH_MAX)


def _put(sheet: Worksheet, row: int, column: int, value: Value) -> Cell | MergedCell:
    """Write one cell: numbers as numbers, everything else as a string cell (never a formula)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return sheet.cell(row, column, value)
    content = text(value)
    if not content:
        return sheet.cell(row, column)
    cell = sheet.cell(row, column, content)
    cell.data_type = "s"  # openpyxl takes a text starting with '=' for a formula: this one is text
    return cell
