"""Controlled documents: Markdown files whose YAML front matter says what they are and which
clauses they satisfy.

We parse front matter ourselves because MkDocs silently ignores invalid YAML, and a document that
vanishes from the traceability matrix is worse than a failed build.
"""

from __future__ import annotations

import datetime
import enum
import posixpath
import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import codes
from ..diagnostics import Diagnostic, did_you_mean, has_errors
from .catalogue import Catalogue, clause_id_text, unknown_standard
from .yamlfile import Node, YamlSyntaxError, parse, read_text, unknown_keys


class DocumentStatus(enum.StrEnum):
    """Where a document is in its life: only approved documents are in force."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


_STATUSES = tuple(s.value for s in DocumentStatus)
REQUIRED_KEYS = ("id", "title", "type", "owner", "approver", "status", "review_interval", "classification", "satisfies")
OPTIONAL_KEYS = ("record", "last_reviewed", "extra", "attachments", "provides", "location", "declares")
# Keys MkDocs and mkdocs-material read from front matter; allowed so that pages can still use them.
THEME_KEYS = ("hide", "template", "icon", "tags", "search", "description", "subtitle", "comments", "social")
RECORD_KEYS = ("produced_by", "retention", "location", "access")
RECORD_DATES = ("as_at", "period", "recurs")
RECURRENCE_WORDS = {
    "monthly": (1, "month"),
    "quarterly": (3, "month"),
    "half-yearly": (6, "month"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
    "weekly": (1, "week"),
}
# A reference to a controlled item in a body's text: POL-021, REC-001, R-IS-03, NC-2026-011, T-05.
REFERENCE = re.compile(r"(?<![\w./-])([A-Z]{1,6}(?:-[A-Z]{1,6})*(?:-\d{1,5})+)(?![\w/-])")
HIDE_VALUES = ("navigation", "toc", "footer", "feedback", "tags", "path")
_TEMPLATE = re.compile(r"^[A-Za-z0-9_-]+\.html$")
_ICON = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)+$")
_ATTACHMENT = re.compile(r"^[^\\:*?\"<>|\x00-\x1f]+$")
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
INTERVAL_PATTERN = re.compile(r"^(\d+)\s*(day|week|month|year)s?$")


@dataclass(frozen=True)
class Claim:
    """One document's claim to satisfy one clause of one standard."""

    standard: str
    clause: str
    line: int


@dataclass(frozen=True)
class ReviewInterval:
    """How often a document is reviewed: an amount of days, weeks, months or years."""

    amount: int
    unit: str  # day | week | month | year

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class RecordControl:
    """How a record is kept: what produced it, how long, where, and who may see it; when it was made and
    how often it must be made again."""

    produced_by: str
    retention: str
    location: str
    access: str
    line: int
    as_at: datetime.date | None = None  # the day of the activity it evidences (or the end of its period)
    period_from: datetime.date | None = None
    recurs: ReviewInterval | None = None  # e.g. every 3 months: a newer record is due after that


@dataclass(eq=False)
class Document:
    """One controlled document, as its front matter describes it."""

    id: str
    title: str
    type: str
    owner: str
    approver: str
    status: DocumentStatus
    review_interval: ReviewInterval
    classification: str
    claims: list[Claim]
    path: str  # as shown to people: relative to the project root
    src_uri: str  # where the page lives in the site
    lines: dict[str, int] = field(default_factory=dict)
    record: RecordControl | None = None
    last_reviewed: datetime.date | None = None
    attachments: tuple[str, ...] = ()  # files published with the document: site paths like its own
    links: tuple[tuple[str, int], ...] = ()  # relative links in the body (target, file line), code blocks skipped
    references: tuple[tuple[str, int], ...] = ()  # ids cited in the body (POL-021, R-IS-03), with their lines
    provides: tuple[str, ...] = ()  # mandatory documented information it is: "iso27001:2022/risk-treatment-plan"
    location: str = ""  # where the item is held when it is not this page's text (another tool)
    declares: tuple[str, ...] = ()  # register entries this document is the home of (risks, nonconformities)
    # The front matter as plain values and the text after it, parsed once: the site hands both to
    # MkDocs, which would otherwise parse every front matter again with PyYAML's pure-Python loader.
    meta: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    body: str = field(default="", repr=False, compare=False)

    @property
    def counts_for_coverage(self) -> bool:
        # Drafts are not yet in force and retired documents no longer are.
        return self.status is DocumentStatus.APPROVED

    def claimed(self, standard: str) -> list[str]:
        return [c.clause for c in self.claims if c.standard == standard]


@dataclass(frozen=True)
class Schema:
    """The values an organisation allows in front matter."""

    types: tuple[str, ...]
    classifications: tuple[str, ...]
    unclaimed_types: tuple[str, ...] = ()  # types that may leave out `satisfies` (templates, forms)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line of the body's first line), or None when the file has none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return None


# Documents already read, by their text and place: `mkdocs serve` rebuilds and `imsdocs diff`'s two
# trees parse only what changed. Bounded; a Document is not changed once read.
_READ: dict[tuple[str, str, str, Schema], tuple[Document | None, tuple[Diagnostic, ...]]] = {}
_READ_MAX = 8192


def read_document(file: Path, path: str, src_uri: str, schema: Schema) -> tuple[Document | None, list[Diagnostic]]:
    """Read one document's front matter. Returns None (with errors) when it cannot be used."""
    text, problems = read_text(file, path, "the document")
    if text is None:
        return None, problems
    key = (text, path, src_uri, schema)
    if key not in _READ:
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        read, problems = document_from_text(text, path, src_uri, schema)
        _READ[key] = read, tuple(problems)
    document, known = _READ[key]
    return document, list(known)


def document_from_text(text: str, path: str, src_uri: str, schema: Schema) -> tuple[Document | None, list[Diagnostic]]:
    """A document from the text of its file (front matter and body)."""
    if not text.startswith("---"):
        return None, [
            codes.FRONT_MATTER_MISSING(
                "the document has no front matter.",
                path,
                1,
                "Start the file with a '---' line, the YAML fields (id, title, type, ...), and another '---' line.",
            )
        ]
    parts = split_front_matter(text)
    if parts is None:
        return None, [
            codes.FRONT_MATTER_UNCLOSED("the front matter is never closed.", path, 1, "End it with a '---' line.")
        ]
    try:
        root = parse(parts[0], first_line=2)
    except YamlSyntaxError as exc:
        if exc.code is not codes.YAML_SYNTAX:
            return None, [exc.code(f"front matter: {exc.message}", path, exc.line)]
        return None, [codes.YAML_SYNTAX(f"front matter is {exc.message}", path, exc.line, "Fix the YAML syntax.")]
    if root is None or not root.is_mapping:
        return None, [codes.FRONT_MATTER_SHAPE("front matter must be a mapping of fields.", path, 2)]
    document, problems = document_from(root, path, src_uri, schema)
    if document is not None:
        document.links = tuple(body_links(parts[1], parts[2]))
        document.references = tuple(body_references(parts[1], parts[2]))
        document.meta = root.plain()
        document.body = parts[1]
    return document, problems


_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def _outside_fences(body: str, first_line: int) -> list[tuple[int, str]]:
    """The lines of a Markdown body that are not in fenced code, with their file line numbers."""
    found = []
    fence = ""
    for number, line in enumerate(body.split("\n"), start=first_line):
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1)[0] == fence[0]):
            fence = "" if fence else marker.group(1)
            continue
        if not fence:
            found.append((number, line))
    return found


def body_references(body: str, first_line: int) -> list[tuple[str, int]]:
    """Ids of the form POL-021, R-IS-03, NC-2026-011 cited in the body's text (not in code)."""
    return [
        (match.group(1), number)
        for number, line in _outside_fences(body, first_line)
        for match in REFERENCE.finditer(re.sub(r"`[^`]*`", "", line))  # inline code is no reference either
    ]


def body_links(body: str, first_line: int) -> list[tuple[str, int]]:
    """Relative link targets of a Markdown body with their file lines (not in fenced code, not URLs)."""
    found = []
    for number, line in _outside_fences(body, first_line):
        for match in _LINK.finditer(line):
            target = match.group(1)
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) and not target.startswith(("#", "/")):
                found.append((target, number))
    return found


def document_from(root: Node, path: str, src_uri: str, schema: Schema) -> tuple[Document | None, list[Diagnostic]]:
    """A document from its fields (front matter, or the SoA's `document:` block), and the problems with them."""
    problems: list[Diagnostic] = []
    fields = root.value
    known = REQUIRED_KEYS + OPTIONAL_KEYS + THEME_KEYS
    for key, line in root.key_lines.items():
        if key not in known:
            problems.append(
                codes.FRONT_MATTER_KEY(
                    f"unknown field '{key}'.",
                    path,
                    line,
                    did_you_mean(key, known) or "Put organisation-specific fields under 'extra:'.",
                )
            )
    unclaimed = "type" in fields and fields["type"].text() in schema.unclaimed_types
    for key in REQUIRED_KEYS:
        if key not in fields and not (key == "satisfies" and unclaimed):
            problems.append(
                codes.FRONT_MATTER_MISSING_KEY(
                    f"missing required field '{key}'.",
                    path,
                    root.line,
                    "A document that serves no clause says so: 'satisfies: {}'." if key == "satisfies" else None,
                )
            )
    if problems:
        return None, problems

    def text(key: str) -> str:
        node: Node = fields[key]
        if not node.text():
            problems.append(codes.FRONT_MATTER_VALUE(f"'{key}' must be non-empty text.", path, node.line))
        return node.text()

    def choice(key: str, allowed: Iterable[str]) -> str:
        value = text(key)
        allowed = tuple(allowed)
        if value and value not in allowed:
            problems.append(
                codes.FRONT_MATTER_VALUE(
                    f"'{key}' is '{value}', which is not one of: {', '.join(allowed)}.",
                    path,
                    fields[key].line,
                    did_you_mean(value, allowed),
                )
            )
        return value

    doc_id = text("id")
    if doc_id and not ID_PATTERN.match(doc_id):
        problems.append(
            codes.FRONT_MATTER_VALUE(
                f"document id '{doc_id}' may contain only letters, digits, '.', '_' and '-'.",
                path,
                fields["id"].line,
            )
        )
    title = text("title")
    if "\n" in title:
        problems.append(codes.FRONT_MATTER_VALUE("'title' must be on one line.", path, fields["title"].line))
    status = choice("status", _STATUSES)
    document = Document(
        id=doc_id,
        title=title,
        type=choice("type", schema.types),
        owner=text("owner"),
        approver=text("approver"),
        status=DocumentStatus(status) if status in _STATUSES else DocumentStatus.DRAFT,  # else an error above
        review_interval=_interval(fields["review_interval"], path, problems),
        classification=choice("classification", schema.classifications),
        claims=_claims(fields["satisfies"], path, problems) if "satisfies" in fields else [],
        path=path,
        src_uri=src_uri,
        lines=dict(root.key_lines),
        record=_record(fields.get("record"), path, problems),
        last_reviewed=_date(fields.get("last_reviewed"), path, problems),
        attachments=_attachments(fields.get("attachments"), path, problems),
        provides=_texts(fields.get("provides"), "provides", path, problems),
        location=fields["location"].text() if "location" in fields else "",
        declares=_texts(fields.get("declares"), "declares", path, problems),
    )
    _theme_keys(fields, path, problems)
    if document.type == "record" and document.record is None:
        problems.append(
            codes.RECORD_CONTROL_MISSING(
                "a record needs a 'record:' block.",
                path,
                root.line,
                "Add record: {produced_by: <procedure id>, retention: ..., location: ..., access: ...}.",
            )
        )
    return (None if has_errors(problems) else document), problems


def _interval(node: Node, path: str, problems: list[Diagnostic]) -> ReviewInterval:
    match = INTERVAL_PATTERN.match(node.text()) if isinstance(node.value, str) else None
    if match is None or int(match.group(1)) == 0:
        problems.append(
            codes.FRONT_MATTER_VALUE(
                f"review_interval {node.raw!r} is not a period.",
                path,
                node.line,
                "Write a number and a unit, e.g. '12 months', '2 years', '90 days'.",
            )
        )
        return ReviewInterval(12, "month")
    return ReviewInterval(int(match.group(1)), match.group(2))


def _date(node: Node | None, path: str, problems: list[Diagnostic], key: str = "last_reviewed") -> datetime.date | None:
    if node is None or node.value is None:
        return None
    if isinstance(node.value, datetime.date) and not isinstance(node.value, datetime.datetime):
        return node.value
    problems.append(
        codes.FRONT_MATTER_VALUE(f"'{key}' {node.raw!r} is not a date.", path, node.line, "Write YYYY-MM-DD.")
    )
    return None


def _claims(node: Node, path: str, problems: list[Diagnostic]) -> list[Claim]:
    if node.value is None:
        return []
    if not node.is_mapping:
        problems.append(
            codes.SATISFIES_SHAPE(
                "'satisfies' must map a standard to a list of clause IDs.",
                path,
                node.line,
                'For example: satisfies: {"iso27001:2022": ["5.2", "A.5.1"]}.',
            )
        )
        return []
    claims = []
    for standard, clauses in node.value.items():
        line = node.key_lines[standard]
        if clauses.value is None:
            continue
        items = clauses.value if clauses.is_sequence else [clauses]
        for item in items:
            clause_id, problem = clause_id_text(item, path, f"clause ID under '{standard}'")
            if problem:
                problems.append(problem)
            elif clause_id is not None:
                claims.append(Claim(standard, clause_id, item.line if item.line else line))
    return claims


def _texts(node: Node | None, key: str, path: str, problems: list[Diagnostic]) -> tuple[str, ...]:
    if node is None or node.value is None:
        return ()
    items = node.value if node.is_sequence else [node]
    if not all(item.text() for item in items):
        problems.append(codes.FRONT_MATTER_VALUE(f"'{key}' must be a list of texts.", path, node.line))
        return ()
    return tuple(item.text() for item in items)


def _attachments(node: Node | None, path: str, problems: list[Diagnostic]) -> tuple[str, ...]:
    """Attachment names, relative to the document's folder, as site paths; never outside the folder tree."""
    if node is None or node.value is None:
        return ()
    if not node.is_sequence:
        problems.append(
            codes.FRONT_MATTER_VALUE(
                "'attachments' must be a list of file names.", path, node.line, "attachments: [diagram.png]"
            )
        )
        return ()
    folder = posixpath.dirname(path)
    found = []
    for item in node.value:
        name = item.text()
        parts = name.replace("\\", "/").split("/")
        if not name or not _ATTACHMENT.match(name) or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            problems.append(
                codes.FRONT_MATTER_VALUE(
                    f"attachment {item.raw!r} must be a file name beside the document (or in a folder below it).",
                    path,
                    item.line,
                )
            )
            continue
        found.append(posixpath.join(folder, "/".join(parts)) if folder else "/".join(parts))
    return tuple(found)


def _theme_keys(fields: dict[str, Node], path: str, problems: list[Diagnostic]) -> None:
    """The keys MkDocs and Material read from front matter, held to values the theme renders safely."""

    def bad(key: str, expected: str) -> None:
        problems.append(codes.FRONT_MATTER_VALUE(f"'{key}' must be {expected}.", path, fields[key].line))

    for key in ("description", "subtitle"):
        if key in fields and not (fields[key].is_string and "\n" not in fields[key].text()):
            bad(key, "text on one line")
    if "template" in fields and not _TEMPLATE.match(fields["template"].text()):
        bad("template", "the file name of a theme template, such as 'main.html'")
    if "icon" in fields and not _ICON.match(fields["icon"].text()):
        bad("icon", "an icon name such as 'material/shield-lock'")
    if "hide" in fields and not (
        fields["hide"].is_sequence and all(item.value in HIDE_VALUES for item in fields["hide"].value)
    ):
        bad("hide", f"a list of: {', '.join(HIDE_VALUES)}")
    if "tags" in fields and not (fields["tags"].is_sequence and all(item.text() for item in fields["tags"].value)):
        bad("tags", "a list of texts")
    if "comments" in fields and not isinstance(fields["comments"].value, bool):
        bad("comments", "true or false")
    if "search" in fields:
        search = fields["search"]
        if not search.is_mapping or not set(search.value) <= {"exclude", "boost"}:
            bad("search", "a mapping with 'exclude' (true or false) and/or 'boost' (a number)")
        elif "exclude" in search.value and not isinstance(search.value["exclude"].value, bool):
            bad("search", "a mapping whose 'exclude' is true or false")
        elif "boost" in search.value and not isinstance(search.value["boost"].value, (int, float)):
            bad("search", "a mapping whose 'boost' is a number")
    if "social" in fields and not fields["social"].is_mapping:
        bad("social", "a mapping")


def _record(node: Node | None, path: str, problems: list[Diagnostic]) -> RecordControl | None:
    if node is None:
        return None
    if not node.is_mapping:
        problems.append(
            codes.RECORD_CONTROL("'record' must be a mapping.", path, node.line, f"Give {', '.join(RECORD_KEYS)}.")
        )
        return None
    problems.extend(unknown_keys(node, RECORD_KEYS + RECORD_DATES, path, " in the record block"))
    values: dict[str, str] = {}
    for key in RECORD_KEYS:
        value = node.value.get(key)
        if value is None or not value.text():
            problems.append(codes.RECORD_CONTROL(f"record field '{key}' is missing or empty.", path, node.line))
            values[key] = ""
        else:
            values[key] = value.text()
    as_at, period_from = _record_dates(node, path, problems)
    recurs = _recurrence(node.value.get("recurs"), path, problems)
    return RecordControl(line=node.line, as_at=as_at, period_from=period_from, recurs=recurs, **values)


def _record_dates(
    node: Node, path: str, problems: list[Diagnostic]
) -> tuple[datetime.date | None, datetime.date | None]:
    """`as_at: 2026-10-30`, or `period: {from: 2026-07-01, to: 2026-09-30}` (as at its end)."""
    fields = node.value
    if "as_at" in fields and "period" in fields:
        problems.append(codes.RECORD_CONTROL("give 'as_at' or 'period', not both.", path, fields["period"].line))
        return None, None
    if "as_at" in fields:
        day = _date(fields["as_at"], path, problems, "as_at")
        return day, None
    if "period" in fields:
        period = fields["period"]
        if not period.is_mapping or set(period.value) != {"from", "to"}:
            problems.append(codes.RECORD_CONTROL("'period' must be {from: <date>, to: <date>}.", path, period.line))
            return None, None
        start = _date(period.value["from"], path, problems, "period from")
        end = _date(period.value["to"], path, problems, "period to")
        if start and end and end < start:
            problems.append(codes.RECORD_CONTROL("the period ends before it starts.", path, period.line))
        return end, start
    return None, None


def _recurrence(node: Node | None, path: str, problems: list[Diagnostic]) -> ReviewInterval | None:
    if node is None:
        return None
    text = node.text().lower()
    if text in RECURRENCE_WORDS:
        return ReviewInterval(*RECURRENCE_WORDS[text])
    match = INTERVAL_PATTERN.match(text)
    if match is None or int(match.group(1)) == 0:
        problems.append(
            codes.RECORD_CONTROL(
                f"recurs {node.raw!r} is not a period.",
                path,
                node.line,
                f"Write one of {', '.join(RECURRENCE_WORDS)}, or a number and a unit such as '3 months'.",
            )
        )
        return None
    return ReviewInterval(int(match.group(1)), match.group(2))


def check_documents(
    documents: list[Document], catalogues: Mapping[str, Catalogue], *, skip: Set[str] = frozenset()
) -> list[Diagnostic]:
    """Checks across documents and against the catalogues: unique IDs, known standards and clauses.

    `skip`: standards whose catalogue is in doubt (defined twice), whose claims are not checked.
    """
    problems: list[Diagnostic] = []
    by_id: dict[str, Document] = {}
    for doc in documents:
        if doc.id in by_id:
            first = by_id[doc.id]
            problems.append(
                codes.DOCUMENT_ID_DUPLICATE(
                    f"document id '{doc.id}' is also used by {first.path}.",
                    doc.path,
                    doc.lines.get("id"),
                    "Give each document its own id.",
                )
            )
        else:
            by_id[doc.id] = doc
    for doc in documents:
        seen: set[tuple[str, str]] = set()
        for claim in doc.claims:
            if claim.standard not in skip:
                problems.extend(_check_claim(doc, claim, catalogues, seen))
        if doc.record is not None and doc.record.produced_by not in by_id:
            problems.append(
                codes.RECORD_PRODUCED_BY(
                    f"record is produced by '{doc.record.produced_by}', which is no document's id.",
                    doc.path,
                    doc.record.line,
                    did_you_mean(doc.record.produced_by, set(by_id) - {doc.id}),
                )
            )
    return problems


def _check_claim(
    doc: Document, claim: Claim, catalogues: Mapping[str, Catalogue], seen: set[tuple[str, str]]
) -> list[Diagnostic]:
    catalogue = catalogues.get(claim.standard)
    if catalogue is None:
        if (claim.standard, "") in seen:  # one message per unknown standard, not one per clause under it
            return []
        seen.add((claim.standard, ""))
        return [unknown_standard(claim.standard, catalogues, doc.path, claim.line)]
    if claim.clause not in catalogue:
        return [catalogue.unknown_clause(claim.clause, doc.path, claim.line)]
    if not catalogue.is_leaf(claim.clause):
        children = ", ".join(catalogue.clauses[claim.clause].children)
        return [
            codes.CLAIM_NOT_LEAF(
                f"{catalogue.title} {claim.clause} has subclauses; a document claims the subclauses it addresses.",
                doc.path,
                claim.line,
                f"Claim one or more of: {children}.",
            )
        ]
    if (claim.standard, claim.clause) in seen:
        return [codes.CLAIM_DUPLICATE(f"{catalogue.title} {claim.clause} is claimed twice.", doc.path, claim.line)]
    seen.add((claim.standard, claim.clause))
    return []
