"""Applicability: which requirements are excluded (with why) and why Annex A controls are included.

These are the inputs of the Statement of Applicability besides the documents themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import diagnostics as d
from .catalogue import Catalogue, Exclusion, unknown_standard
from .yamlsource import Node, YamlSyntaxError, parse

REASONS = ("risk", "legal", "contractual", "business")
STANDARD_KEYS = ("default_inclusion", "included", "excluded")
ENTRY_KEYS = ("reasons", "justification", "scope_statement")


@dataclass(frozen=True)
class Inclusion:
    reasons: tuple[str, ...]
    justification: str


@dataclass(frozen=True)
class ExclusionRecord:
    clause: str
    justification: str
    line: int
    scope_statement: str | None = None


@dataclass
class StandardApplicability:
    default_inclusion: Inclusion | None = None
    included: dict[str, Inclusion] = field(default_factory=dict)
    excluded: dict[str, ExclusionRecord] = field(default_factory=dict)

    def inclusion(self, clause: str) -> Inclusion | None:
        return self.included.get(clause, self.default_inclusion)


@dataclass
class Applicability:
    path: str
    standards: dict[str, StandardApplicability] = field(default_factory=dict)

    def for_standard(self, key: str) -> StandardApplicability:
        return self.standards.get(key, StandardApplicability())


def load_applicability(
    file: Path, display_path: str, catalogues: Mapping[str, Catalogue]
) -> tuple[Applicability, list[d.Diagnostic]]:
    result = Applicability(display_path)
    if not file.exists():
        return result, []
    try:
        root = parse(file.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        return result, [d.error("yaml", exc.message, display_path, exc.line, "Fix the YAML syntax.")]
    if root is None:
        return result, []
    problems: list[d.Diagnostic] = []
    if not root.is_mapping:
        return result, [
            d.error("applicability-shape", "must map standard keys to their applicability.", display_path, root.line)
        ]
    for key, node in root.value.items():
        catalogue = catalogues.get(key)
        if catalogue is None:
            problems.append(unknown_standard(key, catalogues, display_path, root.key_lines[key]))
            continue
        result.standards[key] = _standard(node, catalogue, display_path, problems)
    return result, problems


def _standard(node: Node, catalogue: Catalogue, path: str, problems: list[d.Diagnostic]) -> StandardApplicability:
    result = StandardApplicability()
    if not node.is_mapping:
        problems.append(d.error("applicability-shape", f"'{catalogue.key}' must be a mapping.", path, node.line))
        return result
    for key, line in node.key_lines.items():
        if key not in STANDARD_KEYS:
            problems.append(
                d.error("applicability-key", f"unknown key '{key}'.", path, line, d.did_you_mean(key, STANDARD_KEYS))
            )
    if "default_inclusion" in node.value:
        result.default_inclusion = _inclusion(node.value["default_inclusion"], path, problems)
    for clause_id, entry, _line in _entries(node.value.get("included"), catalogue, path, problems):
        result.included[clause_id] = _inclusion(entry, path, problems)
    for clause_id, entry, line in _entries(node.value.get("excluded"), catalogue, path, problems):
        record = _exclusion(clause_id, entry, line, catalogue, path, problems)
        if record is not None:
            result.excluded[clause_id] = record
            if clause_id in result.included:
                problems.append(
                    d.error("applicability-both", f"{clause_id} is both included and excluded.", path, line)
                )
    return result


def _entries(
    node: Node | None, catalogue: Catalogue, path: str, problems: list[d.Diagnostic]
) -> list[tuple[str, Node, int]]:
    if node is None or node.value is None:
        return []
    if not node.is_mapping:
        problems.append(d.error("applicability-shape", "expected a mapping of clause IDs.", path, node.line))
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
                d.error("claim-not-leaf", f"{clause_id} has subclauses; list them instead: {children}.", path, line)
            )
            continue
        entries.append((clause_id, entry, line))
    return entries


def _text(node: Node | None) -> str:
    return node.value.strip() if node is not None and isinstance(node.value, str) else ""


def _inclusion(node: Node, path: str, problems: list[d.Diagnostic]) -> Inclusion:
    if not node.is_mapping:
        problems.append(
            d.error("applicability-shape", "expected reasons: [...] and justification: ...", path, node.line)
        )
        return Inclusion((), "")
    for key, line in node.key_lines.items():
        if key not in ("reasons", "justification"):
            problems.append(
                d.error("applicability-key", f"unknown key '{key}'.", path, line, d.did_you_mean(key, ENTRY_KEYS))
            )
    reasons: list[str] = []
    reasons_node = node.value.get("reasons")
    for item in reasons_node.value if reasons_node is not None and reasons_node.is_sequence else []:
        if item.value in REASONS:
            reasons.append(item.value)
        else:
            problems.append(
                d.error(
                    "inclusion-reason",
                    f"'{item.raw}' is not a reason for inclusion; use {', '.join(REASONS)}.",
                    path,
                    item.line,
                    d.did_you_mean(str(item.raw), REASONS),
                )
            )
    if not reasons:
        problems.append(
            d.error(
                "inclusion-reason",
                "an inclusion needs at least one reason.",
                path,
                node.line,
                f"Use {', '.join(REASONS)}.",
            )
        )
    return Inclusion(tuple(reasons), _text(node.value.get("justification")))


def _exclusion(
    clause_id: str, node: Node, line: int, catalogue: Catalogue, path: str, problems: list[d.Diagnostic]
) -> ExclusionRecord | None:
    clause = catalogue.clauses[clause_id]
    if clause.exclusion is Exclusion.NEVER:
        problems.append(
            d.error(
                "exclusion-not-allowed",
                f"{catalogue.title} {clause_id} ({clause.display_title}) cannot be excluded.",
                path,
                line,
                "Requirements of the management system itself always apply; cover it with a document.",
            )
        )
        return None
    fields = node.value if node.is_mapping else {}
    if node.is_mapping:
        for key, key_line in node.key_lines.items():
            if key not in ("justification", "scope_statement"):
                problems.append(
                    d.error(
                        "applicability-key", f"unknown key '{key}'.", path, key_line, d.did_you_mean(key, ENTRY_KEYS)
                    )
                )
    justification = _text(fields.get("justification")) if node.is_mapping else _text(node)
    if not justification:
        problems.append(
            d.error(
                "exclusion-unjustified",
                f"the exclusion of {catalogue.title} {clause_id} has no justification.",
                path,
                line,
                "Add justification: <why this does not apply to the organisation>.",
            )
        )
        return None
    scope = _text(fields.get("scope_statement")) or None
    if clause.exclusion is Exclusion.SCOPE and scope is None:
        problems.append(
            d.error(
                "exclusion-scope",
                f"{catalogue.title} {clause_id} may only be excluded in the scope statement.",
                path,
                line,
                "Add scope_statement: <id of the scope document that states the justification>.",
            )
        )
        return None
    return ExclusionRecord(clause_id, justification, line, scope)
