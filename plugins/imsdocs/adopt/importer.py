"""The plan of `imsdocs import`: the front matter each Markdown file of a folder would get, computed
without writing anything.

Everything here works on texts and paths and returns values (a `Plan`); the command
(`adopt/commands.py`) prints the plan or writes it. A file changes only in its front matter block:
its body is kept byte for byte, with its line endings. What the importer cannot know (a record's
retention, where it is kept) it reports; it never writes a placeholder a build would take for a fact.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import posixpath
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from string import Formatter
from typing import Literal
from urllib.parse import unquote

import yaml

from .. import codes
from ..diagnostics import Diagnostic, did_you_mean
from ..model.catalogue import Catalogue
from ..model.documents import (
    ID_PATTERN,
    INTERVAL_PATTERN,
    OPTIONAL_KEYS,
    RECORD_KEYS,
    REFERENCE,
    REQUIRED_KEYS,
    THEME_KEYS,
    Schema,
    document_from,
    split_front_matter,
)
from ..model.yamlfile import MAX_FILE_BYTES, Node, YamlSyntaxError, parse

KNOWN_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS + THEME_KEYS
PREFIXES = {
    "policy": "POL",
    "procedure": "PRO",
    "record": "REC",
    "plan": "PLN",
    "standard": "STD",
    "register": "REG",
    "guideline": "GDL",
    "form": "FRM",
}
# A folder named after a type (either number) gives its files that type.
FOLDER_TYPES = {
    **{kind: kind for kind in PREFIXES},
    **{f"{kind}s": kind for kind in PREFIXES if kind != "policy"},
    "policies": "policy",
}
ID_FIELDS = ("prefix", "n", "stem")
RECORD_NEEDS = (*RECORD_KEYS, "as_at")
RECORD_HELP = {
    "produced_by": "the id of the procedure that produces it",
    "retention": "how long it is kept",
    "location": "where it is kept",
    "access": "who may read or change it",
    "as_at": "the day of the activity, YYYY-MM-DD, or period: {from: ..., to: ...}",
}
# A "no" in a Statement of Applicability's applicability column: the row claims nothing.
NOT_APPLICABLE = ("no", "n", "false", "excluded", "not applicable", "n/a", "na")
MAX_NUMBER = 99_999  # ids are counted up to here; a pattern that collides beyond it is reported
NOTHING_TO_ADD = "nothing to add"


@dataclass(frozen=True)
class Defaults:
    """What the importer writes where a document says nothing (the command's options)."""

    owner: str = "IMS Manager"
    approver: str = "Top Management"
    status: str = "approved"
    review_interval: str = "12 months"
    classification: str = "internal"
    id_pattern: str = "{prefix}-{n:03d}"
    type: str = "policy"


@dataclass(frozen=True)
class Source:
    """A Markdown file of the folder as read (path relative to the folder, '/'-separated), or why it was not."""

    path: str
    text: str | None = None
    bom: bool = False  # the file starts with a UTF-8 byte-order mark, which is kept
    problem: str = ""
    link: bool = False  # a symbolic link: reported, never followed, no document of the set


@dataclass(frozen=True)
class Name:
    """What a mapping cell names: a path, id or title as written (`cell`), a link whose target may mean
    `paths` (inside the folder), or an id-like word in a table cell (`word`)."""

    text: str
    kind: Literal["cell", "link", "word"]
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One row of a mapping: a clause as written and what it names, with its line in the mapping file."""

    line: int
    clause: str
    names: tuple[Name, ...]
    skip: str = ""  # why the row is not used whatever it names


@dataclass(frozen=True)
class Unused:
    """A mapping row not used, or used only in part, and why."""

    line: int
    clause: str
    reason: str


class MappingError(Exception):
    """A mapping that cannot be read as one; the message names the file and what is missing."""


Action = Literal["add", "change", "keep"]


@dataclass
class FilePlan:
    """What happens to one file: front matter added or changed, or the file kept as it is (and why)."""

    path: str
    action: Action
    reason: str = ""  # keep: why
    doc_id: str = ""
    front_matter: str = ""  # add, change: the new block between its '---' lines
    original: bytes = b""  # the file as read: it is written only if it still reads so
    content: bytes = b""  # the file as it would be written
    added: list[str] = field(default_factory=list)  # required keys filled in
    moved: list[tuple[str, str]] = field(default_factory=list)  # (unknown key, did-you-mean) moved under extra
    clauses: list[str] = field(default_factory=list)  # clauses the mapping added
    notes: list[str] = field(default_factory=list)
    refused: list[Diagnostic] = field(default_factory=list)  # values the build would refuse
    record_needs: tuple[str, ...] = ()  # fields of the record block to add
    link: bool = False


@dataclass
class Plan:
    """Everything `imsdocs import` would do, and everything it has to report."""

    files: list[FilePlan]
    standard: str | None = None
    mapping: str | None = None
    rows: int = 0
    unused: list[Unused] = field(default_factory=list)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (path, why), when a mapping was given

    @property
    def changed(self) -> list[FilePlan]:
        return [f for f in self.files if f.action != "keep"]

    @property
    def kept(self) -> list[FilePlan]:
        return [f for f in self.files if f.action == "keep"]


# -- options ---------------------------------------------------------------------------------------------


def check_defaults(defaults: Defaults, schema: Schema) -> list[str]:
    """What is wrong with the options, one sentence each (the command exits 2 on any)."""
    problems = []
    for name in ("owner", "approver"):
        value: str = getattr(defaults, name)
        if not value.strip() or "\n" in value:
            problems.append(f"--{name} must be one line of text.")
    for option, value, allowed in (
        ("--status", defaults.status, ("approved", "draft")),
        ("--classification", defaults.classification, schema.classifications),
        ("--type", defaults.type, schema.types),
    ):
        if value not in allowed:
            hint = did_you_mean(value, allowed)
            problems.append(f"{option} '{value}' is not one of: {', '.join(allowed)}. {hint}".rstrip())
    match = INTERVAL_PATTERN.match(defaults.review_interval)
    if match is None or int(match.group(1)) == 0:
        problems.append(
            f"--review-interval '{defaults.review_interval}' is not a period: write a number and a unit, "
            "e.g. '12 months', '2 years', '90 days'."
        )
    problem = _check_pattern(defaults.id_pattern)
    if problem:
        problems.append(problem)
    return problems


def _check_pattern(pattern: str) -> str:
    usage = "--id-pattern may use {prefix}, {n} (e.g. {n:03d}) and {stem}"
    try:
        names = {name for _, name, _, _ in Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        return f"--id-pattern '{pattern}' is not a pattern ({exc}); {usage}."
    if not names <= set(ID_FIELDS):  # also refuses attribute access: '{prefix.__class__}'
        return f"--id-pattern '{pattern}' names {', '.join(sorted(names - set(ID_FIELDS)))}: {usage}."
    try:
        sample = pattern.format(prefix="POL", n=1, stem="ACCESS-CONTROL")
    except (ValueError, KeyError, IndexError) as exc:
        return f"--id-pattern '{pattern}' cannot be filled in ({exc}); {usage}."
    if not ID_PATTERN.match(sample):
        return (
            f"--id-pattern '{pattern}' makes ids such as '{sample}', which is no valid id "
            "(a letter, then letters, digits, '.', '_', '-')."
        )
    return ""


# -- reading the folder --------------------------------------------------------------------------------


def collect_sources(src: Path) -> list[Source]:
    """Every `*.md` file under `src`, read, in path order; hidden files and folders are skipped, and a
    symbolic link (to a `.md` file or a folder) is reported and never followed."""
    found: list[Source] = []
    pending = [src]
    while pending:  # iterative: a folder tree may be deeper than the recursion limit
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.append(Source(folder.relative_to(src).as_posix(), problem=f"cannot list the folder: {exc.strerror}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            relative = path.relative_to(src).as_posix()
            if entry.is_symlink():
                if entry.name.endswith(".md") or os.path.isdir(path):
                    target = os.readlink(path)
                    found.append(Source(relative, problem=f"a symbolic link (to '{target}'): not followed", link=True))
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                pending.append(path)
            elif stat.S_ISREG(mode) and entry.name.endswith(".md"):
                found.append(read_source(path, relative))
    return sorted(found, key=lambda source: PurePosixPath(source.path).parts)


def read_source(file: Path, relative: str) -> Source:
    """One file, read without following a symbolic link."""
    try:
        descriptor = os.open(file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return Source(relative, problem=f"cannot be read: {exc.strerror or exc}")
    return decode(relative, data)


def decode(relative: str, data: bytes) -> Source:
    """The file's text, or why it is left alone: only UTF-8 text is changed (a BOM is kept)."""
    if len(data) > MAX_FILE_BYTES:
        return Source(relative, problem=f"larger than {MAX_FILE_BYTES} bytes: left alone")
    if b"\0" in data:
        return Source(relative, problem="holds a NUL byte: it is not text")
    bom = data.startswith(codecs.BOM_UTF8)
    start = len(codecs.BOM_UTF8) if bom else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = data[:offset].count(b"\n") + 1
        return Source(
            relative,
            problem=f"not UTF-8 text (byte 0x{data[offset]:02x} on line {line}): save it as UTF-8 and import it again",
        )
    return Source(relative, text, bom)


# -- reading the mapping -----------------------------------------------------------------------------------


def parse_mapping(
    text: str, display: str, *, markdown: bool, folder: PurePath, src: PurePath
) -> tuple[list[Row], list[Unused]]:
    """The rows of a mapping file (CSV, or the tables of a Markdown file), and the parts not read.

    `folder` is the mapping file's folder and `src` the folder imported (both absolute): a link in a
    Markdown table is read relative to the mapping file, or else relative to `src`.
    """
    if markdown:
        return _markdown_rows(text, display, folder, src)
    return _csv_rows(text, display), []


def _csv_rows(text: str, display: str) -> list[Row]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = None
    for candidate in (",", ";", "\t"):
        header = {cell.strip().lower() for cell in next(csv.reader([first], delimiter=candidate), [])}
        if {"clause", "document"} <= header:
            delimiter = candidate
            break
    if delimiter is None:
        cells = max((next(csv.reader([first], delimiter=d), []) for d in (",", ";", "\t")), key=len)
        found = ", ".join(f"'{cell.strip()}'" for cell in cells if cell.strip()) or "nothing"
        raise MappingError(f"{display}: the first row must name the columns 'clause' and 'document' (it has {found}).")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        header_row: list[str] = []
        while not any(cell.strip() for cell in header_row):
            header_row = next(reader)
        columns: dict[str, int] = {}
        for index, name in enumerate(header_row):
            columns.setdefault(name.strip().lower(), index)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue

            def cell(name: str, cells: list[str] = cells) -> str:
                index = columns[name]
                return cells[index].strip() if index < len(cells) else ""

            document = cell("document")
            rows.append(Row(reader.line_num, cell("clause"), (Name(document, "cell"),) if document else ()))
    except csv.Error as exc:
        raise MappingError(f"{display}: line {reader.line_num}: not CSV ({exc}).") from None
    return rows


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_CLAUSE = re.compile(r"^(?:[A-Za-z]{1,3}\.?)?\d+(?:\.\d+)*$")
_CLAUSE_HEADER = re.compile(r"\b(clause|control|requirement|ref|id|no|annex)\b", re.I)
_NOT_CLAUSE_HEADER = re.compile(r"\b(version|revision|rev|date|edition|issue)\b", re.I)


def _markdown_rows(text: str, display: str, folder: PurePath, src: PurePath) -> tuple[list[Row], list[Unused]]:
    rows: list[Row] = []
    unused: list[Unused] = []
    tables = _tables(text)
    read = 0
    for line, header, body in tables:
        column = _clause_column(header, body)
        if column is None:
            unused.append(Unused(line, "", "a table without a column of clause ids: not read"))
            continue
        read += 1
        applicable = next((i for i, name in enumerate(header) if "applicab" in _plain_text(name).lower()), None)
        for number, cells in body:
            clause = _clause_word(cells[column]) if column < len(cells) else ""
            names: list[Name] = []
            for index, value in enumerate(cells):
                if index in (column, applicable):
                    continue
                for match in _LINK.finditer(value):
                    target = match.group(2)
                    if not target or target.startswith("#") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
                        continue
                    names.append(Name(target, "link", _link_paths(target, folder, src)))
                for match in REFERENCE.finditer(_LINK.sub(r"\1", value)):
                    names.append(Name(match.group(1), "word"))
            skip = ""
            if (
                applicable is not None
                and applicable < len(cells)
                and _plain_text(cells[applicable]).lower() in NOT_APPLICABLE
            ):
                skip = "marked not applicable: it claims nothing"
            rows.append(Row(number, clause, tuple(names), skip))
    if not read:
        raise MappingError(
            f"{display}: no table with a column of clause ids (such as '5.2' or 'A.5.1') was found"
            + (f" in its {len(tables)} table(s)." if tables else "; it holds no Markdown table.")
        )
    return rows, unused


def _tables(text: str) -> list[tuple[int, list[str], list[tuple[int, list[str]]]]]:
    """Every pipe table outside fenced code: (line of its header, header cells, [(line, cells)])."""
    lines = text.splitlines()
    tables = []
    fence = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1)[0] == fence[0]):
            fence = "" if fence else marker.group(1)
            index += 1
            continue
        if (
            not fence
            and "|" in line
            and index + 1 < len(lines)
            and _SEPARATOR.match(lines[index + 1])
            and "-" in lines[index + 1]
        ):
            header = _cells(line)
            body = []
            index += 2
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                body.append((index + 1, _cells(lines[index])))
                index += 1
            tables.append((index - len(body) - 1, header, body))
            continue
        index += 1
    return tables


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", text)]


def _plain_text(cell: str) -> str:
    """A cell without links' targets, emphasis and code marks."""
    return " ".join(re.sub(r"[*`]", "", _LINK.sub(r"\1", cell)).split())


def _clause_word(cell: str) -> str:
    words = _plain_text(cell).split()
    return words[0].strip("_").rstrip(":.,;)") if words else ""


def _clause_column(header: list[str], body: list[tuple[int, list[str]]]) -> int | None:
    """The column of clause ids: one whose cells are mostly ids and whose header says so ('Control',
    'Clause', 'Ref'); else one whose ids mostly have parts ('5.2', 'A.5.1'), so that a version or a row
    number column is not taken for one."""
    named: list[int] = []
    dotted: list[int] = []
    for column in range(len(header)):
        words = [_clause_word(cells[column]) for _, cells in body if column < len(cells) and cells[column].strip()]
        ids = [word for word in words if _CLAUSE.match(word)]
        if not words or 2 * len(ids) < len(words):
            continue
        title = _plain_text(header[column])
        if _CLAUSE_HEADER.search(title):
            named.append(column)
        elif not _NOT_CLAUSE_HEADER.search(title) and 2 * sum("." in word for word in ids) >= len(words):
            dotted.append(column)
    chosen = named or dotted
    return chosen[0] if chosen else None


def _link_paths(target: str, folder: PurePath, src: PurePath) -> tuple[str, ...]:
    """The files of `src` a link may mean: relative to the mapping file, else relative to `src`."""
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    found: list[str] = []
    for base in (folder, src):
        full = PurePath(os.path.normpath(os.path.join(base, path)))
        try:
            relative = full.relative_to(src).as_posix()
        except ValueError:
            continue
        if relative != "." and relative not in found:
            found.append(relative)
    return tuple(found)


# -- the plan ----------------------------------------------------------------------------------------------------


@dataclass
class _Doc:
    """A file being planned: its text in parts, and what the importer has found out about it."""

    source: Source
    root: Node | None  # the front matter's fields; None when the file has none
    opening: str
    fm: str
    closing: str
    body: str
    nl: str  # the file's line ending, for the lines written
    type: str = ""
    title: str = ""
    id: str = ""
    problem: str = ""  # set when the file must be left as it is
    mapped: list[str] = field(default_factory=list)  # clauses the mapping gives it
    named: bool = False  # a row of the mapping names it

    @property
    def fields(self) -> dict[str, Node]:
        return self.root.value if self.root is not None else {}


def plan_import(
    sources: Sequence[Source],
    defaults: Defaults,
    schema: Schema,
    *,
    folder_name: str = "",
    catalogue: Catalogue | None = None,
    rows: Sequence[Row] | None = None,
    mapping: str | None = None,
    unused: Sequence[Unused] = (),
    known_ids: Iterable[str] = (),
) -> Plan:
    """What importing `sources` would do.

    `folder_name` is the imported folder's own name (a folder called `policies` makes policies);
    `catalogue` and `rows` are the mapping's standard and rows; `known_ids` are ids used elsewhere in
    the project, which new ids avoid.
    """
    plans: dict[str, FilePlan] = {}
    docs: list[_Doc] = []
    for source in sources:
        if source.text is None:
            plans[source.path] = FilePlan(source.path, "keep", source.problem, link=source.link)
        else:
            docs.append(_split(source))
    used = set(known_ids)
    for doc in docs:
        if doc.problem:  # its YAML cannot be read, but the id a person gave it is still theirs
            used.update(_ID_LINE.findall(doc.fm))
        else:
            if "id" in doc.fields and doc.fields["id"].text():
                used.add(doc.fields["id"].text())
            _describe(doc, defaults, schema, folder_name)
    _assign_ids([doc for doc in docs if not doc.problem], defaults.id_pattern, used)
    plan = Plan([], mapping=mapping, standard=catalogue.key if catalogue is not None else None)
    if rows is not None and catalogue is not None:
        plan.unused.extend(unused)
        _map(docs, [s.path for s in sources if not s.link], rows, catalogue, plan)
    order = {clause.id: index for index, (clause, _) in enumerate(catalogue.walk())} if catalogue else {}
    for doc in docs:
        plans[doc.source.path] = _file_plan(doc, defaults, schema, plan.standard, order)
    plan.files = [plans[source.path] for source in sources]
    plan.unused.sort(key=lambda row: row.line)
    _duplicate_ids(plan.files, docs)
    if rows is not None:
        by_path = {doc.source.path: doc for doc in docs}
        for file in plan.files:
            mapped = by_path.get(file.path)
            failed = file.action == "keep" and file.reason != NOTHING_TO_ADD
            if file.link or (mapped is not None and mapped.mapped and not failed):
                continue
            if failed:
                why = f"left as it was: {file.reason}"
            elif mapped is not None and mapped.named:
                why = "only rows that were not used name it"
            else:
                why = "no row of the mapping names it"
            plan.unmapped.append((file.path, why))
    return plan


_ID_LINE = re.compile(r"^id:[ \t]*[\"']?([A-Za-z][A-Za-z0-9_.-]*)", re.M)


def _split(source: Source) -> _Doc:
    """The file in parts: its front matter block (if any) and its body, exactly as written."""
    text = source.text or ""
    ending = re.search(r"\r\n|\n|\r", text)
    nl = ending.group(0) if ending else "\n"
    if not text.startswith("---"):
        return _Doc(source, None, f"---{nl}", "", f"---{nl}", text, nl)
    parts = split_front_matter(text)
    if parts is None:
        doc = _Doc(source, None, "", "", "", text, nl)
        doc.problem = "it starts with '---' but its front matter is never closed"
        return doc
    lines = text.splitlines(keepends=True)
    closing = next(line for line in lines[1:] if line.rstrip() in ("---", "..."))  # as split_front_matter finds it
    doc = _Doc(source, None, lines[0], parts[0], closing, parts[1], nl)
    try:
        root = parse(parts[0], first_line=2)
    except YamlSyntaxError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        doc.problem = f"its front matter is {exc.message}{where}"
        return doc
    if root is None:
        root = Node({}, 2)  # an empty block: every key is filled in
    if not root.is_mapping:
        doc.problem = "its front matter is not a mapping of fields"
        return doc
    doc.root = root
    return doc


def _describe(doc: _Doc, defaults: Defaults, schema: Schema, folder_name: str) -> None:
    fields = doc.fields
    path = PurePosixPath(doc.source.path)
    # A value given is kept (even one the build refuses); a missing one is found from the file.
    doc.type = (fields["type"].text() if "type" in fields else "") or (
        _folder_type(path, folder_name, schema.types) or defaults.type
    )
    if "title" in fields:
        doc.title = fields["title"].text()
    else:
        doc.title = heading_title(doc.body) or title_from_name(path.stem)
    doc.id = fields["id"].text() if "id" in fields else ""


def _folder_type(path: PurePosixPath, folder_name: str, types: Sequence[str]) -> str | None:
    for part in reversed([folder_name, *path.parts[:-1]]):
        kind = FOLDER_TYPES.get(part.lower())
        if kind is not None and kind in types:
            return kind
    return None


def _assign_ids(docs: list[_Doc], pattern: str, used: set[str]) -> None:
    """New ids, counted per prefix in path order, never one already used."""
    counted = "n" in {name for _, name, _, _ in Formatter().parse(pattern)}
    counters: dict[str, int] = {}
    owners: dict[str, str] = {}
    for doc in docs:
        if "id" in doc.fields:
            continue
        prefix = PREFIXES.get(doc.type) or (re.sub(r"[^A-Za-z]", "", doc.type)[:3].upper() or "DOC")
        stem = re.sub(r"[^A-Za-z0-9_.-]", "-", PurePosixPath(doc.source.path).stem).upper()
        number = counters.get(prefix, 0)
        while True:
            number += 1
            candidate = pattern.format(prefix=prefix, n=number, stem=stem)
            if candidate not in used or not counted or number >= MAX_NUMBER:
                break
        counters[prefix] = number
        if candidate in used:
            other = owners.get(candidate, "another document")
            doc.problem = f"its id would be '{candidate}', which {other} already has"
            doc.problem += "" if counted else "; put {n} in --id-pattern"
        elif not ID_PATTERN.match(candidate):
            doc.problem = (
                f"its id would be '{candidate}', which is no valid id (a letter, then letters, digits, '.', '_', '-')"
            )
        else:
            doc.id = candidate
            used.add(candidate)
            owners[candidate] = doc.source.path


def _map(docs: list[_Doc], paths: list[str], rows: Sequence[Row], catalogue: Catalogue, plan: Plan) -> None:
    """The mapping's clauses onto the documents it names; every row not used is reported."""
    by_path = {doc.source.path: doc for doc in docs}
    by_id: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    for doc in docs:
        if not doc.problem:
            by_id.setdefault(doc.id, []).append(doc.source.path)
            by_title.setdefault(_fold(doc.title), []).append(doc.source.path)
    folded_ids = {_fold(doc_id): found for doc_id, found in by_id.items()}
    known = set(paths)
    for row in rows:
        plan.rows += 1
        clause = row.clause

        def unused(reason: str, row: Row = row) -> None:
            plan.unused.append(Unused(row.line, row.clause, reason))

        if row.skip:
            unused(row.skip)
            continue
        targets: list[str] = []
        missing: list[str] = []
        for name in row.names:
            found, problem = _resolve(name, known, by_id, folded_ids, by_title)
            targets.extend(path for path in found if path not in targets)
            if problem:
                missing.append(problem)
        for path in targets:
            if path in by_path:
                by_path[path].named = True
        if not clause:
            unused("no clause id in the row")
            continue
        if clause not in catalogue:
            hint = did_you_mean(clause, catalogue.clauses) or f"See {catalogue.path} for the clause ids."
            unused(f"not a clause of {catalogue.title}. {hint}")
            continue
        if not catalogue.is_leaf(clause):
            leaves = catalogue.leaves_under(clause)
            shown = ", ".join(leaves[:3]) + (", ..." if len(leaves) > 3 else "")
            unused(f"has subclauses: documents claim the leaf clauses ({len(leaves)}: {shown}); nothing added")
            continue
        if not targets:
            unused(
                f"names no document of the folder ({'; '.join(missing) or 'no path, link, id or title of a document in the row'})"
            )
            continue
        for path in targets:
            target = by_path.get(path)
            if target is None or target.problem:
                unused(f"names {path}, which is left as it was")
            elif clause not in target.mapped:
                target.mapped.append(clause)
        for problem in missing:
            unused(f"used, but {problem}")


def _resolve(
    name: Name,
    known: set[str],
    by_id: Mapping[str, list[str]],
    folded_ids: Mapping[str, list[str]],
    by_title: Mapping[str, list[str]],
) -> tuple[list[str], str]:
    """The files a name means, or why it means none."""
    if name.kind == "link":
        for path in name.paths:
            if path in known:
                return [path], ""
        return [], f"the link '{name.text}' leads to no Markdown file of the folder"
    if name.kind == "word":
        return list(by_id.get(name.text, [])), ""  # any text may hold id-like words: only known ids count

    def lookup(text: str) -> list[str]:
        text = text.strip().strip("`").strip()
        path = posixpath.normpath(text.replace("\\", "/")) if text else ""
        for candidate in (path, f"{path}.md"):
            if candidate in known:
                return [candidate]
        return list(by_id.get(text) or folded_ids.get(_fold(text)) or by_title.get(_fold(text)) or [])

    found = lookup(name.text)
    parts = [part for part in re.split(r"[;\n]+", name.text) if part.strip()]
    if not found and len(parts) > 1:  # several documents in one cell
        found, missing = [], []
        for part in parts:
            matches = lookup(part)
            if len(matches) == 1:
                found.extend(matches)
            else:
                missing.append(part.strip())
        if missing:
            return found, "; ".join(_unknown(text) for text in missing)
        return found, ""
    if len(found) > 1:
        return [], f"the title '{name.text}' names {len(found)} documents ({', '.join(found)})"
    return found, "" if found else _unknown(name.text)


def _unknown(text: str) -> str:
    return f"'{text.strip()}' is no path, id or title of a document of the folder"


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _file_plan(doc: _Doc, defaults: Defaults, schema: Schema, standard: str | None, order: dict[str, int]) -> FilePlan:
    path = doc.source.path
    if doc.problem:
        return FilePlan(path, "keep", doc.problem)
    original = _bytes(doc.source, doc.source.text or "")
    clauses = sorted(doc.mapped, key=lambda clause: order.get(clause, len(order)))
    composed = _compose(doc, defaults, standard, clauses)
    if isinstance(composed, str):
        return FilePlan(path, "keep", composed, doc.id, original=original)
    block, added, moved, new_clauses, notes = composed
    if block is None:  # nothing to add: the file stays as it is
        plan = FilePlan(path, "keep", NOTHING_TO_ADD, doc.id, original=original, notes=notes)
        root = doc.root
    else:
        text = doc.opening + block + doc.closing + doc.body
        action: Action = "add" if doc.root is None else "change"
        plan = FilePlan(path, action, "", doc.id, block, original, _bytes(doc.source, text), added, moved)
        plan.clauses, plan.notes = new_clauses, notes
        root = parse(block, first_line=2)
    assert root is not None
    _, problems = document_from(root, path, path, schema)
    plan.refused = [problem for problem in problems if not _about_record_fields(problem)]
    plan.record_needs = _record_needs(root)
    return plan


def _bytes(source: Source, text: str) -> bytes:
    return (codecs.BOM_UTF8 if source.bom else b"") + text.encode("utf-8")


def _about_record_fields(problem: Diagnostic) -> bool:
    """Problems the records section of the report already states (a missing block or field)."""
    return problem.code == codes.RECORD_CONTROL_MISSING.name or (
        problem.code == codes.RECORD_CONTROL.name and problem.message.endswith("is missing or empty.")
    )


def _record_needs(root: Node) -> tuple[str, ...]:
    fields = root.value
    if "type" not in fields or fields["type"].text() != "record":
        return ()
    record = fields.get("record")
    if record is None or record.value is None:
        return RECORD_NEEDS
    if not record.is_mapping:
        return ()  # reported among the values the build would refuse
    needs = [key for key in RECORD_KEYS if key not in record.value or not record.value[key].text()]
    if "as_at" not in record.value and "period" not in record.value:
        needs.append("as_at")
    return tuple(needs)


_Composed = tuple[str | None, list[str], list[tuple[str, str]], list[str], list[str]]


def _compose(doc: _Doc, defaults: Defaults, standard: str | None, clauses: list[str]) -> _Composed | str:
    """(the new front matter block or None when nothing changes, keys added, keys moved, clauses added,
    notes), or why the file is left as it was."""
    fields = doc.fields
    notes: list[str] = []
    satisfies: dict[str, list[str]] | None = None
    new_clauses: list[str] = []
    if clauses and standard is not None:
        merged = _merge_claims(fields.get("satisfies"), standard, clauses, notes)
        if isinstance(merged, str):
            return f"{merged}, so the mapping's clauses ({', '.join(clauses)}) cannot be added"
        satisfies, new_clauses = merged
        if not new_clauses:
            satisfies = None
            notes.append(f"already claims every clause the mapping gives it ({', '.join(clauses)})")
    unknown = [key for key in fields if key not in KNOWN_KEYS]
    missing = [key for key in REQUIRED_KEYS if key not in fields]
    if not unknown and not missing and satisfies is None:
        return None, [], [], [], notes
    extra = fields.get("extra")
    if unknown and extra is not None and extra.value is not None:
        if not extra.is_mapping:
            return f"its 'extra' is not a mapping, so the keys it does not understand ({', '.join(unknown)}) cannot move under it"
        clash = [key for key in unknown if key in extra.value]
        if clash:
            return f"'{clash[0]}' is both a field and a key of its 'extra': keep one"
    values = {
        "id": doc.id,
        "title": doc.title,
        "type": doc.type,
        "owner": defaults.owner,
        "approver": defaults.approver,
        "status": defaults.status,
        "review_interval": defaults.review_interval,
        "classification": defaults.classification,
    }
    keys = [*REQUIRED_KEYS, *(key for key in fields if key in KNOWN_KEYS and key not in REQUIRED_KEYS)]
    if unknown and "extra" not in keys:
        keys.append("extra")
    expected: dict[str, object] = {}
    for key in keys:
        if key == "satisfies" and satisfies is not None:
            expected[key] = satisfies
        elif key == "extra" and unknown:
            existing = extra.plain() if extra is not None and extra.is_mapping else {}
            expected[key] = {**existing, **{name: fields[name].plain() for name in unknown}}
        elif key in fields:
            expected[key] = fields[key].plain()
        else:
            expected[key] = {} if key == "satisfies" else values[key]
    segments = _segments(doc.fm, doc.root) if doc.root is not None and fields else None
    for reuse in (True, False):
        if reuse and segments is None:
            continue
        lines = _lines(doc, keys, values, satisfies, unknown, segments if reuse else None)
        block = "".join(lines)
        if _reads_as(block, keys, expected):
            moved = [(key, did_you_mean(key, KNOWN_KEYS)) for key in unknown]
            return block, missing, moved, new_clauses, notes
    return "its front matter cannot be rewritten so that every value reads the same: add the keys by hand"


def _merge_claims(
    node: Node | None, standard: str, clauses: list[str], notes: list[str]
) -> tuple[dict[str, list[str]], list[str]] | str:
    """The `satisfies` mapping as written with the mapping's clauses added, and the clauses new to it."""
    merged: dict[str, list[str]] = {}
    if node is not None and node.value is not None:
        if not node.is_mapping:
            return "its 'satisfies' is not a mapping of standards to clause ids"
        for key, value in node.value.items():
            items = [] if value.value is None else value.value if value.is_sequence else [value]
            texts = []
            for item in items:
                if item.is_mapping or item.is_sequence or item.value is None:
                    return f"its 'satisfies' under '{key}' is not a list of clause ids"
                if isinstance(item.value, str):
                    texts.append(item.value.strip())
                else:  # YAML read `5.10` as 5.1: the text written is the clause meant
                    texts.append(item.raw)
                    notes.append(f"clause {item.raw} under '{key}' was written as a number; it is now quoted")
            merged[key] = texts
    current = merged.setdefault(standard, [])
    new = [clause for clause in clauses if clause not in current]
    current.extend(new)
    return merged, new


def _lines(
    doc: _Doc,
    keys: list[str],
    values: Mapping[str, str],
    satisfies: Mapping[str, list[str]] | None,
    unknown: list[str],
    segments: tuple[list[str], dict[str, tuple[list[str], list[str]]]] | None,
) -> list[str]:
    """The new block's lines: the original lines of every key kept (when `segments` is given), else each
    value written afresh; the keys the build does not understand under `extra`."""
    nl = doc.nl
    fields = doc.fields
    lines: list[str] = list(segments[0]) if segments else []
    for key in keys:
        if key == "satisfies" and satisfies is not None:
            lead = segments[1][key][0] if segments and key in segments[1] else []
            lines.extend(lead + _claims_lines(satisfies, nl))
        elif key == "extra" and unknown:
            lines.extend(_extra_lines(doc, unknown, segments))
        elif key in fields:
            if segments:
                lead, own = segments[1][key]
                lines.extend(lead + own)
            else:
                lines.append(_entry(key, fields[key], nl))
        elif key == "satisfies":
            lines.append(f"satisfies: {{}}{nl}")
        else:
            lines.append(f"{key}: {_string(values[key])}{nl}")
    return lines


def _extra_lines(
    doc: _Doc, unknown: list[str], segments: tuple[list[str], dict[str, tuple[list[str], list[str]]]] | None
) -> list[str]:
    nl = doc.nl
    fields = doc.fields
    extra = fields.get("extra")
    lead: list[str] = []
    header = f"extra:{nl}"
    children: list[str] = []
    indent = 2
    if segments and extra is not None:
        lead, own = segments[1]["extra"]
        assert doc.root is not None
        first = min(extra.key_lines.values(), default=0) - doc.root.key_lines["extra"]
        # A block mapping: keep its lines, and put the moved keys below them at its indentation.
        if extra.is_mapping and 0 < first < len(own):
            indent = len(own[first]) - len(own[first].lstrip(" "))
            header, children = own[0], own[1:]
    if not children and extra is not None and extra.is_mapping:
        children = [_entry(key, node, nl, indent) for key, node in extra.value.items()]
    for key in unknown:
        if segments:
            moved_lead, own = segments[1][key]
            children.extend(" " * indent + line if line.strip() else line for line in moved_lead + own)
        else:
            children.append(_entry(key, fields[key], nl, indent))
    return [*lead, header, *children]


def _segments(fm: str, root: Node) -> tuple[list[str], dict[str, tuple[list[str], list[str]]]] | None:
    """The lines before the first key, and each top-level key's (comment lines above it, its own lines),
    or None when the block is not one key per line at the start of a line (a flow mapping)."""
    lines = re.findall(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029])|[^\r\n\x85\u2028\u2029]+$", fm)
    starts = sorted((line - 2, key) for key, line in root.key_lines.items())
    indexes = [index for index, _ in starts]
    if len(set(indexes)) != len(indexes) or any(
        not 0 <= index < len(lines) or lines[index][:1] in ("", " ", "\t", "{", "[", "-", "#", "?") for index in indexes
    ):
        return None
    own: dict[str, list[str]] = {}
    for (start, key), end in zip(starts, [*indexes[1:], len(lines)], strict=True):
        own[key] = lines[start:end]
    segments: dict[str, tuple[list[str], list[str]]] = {}
    carried: list[str] = []  # comment and blank lines just above a key belong to it, not to the value before
    for _, key in starts:
        part = own[key]
        cut = len(part)
        while cut > 1 and (not part[cut - 1].strip() or part[cut - 1].startswith("#")):
            cut -= 1
        segments[key] = (carried, part[:cut])
        carried = part[cut:]
    if carried:
        last = starts[-1][1]
        segments[last] = (segments[last][0], segments[last][1] + carried)
    return lines[: indexes[0]], segments


def _reads_as(block: str, keys: list[str], expected: Mapping[str, object]) -> bool:
    """Whether the block is YAML whose keys and values are exactly those intended."""
    try:
        root = parse(block, first_line=2)
    except YamlSyntaxError:
        return False
    return root is not None and root.is_mapping and list(root.value) == keys and root.plain() == expected


def _duplicate_ids(files: list[FilePlan], docs: list[_Doc]) -> None:
    first: dict[str, str] = {}
    lines = {doc.source.path: doc.fields["id"].line for doc in docs if "id" in doc.fields}
    for file in files:
        if not file.doc_id:
            continue
        if file.doc_id in first:
            file.refused.append(
                codes.DOCUMENT_ID_DUPLICATE(
                    f"document id '{file.doc_id}' is also used by {first[file.doc_id]}.",
                    file.path,
                    lines.get(file.path),
                    "Give each document its own id.",
                )
            )
        else:
            first[file.doc_id] = file.path


# -- titles -----------------------------------------------------------------------------------------------------

_SMALL_WORDS = ("a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with")
_ATX = re.compile(r"^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}=+[ \t]*$")


def heading_title(body: str) -> str:
    """The text of the first level-1 heading (`# Title`, or a title underlined with '='), outside code."""
    previous = ""
    fence = ""
    for line in body.splitlines():
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1)[0] == fence[0]):
            fence = "" if fence else marker.group(1)
            previous = ""
            continue
        if fence:
            continue
        atx = _ATX.match(line)
        if atx:
            title = _clean_heading(atx.group(1))
            if title:
                return title
        elif _SETEXT.match(line) and previous.strip() and not previous.startswith(("    ", "\t")):
            title = _clean_heading(previous)
            if title:
                return title
        previous = line
    return ""


def _clean_heading(text: str) -> str:
    text = re.sub(r"\s*\{[#.][^}]*\}\s*$", "", text)  # an attribute list: {#anchor .class}
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return " ".join(text.split())


def title_from_name(stem: str) -> str:
    """A title from a file name: 'access-control_policy' -> 'Access Control Policy'."""
    words = [word for word in re.split(r"[\s_-]+", stem) if word]
    return (
        " ".join(
            word if index and word in _SMALL_WORDS else word[:1].upper() + word[1:] for index, word in enumerate(words)
        )
        or stem
    )


# -- YAML written ------------------------------------------------------------------------------------------------

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_CHARACTERS = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+")
_INDICATORS = "-?:,[]{}#&*!|>'\"%@`"


def _entry(key: str, node: Node, nl: str, indent: int = 0) -> str:
    """One `key: value` line, the value written afresh (a flow collection for a list or a mapping)."""
    value = _string(node.value) if isinstance(node.value, str) else _flow(node)
    return f"{' ' * indent}{_string(key, key=True)}: {value}{nl}"


def _claims_lines(claims: Mapping[str, list[str]], nl: str) -> list[str]:
    if not claims:
        return [f"satisfies: {{}}{nl}"]
    # Clause ids are always quoted: YAML reads `5.10` as the number 5.1.
    return [f"satisfies:{nl}"] + [
        f"  {_string(standard, key=True)}: [{', '.join(_quoted(clause) for clause in clauses)}]{nl}"
        for standard, clauses in claims.items()
    ]


def _flow(node: Node) -> str:
    if node.is_mapping:
        items = (f"{_string(key, key=True, flow=True)}: {_flow(value)}" for key, value in node.value.items())
        return "{" + ", ".join(items) + "}"
    if node.is_sequence:
        return "[" + ", ".join(_flow(item) for item in node.value) + "]"
    if isinstance(node.value, str):
        return _string(node.value, flow=True)
    return _scalar(node)


def _scalar(node: Node) -> str:
    """A number, date, true/false or null: as written when that reads the same, else as YAML writes it."""
    raw = node.raw.strip()
    if raw and _PLAIN_CHARACTERS.fullmatch(raw) and not any(c in raw for c in ",[]{}#"):
        try:
            loaded = yaml.load(f"x: {raw}", Loader=_LOADER)
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict) and type(loaded.get("x")) is type(node.value) and loaded["x"] == node.value:
            return raw
    written: str = yaml.safe_dump(node.value, default_flow_style=True, width=1_000_000)
    return written.removesuffix("\n").removesuffix("\n...").strip()


def _string(text: str, *, key: bool = False, flow: bool = False) -> str:
    """Text as YAML reads it back: plain when that is safe, else double-quoted."""
    return text if _plain(text, key=key, flow=flow) else _quoted(text)


def _plain(text: str, *, key: bool, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _INDICATORS or not _PLAIN_CHARACTERS.fullmatch(text):
        return False
    if ": " in text or " #" in text or text.endswith(":") or (flow and any(c in text for c in ",[]{}")):
        return False
    probe = f"{text}: x" if key else f"x: {text}"  # 'yes', 'null', '5.10', '2026-01-31' are no text
    try:
        loaded = yaml.load(probe, Loader=_LOADER)
    except yaml.YAMLError:
        return False
    return bool(loaded == ({text: "x"} if key else {"x": text}))


def _quoted(text: str) -> str:
    """A double-quoted YAML string; anything YAML would not keep as written is escaped."""
    out = []
    for character in text:
        if character in '"\\':
            out.append("\\" + character)
        elif _PLAIN_CHARACTERS.fullmatch(character):
            out.append(character)
        else:
            code = ord(character)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def record_block_hint(needs: Sequence[str]) -> str:
    """What to add to a record's front matter, field by field (no values: the importer cannot know them)."""
    return "; ".join(f"{key} ({RECORD_HELP[key]})" for key in needs)
