"""The integrated view's input: topics that several standards share, with the clauses of each."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic
from .catalogue import Catalogue, unknown_standard
from .yamlfile import Node, load_yaml_file, unknown_keys

TOPIC_KEYS = ("topic", "relation", "note")
EXAMPLE = 'topics:\n  - {topic: "Internal audit", "iso27001:2022": ["9.2"], "iso20000-1:2018": ["9.2"]}'


@dataclass(frozen=True)
class SharedTopic:
    """One topic the standards share: per standard key, the clause IDs (leaves or parents) addressing it."""

    topic: str
    clauses: dict[str, tuple[str, ...]]
    relation: str
    note: str
    line: int


def load_correspondence(
    file: Path, display_path: str, catalogues: Mapping[str, Catalogue], *, skip: Set[str] = frozenset()
) -> tuple[list[SharedTopic], list[Diagnostic]]:
    """Read the correspondence file (optional: without it there is no integrated view)."""
    if not file.exists():
        return [], []
    root, problems = load_yaml_file(
        file, display_path, "the correspondence file", mapping_of="'topics'", example=EXAMPLE
    )
    if root is None:
        return [], problems
    rows_node = root.value.get("topics")
    if rows_node is None or not rows_node.is_sequence:
        return [], [
            codes.YAML_SHAPE("expected 'topics:' with a list of shared topics.", display_path, root.line, EXAMPLE)
        ]
    problems.extend(unknown_keys(root, ("topics",), display_path))
    topics = []
    for row in rows_node.value:
        if not row.is_mapping or "topic" not in row.value or not row.value["topic"].text():
            problems.append(
                codes.YAML_SHAPE("each topic needs 'topic:' and clause lists.", display_path, row.line, EXAMPLE)
            )
            continue
        clauses: dict[str, tuple[str, ...]] = {}
        for key, node in row.value.items():
            if key in TOPIC_KEYS or key in skip:
                continue
            catalogue = catalogues.get(key)
            if catalogue is None:
                problems.append(unknown_standard(key, catalogues, display_path, row.key_lines[key]))
                continue
            ids = []
            for item in node.value if node.is_sequence else [node]:
                if not isinstance(item.value, str):
                    problems.append(
                        codes.CLAUSE_ID_NUMBER(f"clause ID {item.raw} must be quoted.", display_path, item.line)
                    )
                elif item.value not in catalogue:
                    problems.append(catalogue.unknown_clause(item.value, display_path, item.line))
                else:
                    ids.append(item.value)
            clauses[key] = tuple(ids)
        topics.append(SharedTopic(_text(row, "topic"), clauses, _text(row, "relation"), _text(row, "note"), row.line))
    return topics, problems


def _text(row: Node, key: str) -> str:
    node = row.value.get(key)
    return "" if node is None or node.value is None else str(node.value)
