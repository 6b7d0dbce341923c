"""Clause catalogues: one YAML file per standard edition, IDs, short titles and parents only.

A catalogue never holds requirement text (it is copyrighted); it is the list of what a management
system has to address, arranged as a tree whose leaves are the requirements.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import diagnostics as d
from .yamlsource import Node, YamlSyntaxError, parse


class Exclusion(enum.Enum):
    """Whether an organisation may declare a clause not applicable."""

    NEVER = "never"  # a management-system requirement: always applies
    JUSTIFIED = "justified"  # may be excluded with a justification (ISO/IEC 27001 Annex A)
    SCOPE = "scope"  # may be excluded only with a justification in the scope statement (ISO 9001)


CATALOGUE_KEYS = ("standard", "title", "exclusion", "clauses", "description")
CLAUSE_KEYS = ("id", "title", "parent", "exclusion")


@dataclass
class Clause:
    id: str
    title: str | None
    parent: str | None
    exclusion: Exclusion
    line: int
    children: list[str] = field(default_factory=list)

    @property
    def display_title(self) -> str:
        # Some ISO 9001 paragraphs are numbered but have no heading; never invent one.
        return self.title if self.title is not None else "(untitled paragraph)"


@dataclass
class Catalogue:
    key: str
    title: str
    path: str
    clauses: dict[str, Clause]

    def __contains__(self, clause_id: object) -> bool:
        return clause_id in self.clauses

    def is_leaf(self, clause_id: str) -> bool:
        return not self.clauses[clause_id].children

    def leaves(self) -> list[Clause]:
        return [c for c in self.clauses.values() if not c.children]

    def leaves_under(self, clause_id: str) -> list[str]:
        clause = self.clauses[clause_id]
        if not clause.children:
            return [clause_id]
        return [leaf for child in clause.children for leaf in self.leaves_under(child)]

    def roots(self) -> list[Clause]:
        return [c for c in self.clauses.values() if c.parent is None]

    def walk(self) -> Iterator[tuple[Clause, int]]:
        """Clauses in document order, depth-first, with their depth (0 for top level)."""

        def visit(clause_id: str, depth: int) -> Iterator[tuple[Clause, int]]:
            clause = self.clauses[clause_id]
            yield clause, depth
            for child in clause.children:
                yield from visit(child, depth + 1)

        for root in self.roots():
            yield from visit(root.id, 0)

    def nearest(self, clause_id: str) -> str:
        return d.did_you_mean(clause_id, self.clauses)

    def unknown_clause(self, clause_id: str, path: str, line: int | None) -> d.Diagnostic:
        return d.error(
            "unknown-clause",
            f"'{clause_id}' is not a clause of {self.title}.",
            path,
            line,
            self.nearest(clause_id) or f"See {self.path} for the clause IDs.",
        )


def unknown_standard(key: str, known: Iterable[str], path: str | None, line: int | None) -> d.Diagnostic:
    names = sorted(known)
    return d.error(
        "unknown-standard",
        f"unknown standard '{key}'.",
        path,
        line,
        d.did_you_mean(key, names) or f"Known standards: {', '.join(names)}.",
    )


def clause_id_text(node: Node, path: str, what: str) -> tuple[str | None, d.Diagnostic | None]:
    """A clause ID as written, or a diagnostic when YAML read it as something else than text."""
    if isinstance(node.value, str):
        if not node.value.strip():
            return None, d.error("clause-id-empty", f"{what} is empty.", path, node.line)
        return node.value.strip(), None
    if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return None, d.error(
            "clause-id-number",
            f"{what} {node.raw} is written as a number; YAML reads it as {node.value!r}.",
            path,
            node.line,
            f'Quote it: "{node.raw}".',
        )
    return None, d.error("clause-id-type", f"{what} must be text, not {node.raw!r}.", path, node.line)


def load_catalogue(file: Path, display_path: str) -> tuple[Catalogue | None, list[d.Diagnostic]]:
    """Read one catalogue file; returns None (with errors) when it cannot be used."""
    problems: list[d.Diagnostic] = []
    try:
        root = parse(file.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        return None, [d.error("yaml", exc.message, display_path, exc.line, "Fix the YAML syntax.")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [d.error("unreadable", f"cannot read the catalogue: {exc}", display_path)]
    if root is None or not root.is_mapping:
        return None, [
            d.error(
                "catalogue-shape",
                "a catalogue must be a mapping with 'standard', 'title' and 'clauses'.",
                display_path,
                root.line if root else 1,
            )
        ]
    for key, line in root.key_lines.items():
        if key not in CATALOGUE_KEYS:
            problems.append(
                d.error(
                    "catalogue-key", f"unknown key '{key}'.", display_path, line, d.did_you_mean(key, CATALOGUE_KEYS)
                )
            )
    fields = root.value
    for required in ("standard", "title", "clauses"):
        if required not in fields:
            problems.append(d.error("catalogue-key", f"missing key '{required}'.", display_path, root.line))
    if problems:
        return None, problems
    key_node, title_node, clauses_node = fields["standard"], fields["title"], fields["clauses"]
    if not key_node.is_string or not title_node.is_string:
        return None, [d.error("catalogue-key", "'standard' and 'title' must be text.", display_path, key_node.line)]
    default = _exclusion(fields.get("exclusion"), None, display_path, problems)
    if not clauses_node.is_sequence:
        return None, [d.error("catalogue-shape", "'clauses' must be a list.", display_path, clauses_node.line)]

    clauses: dict[str, Clause] = {}
    declared_exclusion: dict[str, bool] = {}
    parent_lines: dict[str, int] = {}
    for entry in clauses_node.value:
        read = _read_clause(entry, display_path, problems)
        if read is None:
            continue
        clause_obj, explicit = read
        if clause_obj.id in clauses:
            problems.append(
                d.error(
                    "clause-duplicate",
                    f"duplicate clause ID '{clause_obj.id}' (first defined on line {clauses[clause_obj.id].line}).",
                    display_path,
                    clause_obj.line,
                    "Each ID may appear once.",
                )
            )
            continue
        clauses[clause_obj.id] = clause_obj
        declared_exclusion[clause_obj.id] = explicit
        parent_lines[clause_obj.id] = entry.value["parent"].line if "parent" in entry.value else clause_obj.line

    for clause in clauses.values():
        if clause.parent is not None and clause.parent not in clauses:
            problems.append(
                d.error(
                    "clause-parent",
                    f"clause '{clause.id}' names an unknown parent '{clause.parent}'.",
                    display_path,
                    parent_lines[clause.id],
                    d.did_you_mean(clause.parent, set(clauses) - {clause.id})
                    or "Define the parent first, or set parent: null.",
                )
            )
    problems.extend(_cycles(clauses, display_path))
    if d.has_errors(problems):
        return None, problems

    for clause in clauses.values():
        if clause.parent is not None:
            clauses[clause.parent].children.append(clause.id)
    # Exclusion is inherited down the tree unless an entry says otherwise (Annex A themes set it once).
    for clause in clauses.values():
        if not declared_exclusion[clause.id]:
            ancestor = clause.parent
            while ancestor is not None and not declared_exclusion[ancestor]:
                ancestor = clauses[ancestor].parent
            clause.exclusion = clauses[ancestor].exclusion if ancestor is not None else default
    return Catalogue(key_node.value.strip(), title_node.value.strip(), display_path, clauses), problems


def _exclusion(node: Node | None, default: Exclusion | None, path: str, problems: list[d.Diagnostic]) -> Exclusion:
    if node is None:
        return default or Exclusion.NEVER
    values = [e.value for e in Exclusion]
    if isinstance(node.value, str) and node.value in values:
        return Exclusion(node.value)
    problems.append(
        d.error(
            "catalogue-exclusion",
            f"exclusion must be one of {', '.join(values)}, not {node.raw!r}.",
            path,
            node.line,
            d.did_you_mean(str(node.raw), values),
        )
    )
    return default or Exclusion.NEVER


def _read_clause(entry: Node, path: str, problems: list[d.Diagnostic]) -> tuple[Clause, bool] | None:
    if not entry.is_mapping:
        problems.append(
            d.error("catalogue-shape", "each clause must be a mapping with 'id' and 'title'.", path, entry.line)
        )
        return None
    for key, line in entry.key_lines.items():
        if key not in CLAUSE_KEYS:
            problems.append(
                d.error("catalogue-key", f"unknown clause key '{key}'.", path, line, d.did_you_mean(key, CLAUSE_KEYS))
            )
    if "id" not in entry.value:
        problems.append(d.error("catalogue-key", "clause without 'id'.", path, entry.line))
        return None
    clause_id, problem = clause_id_text(entry.value["id"], path, "clause ID")
    if problem:
        problems.append(problem)
        return None
    assert clause_id is not None
    title_node = entry.value.get("title")
    title = None
    if title_node is not None and title_node.value is not None:
        if not isinstance(title_node.value, str):
            problems.append(d.error("catalogue-title", f"title of '{clause_id}' must be text.", path, title_node.line))
        else:
            title = title_node.value
    parent: str | None = None
    parent_node = entry.value.get("parent")
    if parent_node is not None and parent_node.value is not None:
        parent, problem = clause_id_text(parent_node, path, f"parent of '{clause_id}'")
        if problem:
            problems.append(problem)
            return None
    exclusion_node = entry.value.get("exclusion")
    exclusion = _exclusion(exclusion_node, Exclusion.NEVER, path, problems)
    return Clause(clause_id, title, parent, exclusion, entry.line), exclusion_node is not None


def _cycles(clauses: dict[str, Clause], path: str) -> list[d.Diagnostic]:
    problems = []
    reported: set[str] = set()
    for start in clauses:
        seen: list[str] = []
        current: str | None = start
        while current is not None and current in clauses and current not in seen:
            seen.append(current)
            current = clauses[current].parent
        if current is not None and current in seen and current not in reported:
            cycle = seen[seen.index(current) :]
            reported.update(cycle)
            problems.append(
                d.error(
                    "clause-cycle",
                    f"clauses form a cycle through their parents: {' -> '.join(cycle + [current])}.",
                    path,
                    clauses[current].line,
                    "A clause cannot be its own ancestor; fix the 'parent' values.",
                )
            )
    return problems
