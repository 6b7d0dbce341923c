"""Benchmark: how much an imsdocs build costs compared with a plain MkDocs build and with git plugins.

For each size (documents x commits), the script generates a synthetic IMS git repository (documents
in policies/, procedures/ and records/ with cross-references, register entries, mandatory items and
an SoA under document control; pull-request merges, squash merges, direct commits, editorial changes
and renames, with fixed dates in several time zones) through `git fast-import`, then measures on the
same machine, each as a real subprocess (wall time; plain and imsdocs in turns, best of --repeat):

  plain          the same pages (the documents and the home page) with mkdocs-material and search only
  imsdocs        the full imsdocs build of the generated repository (not --strict)
  git pass       imsdocs.read_history() alone, in this process
  imsdocs check  `imsdocs check`, a fresh process
  imsdocs diff   `imsdocs diff main HEAD` on a branch that changes three documents
  serve rebuild  `mkdocs serve`, the rebuild after saving one document, as MkDocs reports it
  git plugins    the plain build plus git-revision-date-localized (with creation dates) and git-authors

Generating a repository is timed separately and is not part of any measurement.

    python bench/run.py                       # 50x1000, 150x3000, 500x10000, 2000x10000, best of 3
    python bench/run.py --quick --repeat 2    # the first two sizes
    python bench/run.py --sizes 100x500 --repeat 1 --no-git-plugins

Needs the `bench` extra (`pip install -e '.[bench]'`) for the two git plugins.
Exits 0 even when a target is missed, unless --check is given.
"""

from __future__ import annotations

import argparse
import collections
import compileall
import datetime
import math
import os
import platform
import queue
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

STANDARD = "bench:2026"
SOURCES = ("policies", "procedures", "records")
MARKER = ".imsdocs-bench"  # a --workdir holding this file was made by us and may be emptied

# Targets of the design, checked at the end (issue 16).
DEFAULT_SIZES = "50x1000,150x3000,500x10000,2000x10000"
MAX_IMSDOCS_OVER_PLAIN = 1.15  # from 150 documents on
MAX_IMSDOCS_OVER_PLAIN_SMALL = 1.25  # below 150, where the few generated pages weigh most
MAX_GIT_PASS_SECONDS = 1.0
MIN_GIT_PLUGINS_OVER_IMSDOCS = 5.0
MIN_GIT_PLUGINS = MIN_GIT_PLUGINS_OVER_IMSDOCS
CHECK_SECONDS = {150: 1.0, 2000: 2.5}  # `imsdocs check` as a fresh process
MAX_DIFF_SECONDS = 2.0  # `imsdocs diff main HEAD` at 2000 documents
MAX_SERVE_RATIO = 1.15  # a serve rebuild after one save, at 150 documents
MAX_SERVE_DOCUMENTS = 500  # larger sites: a serve measurement would take longer than the rest of the size

# --- synthetic content ----------------------------------------------------------------------------

TOPICS = (
    "access control", "asset management", "backup and restore", "business continuity", "capacity management",
    "change management", "configuration management", "cryptography", "customer complaints", "data protection",
    "document control", "incident management", "information classification", "internal audit",
    "legal compliance", "logging and monitoring", "malware protection", "management review", "nonconformity",
    "onboarding", "patch management", "physical security", "problem management", "release management",
    "remote working", "risk assessment", "secure development", "service continuity", "service level management",
    "supplier management", "training and awareness", "vulnerability management",
)  # fmt: skip
SUBJECTS = (
    "The IMS Manager", "Each service owner", "The service desk", "The Information Security Manager",
    "Team leads", "The change advisory board", "Every employee", "The supplier manager",
    "The on-call engineer", "The Managing Director", "The Quality Manager", "Internal auditors",
)  # fmt: skip
VERBS = (
    "reviews", "records", "approves", "checks", "reports on", "updates", "escalates", "tests", "monitors",
    "documents", "samples", "signs off",
)  # fmt: skip
OBJECTS = (
    "the risk register", "open incidents", "backup restores", "supplier performance", "access rights",
    "the asset inventory", "customer complaints", "change requests", "audit findings", "training records",
    "service level reports", "log alerts", "firewall rules", "capacity forecasts", "continuity plans",
)  # fmt: skip
WHEN = (
    "every month", "each quarter", "within two working days", "before each release",
    "after every major incident", "at least once a year", "when a customer asks", "during onboarding",
    "before the management review", "within 24 hours", "whenever the scope changes", "after each audit",
)  # fmt: skip
OWNERS = (
    "IMS Manager",
    "Information Security Manager",
    "Service Delivery Manager",
    "Quality Manager",
    "Head of Operations",
)
INTERVALS = ("12 months", "12 months", "6 months", "1 year", "2 years", "24 months")
CLASSIFICATIONS = ("internal", "internal", "confidential", "public", "restricted")
LOCATIONS = ("Helix ITSM", "SharePoint IMS library", "Vaultline archive", "Git repository", "HR system")
SECTIONS = {
    "policy": ("Purpose", "Scope", "Policy statements", "Responsibilities", "Compliance"),
    "procedure": ("Purpose", "Scope", "Responsibilities", "Procedure", "Records"),
    "record": ("Purpose", "Entries", "Retention"),
}
PREFIX = {"policy": "POL", "procedure": "PRO", "record": "REC"}
FOLDER = {"policy": "policies", "procedure": "procedures", "record": "records"}
SUBFOLDERS = ("operations", "security", "service-management", "quality")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    zone: str  # a rule below turns it into the offset of a given date

    def offset(self, epoch: int) -> str:
        month = datetime.datetime.fromtimestamp(epoch, datetime.UTC).month
        summer = 4 <= month <= 10  # close enough to DST for synthetic data, and deterministic
        minutes = {
            "warsaw": 120 if summer else 60,
            "london": 60 if summer else 0,
            "new_york": -240 if summer else -300,
            "los_angeles": -420 if summer else -480,
            "kolkata": 330,
            "tokyo": 540,
            "utc": 0,
        }[self.zone]
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"

    def ident(self, epoch: int) -> str:
        return f"{self.name} <{self.email}> {epoch} {self.offset(epoch)}"


PEOPLE = (
    Person("Anna Kowalska", "anna.kowalska@kestrel.example", "warsaw"),
    Person("Piotr Nowak", "piotr.nowak@kestrel.example", "warsaw"),
    Person("James Carter", "james.carter@kestrel.example", "london"),
    Person("Emily Shaw", "emily.shaw@kestrel.example", "london"),
    Person("Priya Natarajan", "priya.natarajan@kestrel.example", "kolkata"),
    Person("Daniel Brooks", "daniel.brooks@kestrel.example", "new_york"),
    Person("Maria Lopez", "maria.lopez@kestrel.example", "los_angeles"),
    Person("Kenji Sato", "kenji.sato@kestrel.example", "tokyo"),
    Person("Oliver Grant", "oliver.grant@kestrel.example", "london"),
    Person("Zofia Wisniewska", "zofia.wisniewska@kestrel.example", "warsaw"),
)
GITHUB = Person("GitHub", "noreply@github.com", "utc")
APPROVED_BY = "Approved-by: Morgan Director <md@kestrel.example>"
# Approvals are matched to a document's approver (a role) through the people file.
PEOPLE_YAML = "people:\n  - {name: Morgan Director, email: md@kestrel.example, roles: [Managing Director]}\n" + "".join(
    f"  - {{name: {p.name}, email: {p.email}, roles: [{OWNERS[i % len(OWNERS)]}]}}\n" for i, p in enumerate(PEOPLE)
)


def catalogue_leaves() -> list[str]:
    """200 leaf clauses: 10 sections x 4 subclauses x 5 requirements."""
    return [f"{a}.{b}.{c}" for a in range(1, 11) for b in range(1, 5) for c in range(1, 6)]


def catalogue_yaml() -> str:
    lines = [f'standard: "{STANDARD}"', 'title: "Bench Standard 2026"', "exclusion: never", "clauses:"]
    for a in range(1, 11):
        # Sections 9 and 10 are controls that may be excluded with a justification, as Annex A: an SoA.
        exclusion = ", exclusion: justified" if a >= 9 else ""
        lines.append(f'  - {{id: "{a}", title: "Section {a}", parent: null{exclusion}}}')
        for b in range(1, 5):
            lines.append(f'  - {{id: "{a}.{b}", title: "Topic {a}.{b}", parent: "{a}"}}')
            for c in range(1, 6):
                lines.append(f'  - {{id: "{a}.{b}.{c}", title: "Requirement {a}.{b}.{c}", parent: "{a}.{b}"}}')
    return "\n".join(lines) + "\n"


APPLICABILITY = f"""\
document: {{id: SOA-001, title: Statement of Applicability, type: register, owner: IMS Manager,
  approver: Managing Director, status: approved, review_interval: 12 months, classification: internal}}
{STANDARD}:
  default_inclusion: {{reasons: [risk], justification: Selected to treat assessed risks., status: implemented}}
  included:
    "9.1.1": {{reasons: [legal], justification: Required by contract., status: implemented}}
"""
# Mandatory documented information of the bench standard, each item provided by one document.
MANDATORY_ITEMS = (
    ("scope", "Scope of the system", "1.1.1", "maintained", "policy"),
    ("top-policy", "Top-level policy", "2.1.1", "maintained", "policy"),
    ("risk-method", "Risk assessment method", "3.1.1", "maintained", "procedure"),
    ("audit-results", "Internal audit results", "6.1.1", "retained", "record"),
    ("review-outcomes", "Management review outcomes", "7.1.1", "retained", "record"),
    ("corrective-actions", "Corrective actions", "8.1.1", "retained", "record"),
)
MANDATORY = f"{STANDARD}:\n" + "".join(
    f'  - {{id: {key}, name: "{name}", clauses: ["{clause}"], kind: {kind}, types: [{kind_of}]}}\n'
    for key, name, clause, kind, kind_of in MANDATORY_ITEMS
)
COMMON_CONFIG = """\
site_name: Bench IMS
theme:
  name: material
  font: false
markdown_extensions:
  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
"""
IMSDOCS_CONFIG = (
    COMMON_CONFIG
    + f"""\
docs_dir: docs
plugins:
  - search
  - imsdocs:
      standards: ['{STANDARD}']
      main_branch: main
"""
)
# The other builds read the same tracked files: their config lives in the hidden (so excluded)
# folder .bench/ with docs_dir `..`. MkDocs only refuses a docs_dir equal to the config's own folder,
# and the pages keep their real paths, which the git plugins need (git blame refuses symlinked paths).
PLAIN_CONFIG = (
    COMMON_CONFIG
    + """\
docs_dir: ..
hooks:
  - hooks.py
exclude_docs: |
  /requirements_map/
  /mkdocs.yml
  /README.md
plugins:
  - search
"""
)
GIT_CONFIG = (
    PLAIN_CONFIG
    + """\
  - git-revision-date-localized:
      enable_creation_date: true
  - git-authors
"""
)
# mkdocs-material reads a page's front-matter `status` as a badge and renders it in every page's
# navigation (N x N spans). imsdocs drops that key (its status means something else), so the
# baseline drops it too; otherwise the baseline would render a different, heavier site.
HOOKS = """\
def on_page_markdown(markdown, page, **kwargs):
    page.meta.pop("status", None)
    return markdown
"""


@dataclass
class Doc:
    """One controlled document as the generator models it at the current commit."""

    number: int
    kind: str
    id: str
    title: str
    path: str
    status: str
    final_status: str
    owner: str
    interval: str
    classification: str
    claims: list[str]
    body: list[str]
    produced_by: str | None = None
    provides: list[str] = field(default_factory=list)
    mark: int = 0  # fast-import blob mark of the current content

    def render(self) -> str:
        claims = ", ".join(f'"{c}"' for c in self.claims)
        lines = [
            "---",
            f"id: {self.id}",
            f"title: {self.title}",
            f"type: {self.kind}",
            f"owner: {self.owner}",
            "approver: Managing Director",
            f"status: {self.status}",
            f"review_interval: {self.interval}",
            f"classification: {self.classification}",
            "satisfies:",
            f"  {STANDARD}: [{claims}]",
        ]
        if self.provides:
            lines.append(f"provides: [{', '.join(self.provides)}]")
        if self.produced_by is not None:
            day = datetime.date(2020, 7, 1) + datetime.timedelta(days=self.number * 7 % 1900)
            lines += [
                f"declares: [R-{self.number:04d}]",  # a register entry other documents cite
                "record:",
                f"  produced_by: {self.produced_by}",
                "  retention: 6 years",
                f"  location: {LOCATIONS[self.number % len(LOCATIONS)]}",
                "  access: IMS team and auditors",
                f"  as_at: {day}",
            ]
        return "\n".join([*lines, "---", *self.body]) + "\n"


@dataclass
class Stats:
    commits: int = 0
    merges: int = 0
    branch_commits: int = 0
    squashes: int = 0
    direct: int = 0
    other_files: int = 0
    editorial: int = 0
    pure_renames: int = 0
    edit_renames: int = 0


@dataclass
class Repository:
    """What the generator leaves behind, for the checks after the builds."""

    root: Path
    stats: Stats
    sample_path: str  # the document changed most often, to look at in the built sites
    sample_changes: int
    authors: set[str] = field(default_factory=set)


class FastImport:
    """Writes a `git fast-import` stream; blobs and commits share one mark counter."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.mark = 0

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload) + payload + b"\n")

    def blob(self, text: str) -> int:
        self.mark += 1
        self.out.write(b"blob\nmark :%d\n" % self.mark)
        self._data(text.encode())
        return self.mark

    def commit(
        self,
        ref: str,
        author: str,
        committer: str,
        message: str,
        parent: int | None,
        ops: Sequence[tuple[str, int | None]],
        merge: int | None = None,
    ) -> int:
        self.mark += 1
        head = f"commit {ref}\nmark :{self.mark}\nauthor {author}\ncommitter {committer}\n"
        self.out.write(head.encode())
        self._data(message.encode())
        if parent is not None:
            self.out.write(b"from :%d\n" % parent)
        if merge is not None:
            self.out.write(b"merge :%d\n" % merge)
        for path, mark in ops:
            self.out.write(f"D {path}\n".encode() if mark is None else f"M 100644 :{mark} {path}\n".encode())
        self.out.write(b"\n")
        return self.mark


class Generator:
    """Plays a plausible history of an IMS repository into a fast-import stream."""

    def __init__(self, documents: int, commits: int, seed: int, stream: FastImport) -> None:
        self.rng = random.Random(seed)
        self.n, self.c = documents, commits
        self.out = stream
        self.stats = Stats()
        self.tree: dict[str, int] = {}  # path -> blob mark on the main branch
        self.main: int | None = None  # mark of the main branch's tip
        self.pr = 100
        self.clock = int(datetime.datetime(2020, 6, 1, 8, 0, tzinfo=datetime.UTC).timestamp())
        # Spread the history over about six years whatever its length.
        self.step = 6 * 365 * 86400 // max(commits, 1)
        self.docs = self._documents()
        self.changes: collections.Counter[int] = collections.Counter()
        self.authors: set[str] = set()

    # -- documents --------------------------------------------------------------------------------

    def _documents(self) -> list[Doc]:
        kinds = ["policy" if i % 10 < 2 else "procedure" if i % 10 < 7 else "record" for i in range(self.n)]
        procedures = [f"PRO-{i + 1:04d}" for i, kind in enumerate(kinds) if kind == "procedure"]
        docs: list[Doc] = []
        for i, kind in enumerate(kinds):
            roll = self.rng.random()
            final = "draft" if roll < 0.05 else "retired" if roll < 0.08 else "approved"
            start = final if final != "approved" or self.rng.random() > 0.15 else "draft"
            if final == "retired":
                start = "approved"
            topic = TOPICS[i % len(TOPICS)]
            docs.append(
                Doc(
                    number=i + 1,
                    kind=kind,
                    id=f"{PREFIX[kind]}-{i + 1:04d}",
                    title=f"{topic.capitalize()} {kind}" + ("" if i < len(TOPICS) else f" {i // len(TOPICS) + 1}"),
                    path=f"{FOLDER[kind]}/{PREFIX[kind].lower()}-{i + 1:04d}-{topic.replace(' ', '-')}.md",
                    status=start,
                    final_status=final,
                    owner=OWNERS[i % len(OWNERS)],
                    interval=INTERVALS[i % len(INTERVALS)],
                    classification=CLASSIFICATIONS[i % len(CLASSIFICATIONS)],
                    claims=[],
                    body=self._body(kind, topic),
                    produced_by=self.rng.choice(procedures) if kind == "record" and procedures else None,
                )
            )
            if kind == "record" and not procedures:
                docs[-1].kind = "procedure"  # a tiny run without procedures: no record can name its producer
        # Every leaf is claimed by some approved document, so the build reports no coverage gaps.
        approved = [d for d in docs if d.final_status == "approved"] or docs[:1]
        for number, leaf in enumerate(catalogue_leaves()):
            approved[number % len(approved)].claims.append(leaf)
        for key, _, clause, _, kind in MANDATORY_ITEMS:
            provider = next((d for d in approved if d.kind == kind), None)
            if provider is not None:
                provider.provides.append(f"{STANDARD}/{key}")
                if clause not in provider.claims:
                    provider.claims.append(clause)
        for doc in docs:
            extra = self.rng.sample(catalogue_leaves(), self.rng.randint(0, 2))
            doc.claims += [leaf for leaf in extra if leaf not in doc.claims]
            if doc.final_status == "approved" and not doc.claims:
                doc.claims.append(self.rng.choice(catalogue_leaves()))
        return docs

    def _cited(self) -> str:
        """The id of another document, or of a record's register entry (R-0003)."""
        number = self.rng.randint(1, self.n)
        kind = "policy" if (number - 1) % 10 < 2 else "procedure" if (number - 1) % 10 < 7 else "record"
        return f"R-{number:04d}" if kind == "record" and self.rng.random() < 0.5 else f"{PREFIX[kind]}-{number:04d}"

    def _sentence(self) -> str:
        r = self.rng
        return f"{r.choice(SUBJECTS)} {r.choice(VERBS)} {r.choice(OBJECTS)} {r.choice(WHEN)}."

    def _line(self, kind: str) -> str:
        if kind == "table":
            day = datetime.date(2020, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 2300))
            outcome = self.rng.choice(("Open", "Closed", "Accepted"))
            return f"| {day} | {self.rng.choice(OBJECTS).capitalize()} | {outcome} |"
        return f"- {self._sentence()}" if kind == "bullet" else self._sentence()

    def _body(self, kind: str, topic: str) -> list[str]:
        """10 to 40 lines: each section a heading, a paragraph (one sentence a line) and a list or a table."""
        target = self.rng.randint(10, 40)
        sections = SECTIONS[kind]
        per_section = max(2, (target - 4 * len(sections)) // len(sections))
        lines: list[str] = []
        for section in sections:
            lines += [f"## {section}", ""]
            if section == "Entries":
                lines += ["| Date | Subject | Outcome |", "| --- | --- | --- |"]
                lines += [self._line("table") for _ in range(per_section)]
            else:
                paragraph = (per_section + 1) // 2
                if section == "Purpose":
                    lines.append(f"This document describes how Kestrel handles {topic}.")
                    paragraph -= 1
                    if self.rng.random() < 0.5:  # a cross-reference, linked by imsdocs
                        lines.append(f"It works with {self._cited()}.")
                        paragraph -= 1
                lines += [self._line("text") for _ in range(paragraph)]
                lines += [""] + [self._line("bullet") for _ in range(per_section - paragraph)]
            lines.append("")
        return lines[:40]

    def _edit(self, doc: Doc) -> None:
        """One small content change: a line replaced, added or removed; sometimes the status moves on."""
        content = [i for i, line in enumerate(doc.body) if line and not line.startswith(("#", "| Date", "| ---"))]
        index = self.rng.choice(content)
        line = doc.body[index]
        kind = "table" if line.startswith("|") else "bullet" if line.startswith("- ") else "text"
        roll = self.rng.random()
        if roll < 0.6 or (roll < 0.8 and len(doc.body) >= 40):
            doc.body[index] = self._line(kind)
        elif roll < 0.8:
            doc.body.insert(index + 1, self._line(kind))
        elif len(doc.body) > 10 and len(content) > 3:
            del doc.body[index]
        else:
            doc.body[index] = self._line(kind)
        if doc.status != doc.final_status and self.rng.random() < 0.5:
            doc.status = doc.final_status

    # -- commits ----------------------------------------------------------------------------------

    def _tick(self) -> int:
        self.clock += self.rng.randint(self.step // 5, self.step * 9 // 5)
        return self.clock

    def _trailers(self, approved: bool, editorial: bool) -> str:
        lines = [APPROVED_BY] if approved else []
        if approved and self.rng.random() < 0.3:
            lines.append(f"Reviewed-by: {self.rng.choice(PEOPLE).name}")
        if editorial:
            lines.append("Change-type: editorial")
            self.stats.editorial += 1
        return "\n".join(lines)

    def _message(self, subject: str, body: str = "", trailers: str = "") -> str:
        return "\n\n".join(part for part in (subject, body, trailers) if part) + "\n"

    def _change(self, docs: Sequence[Doc], add: Sequence[Doc]) -> list[tuple[str, int | None]]:
        """Apply one commit's worth of changes to the model; returns the tree operations."""
        ops: list[tuple[str, int | None]] = []
        for doc in add:
            doc.mark = self.out.blob(doc.render())
            ops.append((doc.path, doc.mark))
            self.changes[doc.number] += 1
        for doc in docs:
            roll = self.rng.random()
            if roll < 0.06:  # a rename, half of them pure `git mv`, half with an edit in the same commit
                old = doc.path
                doc.path = self._new_path(doc)
                if roll < 0.03:
                    self.stats.pure_renames += 1
                else:
                    self._edit(doc)
                    doc.mark = self.out.blob(doc.render())
                    self.stats.edit_renames += 1
                ops += [(old, None), (doc.path, doc.mark)]
            else:
                self._edit(doc)
                doc.mark = self.out.blob(doc.render())
                ops.append((doc.path, doc.mark))
            self.changes[doc.number] += 1
        return ops

    def _new_path(self, doc: Doc) -> str:
        folder = FOLDER[doc.kind]
        if self.rng.random() < 0.5:  # into (or between) subfolders
            folder = f"{folder}/{self.rng.choice(SUBFOLDERS)}"
        name = Path(doc.path).stem.split("-", 2)
        slug = f"{name[0]}-{name[1]}-{self.rng.choice(TOPICS).replace(' ', '-')}"
        return f"{folder}/{slug}.md" if f"{folder}/{slug}.md" != doc.path else f"{folder}/{slug}-v2.md"

    def _main_commit(self, author: str, committer: str, message: str, ops: list[tuple[str, int | None]]) -> None:
        self.main = self.out.commit("refs/heads/main", author, committer, message, self.main, ops)
        self._apply(ops)

    def _apply(self, ops: Sequence[tuple[str, int | None]]) -> None:
        for path, mark in ops:
            if mark is None:
                self.tree.pop(path, None)
            else:
                self.tree[path] = mark
        self.stats.commits += 1

    def _pick(self, live: list[Doc], count: int) -> list[Doc]:
        return self.rng.sample(live, min(count, len(live)))

    def generate(self) -> None:
        initial = max(1, int(self.n * 0.6))
        live, pending = self.docs[:initial], self.docs[initial:]
        setup = [
            ("mkdocs.yml", IMSDOCS_CONFIG),
            ("docs/index.md", "# Bench IMS\n\n<!-- imsdocs:coverage -->\n"),
            ("requirements_map/bench.yml", catalogue_yaml()),
            ("requirements_map/applicability.yml", APPLICABILITY),
            ("requirements_map/mandatory.yml", MANDATORY),
            ("requirements_map/people.yml", PEOPLE_YAML),
            ("README.md", "# Bench IMS\n\nSynthetic repository generated by bench/run.py.\n"),
            *((f"{folder}/.keep", "") for folder in SOURCES),  # imsdocs wants every source folder, even an empty one
        ]
        ops: list[tuple[str, int | None]] = [(path, self.out.blob(text)) for path, text in setup]
        ops += self._change([], live)
        who = PEOPLE[0]
        when = self._tick()
        self._main_commit(who.ident(when), who.ident(when), self._message("Initial IMS documents"), ops)
        self.authors.add(who.name)
        while self.stats.commits < self.c - 1:  # the last commit is reserved for the final review
            budget = self.c - 1 - self.stats.commits
            add = [pending.pop(0) for _ in range(self.rng.randint(1, 3)) if pending] if self.rng.random() < 0.2 else []
            docs = self._pick(live, self.rng.randint(1, 3)) if not add or self.rng.random() < 0.3 else []
            live += add
            roll = self.rng.random()
            if roll < 0.45 and budget >= 2:
                self._pull_request(docs, add, min(budget - 1, self.rng.randint(1, 3)))
            elif roll < 0.80:
                self._squash(docs, add)
            elif roll < 0.95 or add:
                self._direct(docs[:1], add)
            else:
                self._other_file()
        self._final_review(live, pending)

    def _pull_request(self, docs: list[Doc], add: list[Doc], commits: int) -> None:
        self.pr += 1
        author = self.rng.choice(PEOPLE)
        self.authors.add(author.name)
        topic = (add or docs)[0].title.lower().replace(" ", "-")
        branch = f"{topic}-{self.pr}"
        tip = self.main
        base = dict(self.tree)
        touched: set[str] = set()
        for number in range(commits):
            part = docs if number == 0 else self._pick(docs or add, 1)
            ops = self._change(part, add if number == 0 else [])
            touched.update(path for path, _ in ops)
            when = self._tick()
            subject = "Address review comments" if number else f"Update {(add or docs)[0].title}"
            tip = self.out.commit("refs/heads/topic", author.ident(when), author.ident(when), subject + "\n", tip, ops)
            self._apply(ops)
            self.stats.branch_commits += 1
        # The merge's tree is the branch tip's: replay the net difference against the old main tree.
        net = [(p, self.tree.get(p)) for p in sorted(touched) if self.tree.get(p) != base.get(p)]
        editorial = self.rng.random() < 0.15
        message = self._message(
            f"Merge pull request #{self.pr} from kestrel/{branch}",
            f"{(add or docs)[0].title}: {self._sentence()}",
            self._trailers(True, editorial),
        )
        when = self._tick()
        merger = self.rng.choice(PEOPLE)
        self.main = self.out.commit(
            "refs/heads/main", merger.ident(when), GITHUB.ident(when), message, self.main, net, merge=tip
        )
        self.stats.commits += 1
        self.stats.merges += 1

    def _squash(self, docs: list[Doc], add: list[Doc]) -> None:
        self.pr += 1
        author = self.rng.choice(PEOPLE)
        self.authors.add(author.name)
        ops = self._change(docs, add)
        when = self._tick()
        authored = when - self.rng.randint(600, 3 * 86400)  # the work was done before the merge
        message = self._message(
            f"{self._sentence()[:-1]} in {(add or docs)[0].title} (#{self.pr})",
            f"* {self._sentence()}",
            self._trailers(self.rng.random() < 0.9, self.rng.random() < 0.2),
        )
        self._main_commit(author.ident(authored), GITHUB.ident(when), message, ops)
        self.stats.squashes += 1

    def _direct(self, docs: list[Doc], add: list[Doc]) -> None:
        author = self.rng.choice(PEOPLE)
        self.authors.add(author.name)
        ops = self._change(docs, add)
        when = self._tick()
        editorial = self.rng.random() < 0.3
        subject = f"Fix typo in {(add or docs)[0].title}" if editorial else f"Update {(add or docs)[0].title}"
        self._main_commit(
            author.ident(when), author.ident(when), self._message(subject, "", self._trailers(False, editorial)), ops
        )
        self.stats.direct += 1

    def _other_file(self) -> None:
        author = self.rng.choice(PEOPLE)
        when = self._tick()
        text = f"# Bench IMS\n\nSynthetic repository generated by bench/run.py.\n\nLast tidied {when}.\n"
        ops: list[tuple[str, int | None]] = [("README.md", self.out.blob(text))]
        self._main_commit(author.ident(when), author.ident(when), self._message("Tidy the README"), ops)
        self.stats.other_files += 1

    def _final_review(self, live: list[Doc], pending: list[Doc]) -> None:
        """The last commit adds documents not yet added and settles every status (an approved squash)."""
        self.pr += 1
        stale = [doc for doc in live if doc.status != doc.final_status]
        for doc in stale:
            doc.status = doc.final_status
            doc.mark = self.out.blob(doc.render())
        ops: list[tuple[str, int | None]] = [(doc.path, doc.mark) for doc in stale]
        ops += self._change([], pending)
        if not ops:
            ops = [("README.md", self.out.blob("# Bench IMS\n\nAnnual review done.\n"))]
        live += pending
        author, when = PEOPLE[0], self._tick()
        message = self._message(f"Annual review of the IMS (#{self.pr})", "", self._trailers(True, False))
        self._main_commit(author.ident(when - 3600), GITHUB.ident(when), message, ops)
        self.stats.squashes += 1
        for doc in stale:
            self.changes[doc.number] += 1


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


def generate(root: Path, documents: int, commits: int, seed: int) -> Repository:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    importer = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=root, stdin=subprocess.PIPE)
    assert importer.stdin is not None
    generator = Generator(documents, commits, seed, FastImport(importer.stdin))
    generator.generate()
    importer.stdin.write(b"done\n")
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    if generator.stats.branch_commits:
        git(root, "branch", "-D", "topic")  # merged pull-request branches are deleted, as on GitHub
    git(root, "reset", "-q", "--hard", "main")  # the import writes objects only; check the tree out
    (root / ".bench").mkdir()
    (root / ".bench" / "mkdocs-plain.yml").write_text(PLAIN_CONFIG, encoding="utf-8")
    (root / ".bench" / "mkdocs-git.yml").write_text(GIT_CONFIG, encoding="utf-8")
    (root / ".bench" / "hooks.py").write_text(HOOKS, encoding="utf-8")
    # The sample document for the checks: one changed several times, so creation != last update.
    sample = max(generator.docs, key=lambda doc: generator.changes[doc.number])
    return Repository(root, generator.stats, sample.path, generator.changes[sample.number], generator.authors)


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Build:
    seconds: float
    output: str
    site: Path
    pages: int  # index.html files in the site (use_directory_urls: one per page)

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith("WARNING")]


def warning_kind(line: str) -> str:
    """The first words of a warning without its location, ids and numbers, to count warnings by kind."""
    text = re.sub(r"^WARNING\s*-\s*([\w.-]+: )?", "", line)
    text = re.sub(r"^\S+\.md(:\d+)?: ", "", text)
    text = re.sub(r"\b[A-Z]+-\d+\b|\b[0-9a-f]{7,40}\b|\d[\d.-]*", "#", text)
    return " ".join(text.split()[:5])


def best_of(repeat: int, run: Callable[[], float], label: str) -> float:
    times = []
    for number in range(repeat):
        times.append(run())
        print(f"  {label}: run {number + 1}/{repeat} {times[-1]:.2f} s", flush=True)
    return min(times)


class Builder:
    """`mkdocs build` as a user runs it; keeps every run's wall time and the last run's output.

    Not -q: it would silence the warnings we count. The output goes to a pipe, so logging costs nothing visible.
    """

    def __init__(self, repo: Path, config: str, site: Path, label: str) -> None:
        self.repo, self.site, self.label = repo, site, label
        self.args = [sys.executable, "-m", "mkdocs", "build", "-f", config, "-d", str(site)]
        self.times: list[float] = []
        self.output = ""

    def once(self) -> float:
        shutil.rmtree(self.site, ignore_errors=True)  # every run starts from the same (empty) site folder
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        start = time.perf_counter()
        result = subprocess.run(self.args, cwd=self.repo, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"{self.label} build failed (exit {result.returncode}); its output is above")
        self.output = result.stdout + result.stderr
        self.times.append(elapsed)
        print(f"  {self.label}: run {len(self.times)} {elapsed:.2f} s", flush=True)
        return elapsed

    def result(self) -> Build:
        return Build(min(self.times), self.output, self.site, sum(1 for _ in self.site.rglob("index.html")))


def build_alternating(builders: Sequence[Builder], repeat: int) -> list[Build]:
    """Run the builds in turns (A, B, A, B ...): a machine that slows down or speeds up during the
    run then affects both sides of a ratio alike, instead of whichever happened to run later."""
    for _ in range(repeat):
        for builder in builders:
            builder.once()
    return [builder.result() for builder in builders]


def time_git_pass(repo: Path, repeat: int) -> tuple[float, int]:
    from imsdocs import read_history  # the installed package, as the plugin uses it

    found = 0

    def once() -> float:
        nonlocal found
        start = time.perf_counter()
        history = read_history(repo, list(SOURCES), "HEAD")
        elapsed = time.perf_counter() - start
        found = sum(1 for path in history.changes if path.endswith(".md"))
        return elapsed

    return best_of(repeat, once, "git pass"), found


def check_git_pages(built: Build, repo: Repository) -> list[str]:
    """Problems that would make the git-plugin build meaningless: no dates or authors from git on the pages."""
    problems: list[str] = []
    page = built.site / Path(repo.sample_path).with_suffix("") / "index.html"
    html = page.read_text(encoding="utf-8")
    dates = re.findall(r'class="git-revision-date-localized-plugin[^"]*"[^>]*>([^<]+)<', html)
    today = datetime.date.today().strftime("%B %-d, %Y")
    if len(dates) < 2:
        problems.append(f"{page}: expected a revision and a creation date, found {dates}")
    elif any(today in d for d in dates):
        problems.append(f"{page}: a date is today ({dates}): the plugin fell back to the build date")
    elif dates[0] == dates[1] and repo.sample_changes >= 3:
        problems.append(f"{page}: creation and revision dates are equal ({dates}) for a document changed many times")
    if not any(name in html for name in repo.authors):
        problems.append(f"{page}: no author of the generated history on the page")
    plugin_warnings = [w for w in built.warnings if "git" in w.lower()]
    if plugin_warnings:
        problems.append(f"git plugin warnings: {plugin_warnings[:3]}")
    print(f"  git plugins on {repo.sample_path}: dates {dates[:2]}")
    return problems


def versions() -> str:
    git_version = git(Path.cwd(), "--version").strip().removeprefix("git version ")
    import mkdocs

    return f"Python {platform.python_version()}, MkDocs {mkdocs.__version__}, git {git_version}, {os.cpu_count()} CPUs"


def prepare_workdir(workdir: str | None) -> tuple[Path, bool]:
    """(folder, whether we created it as a temporary folder)."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="imsdocs-bench-")), True
    path = Path(workdir).resolve()
    if path.exists() and any(path.iterdir()):
        if not (path / MARKER).exists():
            raise SystemExit(f"--workdir {path} is not empty and was not made by this script; give an empty folder")
        for child in path.iterdir():
            if child.name.startswith(("repo-", "sites-")):
                shutil.rmtree(child, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("made by bench/run.py; emptied on its next run\n", encoding="utf-8")
    return path, False


@dataclass
class SizeResult:
    """Every figure measured at one size: seconds, and the checks that failed."""

    documents: int
    commits: int
    accepted: int  # first-parent commits on main
    plain: Build
    imsdocs: Build
    git_pass: float
    check: float
    diff: float
    serve_plain: float
    serve_imsdocs: float
    plugins: Build | None
    problems: list[str]

    @property
    def ratio(self) -> float:
        return self.imsdocs.seconds / self.plain.seconds

    @property
    def serve_ratio(self) -> float:
        return self.serve_imsdocs / self.serve_plain

    @property
    def plugins_ratio(self) -> float | None:
        return self.plugins.seconds / self.imsdocs.seconds if self.plugins else None

    def targets(self) -> list[tuple[str, bool]]:
        limit = MAX_IMSDOCS_OVER_PLAIN_SMALL if self.documents < 150 else MAX_IMSDOCS_OVER_PLAIN
        found = [
            (f"imsdocs / plain <= {limit}", self.ratio <= limit),
            (f"git pass < {MAX_GIT_PASS_SECONDS:g} s", self.git_pass < MAX_GIT_PASS_SECONDS),
        ]
        if self.plugins_ratio is not None and self.documents >= 150:
            found.append(
                (f"git plugins / imsdocs >= {MIN_GIT_PLUGINS_OVER_IMSDOCS:g}", self.plugins_ratio >= MIN_GIT_PLUGINS)
            )
        if self.documents in CHECK_SECONDS:
            found.append(
                (f"imsdocs check <= {CHECK_SECONDS[self.documents]} s", self.check <= CHECK_SECONDS[self.documents])
            )
        if self.documents >= 2000:
            found.append((f"imsdocs diff <= {MAX_DIFF_SECONDS:g} s", self.diff <= MAX_DIFF_SECONDS))
        if 150 <= self.documents < 500 and not math.isnan(self.serve_ratio):  # a failed serve is in the problems
            found.append((f"serve rebuild imsdocs / plain <= {MAX_SERVE_RATIO}", self.serve_ratio <= MAX_SERVE_RATIO))
        return found


def timed_command(repo: Path, args: Sequence[str], repeat: int, label: str) -> float:
    """Best wall time of a fresh process (Python start-up and imports included, as a user waits for it)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}

    def once() -> float:
        start = time.perf_counter()
        result = subprocess.run(args, cwd=repo, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        if "Traceback" in result.stderr or result.returncode not in (0, 1):
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"{label} failed (exit {result.returncode}); its output is above")
        return elapsed

    return best_of(repeat, once, label)


def time_diff(repo: Repository, repeat: int) -> float:
    """`imsdocs diff main HEAD` on a branch that changes three documents (a pull request's check)."""
    root = repo.root
    git(root, "checkout", "-q", "-b", "bench-change")
    try:
        for path in sorted(root.glob("policies/**/*.md"))[:3]:
            path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added by a pull request.\n")
        git(root, "add", "-A", "policies")
        git(root, "-c", "user.name=Bench", "-c", "user.email=bench@kestrel.example", "commit", "-q", "-m", "Change")
        command = [sys.executable, "-m", "imsdocs.cli", "diff", "main", "HEAD"]
        return timed_command(root, command, repeat, "imsdocs diff main HEAD")
    finally:
        git(root, "checkout", "-q", "main")
        git(root, "branch", "-q", "-D", "bench-change")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeFailed(Exception):
    """`mkdocs serve` did not rebuild as expected; the last lines it printed say why."""

    def __init__(self, message: str, output: list[str]) -> None:
        super().__init__(message + "; its last lines:\n    " + "\n    ".join(output))


def time_serve_rebuild(repo: Repository, config: str, edits: int, label: str) -> float:
    """Best of `edits` rebuilds of `mkdocs serve` after saving one document, as MkDocs reports them
    ("Documentation built in N seconds"): the watcher's own delay is not counted."""
    document = repo.root / repo.sample_path
    original = document.read_text(encoding="utf-8")
    args = [sys.executable, "-m", "mkdocs", "serve", "-f", config, "-a", f"127.0.0.1:{free_port()}"]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        args, cwd=repo.root, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    assert server.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    stream = server.stderr

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()

    seen: collections.deque[str] = collections.deque(maxlen=30)

    def wait_for(pattern: str, timeout: float) -> re.Match[str] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if server.poll() is not None:
                    raise ServeFailed(f"{label}: mkdocs serve stopped", list(seen)) from None
                continue
            seen.append(line.rstrip())
            found = re.search(pattern, line)
            if found:
                return found
        return None

    built = r"Documentation built in ([\d.]+) seconds"
    times: list[float] = []
    try:
        if wait_for(built, 1800) is None:  # the first build
            raise ServeFailed(f"{label}: no first build", list(seen))
        wait_for(r"Serving on", 600)  # the watcher is in place: a save is seen from now on
        for number in range(edits):
            time.sleep(1.5)  # past the watcher's debounce, so each save is one rebuild
            # The watcher has been seen to miss a save (and, once, to stop seeing saves at all):
            # save again with new content a few times, then keep the rebuilds measured so far.
            for attempt in range(3):
                document.write_text(original + f"\nEdited {number}, save {attempt}.\n", encoding="utf-8")
                if wait_for(r"Detected file changes", 20) is not None:
                    break
            else:
                if times:
                    print(f"  {label}: the watcher stopped seeing saves; {len(times)} rebuilds measured", flush=True)
                    break
                raise ServeFailed(f"{label}: no rebuild after saving {repo.sample_path} three times", list(seen))
            found = wait_for(built, 120)
            if found is None:
                if times:  # a save seen but never built: keep the rebuilds measured so far
                    print(f"  {label}: no rebuild after a save; {len(times)} rebuilds measured", flush=True)
                    break
                raise ServeFailed(f"{label}: no rebuild after saving {repo.sample_path}", list(seen))
            times.append(float(found.group(1)))
            wait_for(r"Reloading browsers", 60)
            print(f"  {label}: rebuild {number + 1}/{edits} {times[-1]:.2f} s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        document.write_text(original, encoding="utf-8")
    return min(times)


def measure(documents: int, commits: int, args: argparse.Namespace, workdir: Path) -> SizeResult:
    start = time.perf_counter()
    repo = generate(workdir / f"repo-{documents}x{commits}", documents, commits, args.seed)
    generation = time.perf_counter() - start
    s = repo.stats
    total = int(git(repo.root, "rev-list", "--count", "--all").strip())
    first_parent = int(git(repo.root, "rev-list", "--count", "--first-parent", "HEAD").strip())
    print(
        f"\n== {documents} documents x {commits} commits: {total} commits ({first_parent} on main: {s.merges} PR "
        f"merges, {s.squashes} squash merges, {s.direct} direct, {s.other_files} other files; {s.branch_commits} on "
        f"branches; {s.editorial} editorial; renames {s.pure_renames} pure + {s.edit_renames} with edits), "
        f"generated in {generation:.1f} s",
        flush=True,
    )
    sites = workdir / f"sites-{documents}x{commits}"
    plain, ims = build_alternating(
        [
            Builder(repo.root, ".bench/mkdocs-plain.yml", sites / "plain", "plain"),
            Builder(repo.root, "mkdocs.yml", sites / "imsdocs", "imsdocs"),
        ],
        args.repeat,
    )
    git_pass, histories = time_git_pass(repo.root, max(args.repeat, 5))  # seconds: cheap to repeat
    check = timed_command(
        repo.root, [sys.executable, "-m", "imsdocs.cli", "check"], max(args.repeat, 3), "imsdocs check"
    )
    diff = time_diff(repo, max(args.repeat, 3))
    edits = min(max(args.repeat, 3), 5)
    serve_plain = serve_imsdocs = float("nan")
    problems: list[str] = []
    if documents <= MAX_SERVE_DOCUMENTS:
        try:
            serve_plain = time_serve_rebuild(repo, ".bench/mkdocs-plain.yml", edits, "plain serve")
            serve_imsdocs = time_serve_rebuild(repo, "mkdocs.yml", edits, "imsdocs serve")
        except ServeFailed as exc:  # the other measurements of this size still count
            print(f"  {exc}", flush=True)
            problems.append(str(exc).split(";")[0])
            serve_plain = serve_imsdocs = float("nan")
    plugins = None
    if not args.no_git_plugins:
        (plugins,) = build_alternating(
            [Builder(repo.root, ".bench/mkdocs-git.yml", sites / "git", "git plugins")], args.plugin_repeat
        )
        problems += check_git_pages(plugins, repo)
    if histories != documents:
        problems.append(f"read_history found {histories} documents, expected {documents}")
    if plain.pages != documents + 1:  # the documents and the home page
        problems.append(f"the plain site has {plain.pages} pages, expected {documents + 1}")
    kinds = collections.Counter(warning_kind(w) for w in ims.warnings)
    if kinds:
        print("  imsdocs warnings: " + "; ".join(f"{n} x '{k} ...'" for k, n in kinds.most_common(4)))
    if not args.keep:
        shutil.rmtree(sites, ignore_errors=True)
    return SizeResult(
        documents,
        commits,
        first_parent,
        plain,
        ims,
        git_pass,
        check,
        diff,
        serve_plain,
        serve_imsdocs,
        plugins,
        problems,
    )


def table(results: Sequence[SizeResult]) -> str:
    """The sweep as one Markdown table, ratios first (the README's table is this output)."""
    rows = [
        "| documents x commits | imsdocs / plain | serve rebuild imsdocs / plain | git plugins / imsdocs | plain | "
        "imsdocs | git pass | imsdocs check | imsdocs diff |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        plugins = f"{r.plugins_ratio:.2f}" if r.plugins_ratio is not None else "not run"
        serve = (
            f"{r.serve_ratio:.2f} ({r.serve_imsdocs:.2f} s / {r.serve_plain:.2f} s)"
            if r.serve_plain == r.serve_plain  # not NaN: measured
            else "not measured"
        )
        rows.append(
            f"| {r.documents:,} x {r.commits:,} | {r.ratio:.2f} | {serve} | {plugins} | {r.plain.seconds:.2f} s | "
            f"{r.imsdocs.seconds:.2f} s | {r.git_pass:.2f} s | {r.check:.2f} s | {r.diff:.2f} s |"
        )
    return "\n".join(rows)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        found = re.fullmatch(r"\s*(\d+)x(\d+)\s*", part)
        if not found or int(found.group(1)) < 1 or int(found.group(2)) < 2:
            raise argparse.ArgumentTypeError(f"'{part}' is not DOCUMENTSxCOMMITS (e.g. 150x3000)")
        sizes.append((int(found.group(1)), int(found.group(2))))
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(DEFAULT_SIZES),
        help=f"documents x commits to measure, comma-separated (default {DEFAULT_SIZES})",
    )
    parser.add_argument("--quick", action="store_true", help="only the first two sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts (default 3)")
    parser.add_argument(
        "--plugin-repeat",
        type=int,
        default=1,
        help="runs of the git-plugin build, by far the slowest (default 1)",
    )
    parser.add_argument("--no-git-plugins", action="store_true", help="skip the git-plugin builds")
    parser.add_argument("--workdir", help="folder for the repositories and the sites (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the repositories and the sites")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated history (default 2026)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.plugin_repeat < 1:
        parser.error("need --repeat >= 1 and --plugin-repeat >= 1")
    sizes = args.sizes[:2] if args.quick else args.sizes

    # An installed wheel has its bytecode compiled; an editable install under PYTHONDONTWRITEBYTECODE
    # would compile imsdocs' modules again in every build and count that as the plugin's cost.
    import imsdocs

    compileall.compile_dir(Path(imsdocs.__file__).parent, quiet=1)
    workdir, temporary = prepare_workdir(args.workdir)
    started = datetime.datetime.now(datetime.UTC)
    print(f"imsdocs benchmark in {workdir} ({versions()})", flush=True)
    results = []
    try:
        for documents, commits in sizes:
            results.append(measure(documents, commits, args, workdir))
    finally:
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(
        f"\nResults: best of {args.repeat} alternating runs (git plugins: {args.plugin_repeat}); {started:%Y-%m-%d}; "
        f"{versions()}; `{command.strip()}`\n"
    )
    print(table(results))
    print("\nTargets")
    failed = False
    for result in results:
        for label, ok in result.targets():
            failed |= not ok
            print(f"  {'PASS' if ok else 'FAIL'}  {result.documents} x {result.commits}: {label}")
        for problem in result.problems:
            failed = True
            print(f"  CHECK FAILED: {result.documents} x {result.commits}: {problem}")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
