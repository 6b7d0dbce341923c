"""`imsdocs new DIR`: a working IMS repository to start from.

It writes mkdocs.yml for the chosen standards, the requirements folder (an applicability file whose
reasons are to be completed, a people file), a home page, the CI template, and one starter document
per item of mandatory documented information: a draft with headings and guidance in our own words
(never the standards' text). Its first `mkdocs build` succeeds and lists what is missing; the strict
build fails until the drafts are written, approved and merged.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..compliance.mandatory import MandatoryItem, shipped_lists
from ..history.git import git
from ..model.catalogue import Catalogue, load_catalogue, shipped_catalogues

FOLDERS = {
    "policy": "policies",
    "plan": "policies",
    "standard": "policies",
    "procedure": "procedures",
    "guideline": "procedures",
    "record": "records",
    "register": "records",
    "form": "records",
}
PREFIXES = {
    "policy": "POL",
    "plan": "PLN",
    "standard": "STD",
    "procedure": "PRO",
    "guideline": "GDL",
    "record": "REC",
    "register": "REG",
    "form": "FRM",
}
GUIDANCE = {
    "policy": [
        ("Purpose", "Say in two or three sentences why this policy exists and what it protects or achieves."),
        ("Scope", "Name the people, services, sites and information it covers, and anything it leaves out."),
        ("Policy statements", "Write the commitments and rules as short numbered statements that can be checked."),
        ("Roles and responsibilities", "Say who owns the policy, who applies it and who checks that it is applied."),
        ("Related documents", "List the procedures, records and other policies that put it into practice."),
    ],
    "procedure": [
        ("Purpose", "Say what the procedure achieves and when it is used."),
        ("Responsibilities", "Name the roles that carry out, approve and check each step."),
        ("Steps", "Describe the steps in order, with their inputs, outputs and time limits."),
        ("Records", "Name the records the procedure produces, where they are kept and for how long."),
    ],
    "plan": [
        ("Purpose", "Say what the plan is for and the period it covers."),
        ("Objectives and actions", "List what will be done, by whom, with which resources, and by when."),
        ("Evaluation", "Say how and when progress and results will be measured and reported."),
    ],
    "standard": [
        ("Purpose", "Say what this document defines and for whom."),
        ("Content", "Describe the requirements of your own organisation, in your own words."),
    ],
    "guideline": [
        ("Purpose", "Say what the guidance helps people do."),
        ("Guidance", "Give practical advice and examples."),
    ],
    "record": [
        ("What this record shows", "Say which activity or result this record is evidence of, and for which period."),
        ("Entries", "Record the facts: dates, who, what was found or decided, and the follow-up actions."),
    ],
    "register": [
        ("What this register holds", "Say what each entry is and who keeps the register up to date."),
        ("Entries", "One row per entry, with an identifier, an owner and a status."),
    ],
    "form": [
        ("How to use this form", "Say who fills it in, when, and where the completed form is kept."),
    ],
}
SOA_ITEM = "statement-of-applicability"


@dataclass(frozen=True)
class Starter:
    """One starter document: the items it provides and where it goes."""

    doc_id: str
    title: str
    type: str
    items: tuple[MandatoryItem, ...]

    @property
    def path(self) -> str:
        slug = "-".join(part for part in "".join(c.lower() if c.isalnum() else " " for c in self.title).split())
        return f"{FOLDERS[self.type]}/{slug}.md"


def starters(standards: Sequence[str]) -> list[Starter]:
    """One draft per item of mandatory documented information of `standards` (one for an item several share)."""
    lists = shipped_lists()
    grouped: dict[str, list[MandatoryItem]] = {}
    for key in standards:
        for item in lists.get(key, []):
            if item.id != SOA_ITEM:  # the SoA is the applicability file's own document
                grouped.setdefault(item.id, []).append(item)
    numbers: dict[str, int] = {"PRO": 1}  # PRO-001 is the document-control procedure every IMS has
    found = []
    for items in grouped.values():
        common = [t for t in items[0].types if all(t in item.types for item in items)]
        kind = (common or list(items[0].types))[0]
        prefix = PREFIXES[kind]
        numbers[prefix] = numbers.get(prefix, 0) + 1
        found.append(Starter(f"{prefix}-{numbers[prefix]:03d}", items[0].name, kind, tuple(items)))
    return found


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML strings


def _front_matter(
    doc_id: str, title: str, kind: str, satisfies: dict[str, list[str]], provides: list[str], today: str
) -> str:
    lines = [
        "---",
        f"id: {doc_id}",
        f"title: {_yaml(title)}",
        f"type: {kind}",
        "owner: IMS Manager",
        "approver: Top Management",
        "status: draft",
        "review_interval: 12 months",
        "classification: internal",
        "satisfies:" + ("" if satisfies else " {}"),
        *(f"  {key}: [{', '.join(_yaml(c) for c in clauses)}]" for key, clauses in satisfies.items()),
    ]
    if provides:
        lines.append(f"provides: [{', '.join(provides)}]")
    if kind == "record":
        lines.append(
            f"record: {{produced_by: PRO-001, retention: 6 years, location: this repository, access: IMS team, as_at: {today}}}"
        )
    return "\n".join(lines) + "\n---\n"


def _body(title: str, kind: str, items: Sequence[MandatoryItem], catalogues: dict[str, Catalogue]) -> str:
    required = "; ".join(
        f"{catalogues[item.standard].title} {', '.join(item.clauses)}" for item in items if item.standard in catalogues
    )
    parts = [
        f"# {title}\n",
        f"_A starter document made by `imsdocs new`: it stands for documented information that {required} "
        "requires. Replace the guidance in italics with your own text, then have it approved through a pull "
        "request and set `status: approved`._\n",
    ]
    for heading, guidance in GUIDANCE[kind]:
        parts.append(f"## {heading}\n\n_{guidance}_\n")
    return "\n".join(parts)


def _leaves(item: MandatoryItem, catalogue: Catalogue) -> list[str]:
    return [leaf for clause in item.clauses if clause in catalogue for leaf in catalogue.leaves_under(clause)]


def scaffold(target: Path, standards: Sequence[str], name: str, forge: str, today: datetime.date) -> list[str]:
    """Write a new IMS into `target` (which must be empty or absent); the files written, relative to it."""
    catalogues = {}
    for key, (file, display) in shipped_catalogues().items():
        catalogue, _ = load_catalogue(file, display)
        if catalogue is not None:
            catalogues[key] = catalogue
    written: dict[str, str] = {}
    day = today.isoformat()
    written["mkdocs.yml"] = _mkdocs_yml(name, standards, forge)
    written["docs/index.md"] = (
        f"# {name}: Integrated Management System\n\n"
        "The controlled copy of our policies, procedures and records.\n\n"
        "## Coverage\n\n<!-- imsdocs:coverage -->\n\n## Needs attention\n\n<!-- imsdocs:attention -->\n"
    )
    written["requirements_map/people.yml"] = (
        "# Who holds which role: approvals are matched to a document's approver through this file.\n"
        "# Replace the placeholders with the real people; add forge handles to route pull requests.\n"
        "people:\n"
        "  - {name: Top Management, email: top.management@example.org, roles: [Top Management]}\n"
        "  - {name: IMS Manager, email: ims.manager@example.org, roles: [IMS Manager]}\n"
    )
    written["requirements_map/applicability.yml"] = _applicability(standards, today)
    control = "procedures/document-and-record-control.md"
    clauses = {
        key: [
            c
            for c in ("7.5.1", "7.5.2", "7.5.3", "7.5.3.1", "7.5.3.2")
            if c in catalogues[key] and catalogues[key].is_leaf(c)
        ]
        for key in standards
        if key in catalogues
    }
    written[control] = _front_matter(
        "PRO-001", "Document and Record Control", "procedure", {k: v for k, v in clauses.items() if v}, [], day
    ) + _body("Document and Record Control", "procedure", [], catalogues)
    for starter in starters(standards):
        satisfies: dict[str, list[str]] = {}
        for item in starter.items:
            if item.standard in catalogues:
                satisfies.setdefault(item.standard, [])
                satisfies[item.standard] += [
                    c for c in _leaves(item, catalogues[item.standard]) if c not in satisfies[item.standard]
                ]
        provides = [item.key for item in starter.items]
        path = starter.path
        while path in written:  # two items of the same name: keep both
            path = path.replace(".md", "-2.md")
        written[path] = _front_matter(starter.doc_id, starter.title, starter.type, satisfies, provides, day) + _body(
            starter.title, starter.type, starter.items, catalogues
        )
    template = "github-workflow.yml" if forge == "github" else "gitlab-ci.yml"
    ci_path = ".github/workflows/ims.yml" if forge == "github" else ".gitlab-ci.yml"
    written[ci_path] = resources.files("imsdocs").joinpath("ci", template).read_text(encoding="utf-8")
    written[".gitignore"] = "/site/\n/.venv/\n"
    for relative, content in written.items():
        file = target / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content, encoding="utf-8")
    return sorted(written)


def _mkdocs_yml(name: str, standards: Sequence[str], forge: str) -> str:
    return f"""site_name: {_yaml(name + " Integrated Management System")}
docs_dir: docs
theme:
  name: material
  font: false  # an intranet site: no fonts from Google
  features: [navigation.sections, navigation.indexes, navigation.top, search.highlight, content.tooltips]
plugins:
  - search
  - imsdocs:
      standards: [{", ".join(_yaml(s) for s in standards)}]
      main_branch: main
      timezone: UTC
      forge: {forge}
      codeowners_requirements: [Top Management, IMS Manager]
      # When your approved document set is in git, record it here so that its history is imported:
      # approval_baseline: {{commit: <sha>, approved_by: <person>, approved_on: <date>, reference: <minute>}}
markdown_extensions:
  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
validation:
  anchors: warn
"""


def _applicability(standards: Sequence[str], today: datetime.date) -> str:
    lines = [
        "# Applicability: what is excluded, and why each Annex A control applies (the Statement of",
        "# Applicability's source). Complete the reasons and justifications, then approve it like a document.",
    ]
    if "iso27001:2022" in standards:
        target = today.replace(year=today.year + 1).isoformat()
        lines += [
            "document:",
            "  id: SOA-001",
            "  title: Statement of Applicability",
            "  type: register",
            "  owner: IMS Manager",
            "  approver: Top Management",
            "  status: draft",
            "  review_interval: 12 months",
            "  classification: internal",
            "  provides: [iso27001:2022/statement-of-applicability]",
            "iso27001:2022:",
            "  default_inclusion:",
            "    reasons: [risk]",
            '    justification: "To be completed: the assessed risks these controls treat (see the risk treatment plan)."',
            "    status: planned",
            f"    target: {target}",
            '  # included: {"A.5.31": {reasons: [legal], justification: ..., status: implemented}}',
            '  # excluded: {"A.7.12": {justification: why it does not apply}}',
        ]
    else:
        lines.append("{}")
    return "\n".join(lines) + "\n"


def start_repository(target: Path) -> None:
    """`git init` on branch main and one commit of everything written (git's own identity if configured)."""
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    named = git(target, "config", "user.email", ok=(0, 1)).strip()
    identity = {} if named else {"user.name": "imsdocs new", "user.email": "imsdocs@localhost"}
    git(target, "commit", "-q", "-m", "Start the IMS (imsdocs new)", config=identity)
