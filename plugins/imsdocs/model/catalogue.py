"""Clause catalogues: one YAML file per standard edition, IDs, short titles and parents only.

A catalogue never holds requirement text (it is copyrighted); it is the list of what a management
system has to address, arranged as a tree whose leaves are the requirements.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic, did_you_mean, has_errors
from .yamlfile import Node, load_yaml_file, parse, unknown_keys


class Exclusion(enum.Enum):
    """Whether an organisation may declare a clause not applicable."""

    NEVER = "never"  # a management-system requirement: always applies
    JUSTIFIED = "justified"  # may be excluded with a justification (ISO/IEC 27001 Annex A)
    SCOPE = "scope"  # may be excluded only with a justification in the scope statement (ISO 9001)


CATALOGUE_KEYS = ("standard", "title", "exclusion", "clauses", "description")
CLAUSE_KEYS = ("id", "title", "parent", "exclusion")
EXAMPLE = 'standard: "nis2:2022"\ntitle: "NIS2 Directive"\nclauses:\n  - {id: "21", title: "Measures", parent: null}'


@dataclass
class Clause:
    """One clause or control: its ID, short title, parent and whether it may be excluded."""

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
    """One standard edition's clause tree; its leaves are the requirements."""

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
        """The requirements a clause stands for: itself when a leaf, else the leaves below it."""
        return [clause.id for clause, _ in self._walk_from(clause_id, 0) if not clause.children]

    def roots(self) -> list[Clause]:
        return [c for c in self.clauses.values() if c.parent is None]

    def walk(self) -> Iterator[tuple[Clause, int]]:
        """Clauses in document order, depth-first, with their depth (0 for top level)."""
        for root in self.roots():
            yield from self._walk_from(root.id, 0)

    def _walk_from(self, clause_id: str, depth: int) -> Iterator[tuple[Clause, int]]:
        # Iterative: a catalogue may nest deeper than Python's recursion limit.
        stack = [(clause_id, depth)]
        while stack:
            current, level = stack.pop()
            clause = self.clauses[current]
            yield clause, level
            stack.extend((child, level + 1) for child in reversed(clause.children))

    def unknown_clause(self, clause_id: str, path: str, line: int | None) -> Diagnostic:
        return codes.UNKNOWN_CLAUSE(
            f"'{clause_id}' is not a clause of {self.title}.",
            path,
            line,
            did_you_mean(clause_id, self.clauses) or f"See {self.path} for the clause IDs.",
        )


def unknown_standard(key: str, known: Iterable[str], path: str | None, line: int | None) -> Diagnostic:
    names = sorted(known)
    return codes.UNKNOWN_STANDARD(
        f"unknown standard '{key}'.",
        path,
        line,
        did_you_mean(key, names) or f"Known standards: {', '.join(names)}.",
    )


def clause_id_text(node: Node, path: str, what: str) -> tuple[str | None, Diagnostic | None]:
    """A clause ID as written, or a diagnostic when YAML read it as something else than text."""
    if isinstance(node.value, str):
        if not node.value.strip():
            return None, codes.CLAUSE_ID_EMPTY(f"{what} is empty.", path, node.line)
        return node.value.strip(), None
    if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return None, codes.CLAUSE_ID_NUMBER(
            f"{what} {node.raw} is written as a number; YAML reads it as {node.value!r}.",
            path,
            node.line,
            f'Quote it: "{node.raw}".',
        )
    return None, codes.CLAUSE_ID_TYPE(f"{what} must be text, not {node.raw!r}.", path, node.line)


def shipped_catalogues() -> dict[str, tuple[Path, str]]:
    """The catalogues that ship with the package: standard key -> (file, how it is named in messages)."""
    folder = resources.files("imsdocs").joinpath("data", "catalogues")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yml"):
            key = _standard_key(entry.read_text(encoding="utf-8"))
            found[key] = (Path(str(entry)), f"imsdocs:catalogues/{entry.name}")
    return found


def _standard_key(text: str) -> str:
    match = re.search(r'^standard:\s*"?([^"\n]+)"?\s*$', text, re.M)
    assert match is not None, "a shipped catalogue names its standard"
    return match.group(1).strip()


def migration_map() -> dict[str, tuple[str, ...]]:
    """ISO/IEC 27001:2013 Annex A control -> the ISO/IEC 27001:2022 Annex A controls it became."""
    text = (
        resources.files("imsdocs")
        .joinpath("data", "migration", "iso27001_2013_to_2022.yml")
        .read_text(encoding="utf-8")
    )
    root = parse(text)
    assert root is not None
    return {
        row.value["from"].text(): tuple(t.text() for t in row.value["to"].value) for row in root.value["controls"].value
    }


def load_catalogue(file: Path, display_path: str) -> tuple[Catalogue | None, list[Diagnostic]]:
    """Read one catalogue file; returns None (with errors) when it cannot be used."""
    root, problems = load_yaml_file(
        file, display_path, "a catalogue", mapping_of="'standard', 'title' and 'clauses'", example=EXAMPLE
    )
    if root is None:
        return None, problems or [codes.YAML_SHAPE("the catalogue is empty.", display_path, 1, EXAMPLE)]
    problems.extend(unknown_keys(root, CATALOGUE_KEYS, display_path))
    fields = root.value
    for required in ("standard", "title", "clauses"):
        if required not in fields:
            problems.append(codes.KEY_MISSING(f"missing key '{required}'.", display_path, root.line, EXAMPLE))
    if problems:
        return None, problems
    key_node, title_node, clauses_node = fields["standard"], fields["title"], fields["clauses"]
    if not key_node.text() or not title_node.text():
        return None, [codes.CATALOGUE_VALUE("'standard' and 'title' must be text.", display_path, key_node.line)]
    default = _exclusion(fields.get("exclusion"), None, display_path, problems)
    if not clauses_node.is_sequence:
        return None, [codes.CATALOGUE_SHAPE("'clauses' must be a list.", display_path, clauses_node.line)]
    if not clauses_node.value:
        return None, [
            codes.CATALOGUE_SHAPE(
                "the catalogue has no clauses: nothing could be covered.", display_path, clauses_node.line
            )
        ]

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
                codes.CLAUSE_DUPLICATE(
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
                codes.CLAUSE_PARENT(
                    f"clause '{clause.id}' names an unknown parent '{clause.parent}'.",
                    display_path,
                    parent_lines[clause.id],
                    did_you_mean(clause.parent, set(clauses) - {clause.id})
                    or "Define the parent first, or set parent: null.",
                )
            )
    problems.extend(_cycles(clauses, display_path))
    if has_errors(problems):
        return None, problems

    for clause in clauses.values():
        if clause.parent is not None:
            clauses[clause.parent].children.append(clause.id)
    # Exclusion is inherited down the tree unless an entry says otherwise (Annex A themes set it once).
    # Parents are resolved before children (a walk from the roots), so each step looks one level up.
    catalogue = Catalogue(key_node.text(), title_node.text(), display_path, clauses)
    for clause, _ in catalogue.walk():
        if not declared_exclusion[clause.id]:
            clause.exclusion = clauses[clause.parent].exclusion if clause.parent is not None else default
    return catalogue, problems


def _exclusion(node: Node | None, default: Exclusion | None, path: str, problems: list[Diagnostic]) -> Exclusion:
    if node is None:
        return default or Exclusion.NEVER
    values = [e.value for e in Exclusion]
    if isinstance(node.value, str) and node.value in values:
        return Exclusion(node.value)
    problems.append(
        codes.CATALOGUE_EXCLUSION(
            f"exclusion must be one of {', '.join(values)}, not {node.raw!r}.",
            path,
            node.line,
            did_you_mean(str(node.raw), values),
        )
    )
    return default or Exclusion.NEVER


def _read_clause(entry: Node, path: str, problems: list[Diagnostic]) -> tuple[Clause, bool] | None:
    if not entry.is_mapping:
        problems.append(codes.CATALOGUE_SHAPE("each clause must be a mapping with 'id' and 'title'.", path, entry.line))
        return None
    problems.extend(unknown_keys(entry, CLAUSE_KEYS, path, " in a clause"))
    if "id" not in entry.value:
        problems.append(codes.KEY_MISSING("clause without 'id'.", path, entry.line))
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
            problems.append(codes.CATALOGUE_VALUE(f"title of '{clause_id}' must be text.", path, title_node.line))
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


def _cycles(clauses: dict[str, Clause], path: str) -> list[Diagnostic]:
    """Parent cycles, each reported once; linear in the number of clauses (each is walked once)."""
    problems = []
    state: dict[str, int] = {}  # 1: on the current walk, 2: known to reach a root
    for start in clauses:
        walk: list[str] = []
        current: str | None = start
        while current is not None and current in clauses and current not in state:
            state[current] = 1
            walk.append(current)
            current = clauses[current].parent
        if current is not None and state.get(current) == 1:
            cycle = walk[walk.index(current) :]
            problems.append(
                codes.CLAUSE_CYCLE(
                    f"clauses form a cycle through their parents: {' -> '.join(cycle + [current])}.",
                    path,
                    clauses[current].line,
                    "A clause cannot be its own ancestor; fix the 'parent' values.",
                )
            )
        for seen in walk:
            state[seen] = 2
    return problems
