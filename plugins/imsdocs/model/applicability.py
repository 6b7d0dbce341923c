"""Applicability: which requirements are excluded (with why) and why Annex A controls are included.

Every rule about exclusions lives here: which clauses may be excluded and with what, that a scope
statement names a real document, and that no document claims an excluded clause.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic, did_you_mean
from .catalogue import Catalogue, Exclusion, unknown_standard
from .documents import Document
from .yamlfile import Node, load_yaml_file, unknown_keys

REASONS = ("risk", "legal", "contractual", "business")
STATUSES = ("implemented", "partially implemented", "planned", "not implemented")
STANDARD_KEYS = ("default_inclusion", "included", "excluded")
INCLUSION_KEYS = ("reasons", "justification", "status", "target", "risk")
DOCUMENT_KEY = "document"  # the SoA's own document control: id, title, owner, approver, ...
EXCLUSION_KEYS = ("justification", "scope_statement")
EXAMPLE = 'iso27001:2022:\n  excluded:\n    "A.7.12": {justification: "..."}'


@dataclass(frozen=True)
class Inclusion:
    """Why a control applies (reasons and justification), how far it is implemented, and the risks or
    treatment actions behind it."""

    reasons: tuple[str, ...]
    justification: str
    status: str | None = None  # one of STATUSES
    target: datetime.date | None = None  # when a planned control is to be in place
    risks: tuple[str, ...] = ()  # e.g. R-IS-03, T-05
    line: int = 0


@dataclass(frozen=True)
class ExclusionRecord:
    """Why a requirement does not apply, and (ISO 9001) the scope statement that says so."""

    clause: str
    justification: str
    line: int
    scope_statement: str | None = None


@dataclass
class StandardApplicability:
    """One standard's exclusions and reasons for inclusion."""

    default_inclusion: Inclusion | None = None
    included: dict[str, Inclusion] = field(default_factory=dict)
    excluded: dict[str, ExclusionRecord] = field(default_factory=dict)

    def inclusion(self, clause: str) -> Inclusion | None:
        return self.included.get(clause, self.default_inclusion)


@dataclass
class Applicability:
    """The applicability file: per standard key, its exclusions and inclusions; and the SoA's own
    document-control fields (its `document:` block), read as a document's front matter is."""

    path: str
    standards: dict[str, StandardApplicability] = field(default_factory=dict)
    document: Node | None = None

    def for_standard(self, key: str) -> StandardApplicability:
        return self.standards.get(key, StandardApplicability())


def load_applicability(
    file: Path, display_path: str, catalogues: Mapping[str, Catalogue], *, skip: Set[str] = frozenset()
) -> tuple[Applicability, list[Diagnostic]]:
    """Read the applicability file (optional: without it nothing is excluded).

    `skip`: standards whose catalogue is in doubt (defined twice): their entries are not checked.
    """
    result = Applicability(display_path)
    if not file.exists():
        return result, []
    root, problems = load_yaml_file(
        file, display_path, "the applicability file", mapping_of="standard keys", example=EXAMPLE
    )
    if root is None:
        return result, problems
    for key, node in root.value.items():
        if key == DOCUMENT_KEY:
            result.document = node
            continue
        if key in skip:
            continue
        catalogue = catalogues.get(key)
        if catalogue is None:
            problems.append(unknown_standard(key, catalogues, display_path, root.key_lines[key]))
            continue
        result.standards[key] = _standard(node, catalogue, display_path, problems)
    return result, problems


def check_scope_statements(applicability: Applicability, document_ids: Iterable[str]) -> list[Diagnostic]:
    """Every exclusion's `scope_statement` names a document."""
    ids = set(document_ids)
    return [
        codes.EXCLUSION_SCOPE_UNKNOWN(
            f"scope_statement '{record.scope_statement}' is no document's id.",
            applicability.path,
            record.line,
            did_you_mean(record.scope_statement, ids),
        )
        for standard in applicability.standards.values()
        for record in standard.excluded.values()
        if record.scope_statement is not None and record.scope_statement not in ids
    ]


def claims_of_excluded(
    applicability: Applicability, documents: Iterable[Document], catalogues: Mapping[str, Catalogue]
) -> list[Diagnostic]:
    """A warning per claim of an excluded clause: either the claim or the exclusion is wrong."""
    problems = []
    for doc in documents:
        for claim in doc.claims:
            standard = applicability.standards.get(claim.standard)
            if standard is not None and claim.clause in standard.excluded:
                problems.append(
                    codes.CLAIM_EXCLUDED(
                        f"{catalogues[claim.standard].title} {claim.clause} is claimed here but excluded in "
                        f"{applicability.path}.",
                        doc.path,
                        claim.line,
                        "Remove the claim, or remove the exclusion if the clause applies after all.",
                    )
                )
    return problems


def _standard(node: Node, catalogue: Catalogue, path: str, problems: list[Diagnostic]) -> StandardApplicability:
    result = StandardApplicability()
    if not node.is_mapping:
        problems.append(codes.YAML_SHAPE(f"'{catalogue.key}' must be a mapping.", path, node.line, EXAMPLE))
        return result
    problems.extend(unknown_keys(node, STANDARD_KEYS, path))
    if "default_inclusion" in node.value:
        result.default_inclusion = _inclusion(node.value["default_inclusion"], path, problems)
    for clause_id, entry, _line in _entries(node.value.get("included"), catalogue, path, problems):
        result.included[clause_id] = _inclusion(entry, path, problems)
    for clause_id, entry, line in _entries(node.value.get("excluded"), catalogue, path, problems):
        record = _exclusion(clause_id, entry, line, catalogue, path, problems)
        if record is not None:
            result.excluded[clause_id] = record
            if clause_id in result.included:
                problems.append(codes.APPLICABILITY_BOTH(f"{clause_id} is both included and excluded.", path, line))
    return result


def _entries(
    node: Node | None, catalogue: Catalogue, path: str, problems: list[Diagnostic]
) -> list[tuple[str, Node, int]]:
    if node is None or node.value is None:
        return []
    if not node.is_mapping:
        problems.append(codes.YAML_SHAPE("expected a mapping of clause IDs.", path, node.line, EXAMPLE))
        return []
    entries = []
    for clause_id, entry in node.value.items():
        line = node.key_lines[clause_id]
        if clause_id not in catalogue:
            problems.append(catalogue.unknown_clause(clause_id, path, line))
            continue
        if not catalogue.is_leaf(clause_id):
            children = ", ".join(catalogue.clauses[clause_id].children)
            problems.append(
                codes.APPLICABILITY_NOT_LEAF(f"{clause_id} has subclauses; list them instead: {children}.", path, line)
            )
            continue
        entries.append((clause_id, entry, line))
    return entries


def _inclusion(node: Node, path: str, problems: list[Diagnostic], *, default: bool = False) -> Inclusion:
    if not node.is_mapping:
        problems.append(codes.YAML_SHAPE("expected reasons: [...] and justification: ...", path, node.line))
        return Inclusion((), "")
    problems.extend(unknown_keys(node, INCLUSION_KEYS, path))
    reasons: list[str] = []
    reasons_node = node.value.get("reasons")
    for item in reasons_node.value if reasons_node is not None and reasons_node.is_sequence else []:
        if item.value in REASONS:
            reasons.append(item.value)
        else:
            problems.append(
                codes.INCLUSION_REASON(
                    f"'{item.raw}' is not a reason for inclusion; use {', '.join(REASONS)}.",
                    path,
                    item.line,
                    did_you_mean(str(item.raw), REASONS),
                )
            )
    if not reasons:
        problems.append(
            codes.INCLUSION_REASON(
                "an inclusion needs at least one reason.", path, node.line, f"Use {', '.join(REASONS)}."
            )
        )
    fields = node.value
    status = fields["status"].text() if "status" in fields else None
    if status is not None and status not in STATUSES:
        problems.append(
            codes.INCLUSION_STATUS(
                f"status '{status}' is not one of: {', '.join(STATUSES)}.",
                path,
                fields["status"].line,
                did_you_mean(status, STATUSES),
            )
        )
        status = None
    target = fields["target"].value if "target" in fields else None
    if target is not None and not (isinstance(target, datetime.date) and not isinstance(target, datetime.datetime)):
        problems.append(codes.INCLUSION_STATUS("'target' must be a date (YYYY-MM-DD).", path, fields["target"].line))
        target = None
    risk = fields.get("risk")
    risks = tuple(
        item.text() for item in (risk.value if risk is not None and risk.is_sequence else [risk] if risk else [])
    )
    justification = fields.get("justification")
    return Inclusion(
        tuple(reasons),
        justification.text() if justification is not None else "",
        status,
        target,
        tuple(r for r in risks if r),
        node.line,
    )


def _exclusion(
    clause_id: str, node: Node, line: int, catalogue: Catalogue, path: str, problems: list[Diagnostic]
) -> ExclusionRecord | None:
    clause = catalogue.clauses[clause_id]
    if clause.exclusion is Exclusion.NEVER:
        problems.append(
            codes.EXCLUSION_NOT_ALLOWED(
                f"{catalogue.title} {clause_id} ({clause.display_title}) cannot be excluded.",
                path,
                line,
                "Requirements of the management system itself always apply; cover it with a document.",
            )
        )
        return None
    fields = node.value if node.is_mapping else {}
    if node.is_mapping:
        problems.extend(unknown_keys(node, EXCLUSION_KEYS, path))
    justification = fields["justification"].text() if "justification" in fields else node.text()
    if not justification:
        problems.append(
            codes.EXCLUSION_UNJUSTIFIED(
                f"the exclusion of {catalogue.title} {clause_id} has no justification.",
                path,
                line,
                "Add justification: <why this does not apply to the organisation>.",
            )
        )
        return None
    scope = fields["scope_statement"].text() if "scope_statement" in fields else ""
    if clause.exclusion is Exclusion.SCOPE and not scope:
        problems.append(
            codes.EXCLUSION_SCOPE_MISSING(
                f"{catalogue.title} {clause_id} may only be excluded in the scope statement.",
                path,
                line,
                "Add scope_statement: <id of the scope document that states the justification>.",
            )
        )
        return None
    return ExclusionRecord(clause_id, justification, line, scope or None)
