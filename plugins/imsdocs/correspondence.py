"""The integrated view: clauses that several standards share, one row per shared topic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import diagnostics as d
from .catalogue import Catalogue, unknown_standard
from .yamlsource import YamlSyntaxError, parse


@dataclass(frozen=True)
class SharedTopic:
    topic: str
    clauses: dict[str, tuple[str, ...]]  # standard key -> clause IDs (leaves or parents)
    relation: str
    note: str
    line: int


def load_correspondence(
    file: Path, display_path: str, catalogues: Mapping[str, Catalogue]
) -> tuple[list[SharedTopic], list[d.Diagnostic]]:
    if not file.exists():
        return [], []
    try:
        root = parse(file.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        return [], [d.error("yaml", exc.message, display_path, exc.line, "Fix the YAML syntax.")]
    if root is None:
        return [], []
    problems: list[d.Diagnostic] = []
    rows_node = root.value.get("topics") if root.is_mapping else None
    if rows_node is None or not rows_node.is_sequence:
        return [], [
            d.error("correspondence-shape", "expected 'topics:' with a list of shared topics.", display_path, root.line)
        ]
    topics = []
    for row in rows_node.value:
        if not row.is_mapping or "topic" not in row.value:
            problems.append(
                d.error("correspondence-shape", "each topic needs 'topic:' and clause lists.", display_path, row.line)
            )
            continue
        clauses: dict[str, tuple[str, ...]] = {}
        for key, node in row.value.items():
            if key in ("topic", "relation", "note"):
                continue
            catalogue = catalogues.get(key)
            if catalogue is None:
                problems.append(unknown_standard(key, catalogues, display_path, row.key_lines[key]))
                continue
            ids = []
            for item in node.value if node.is_sequence else [node]:
                if not isinstance(item.value, str):
                    problems.append(
                        d.error("clause-id-number", f"clause ID {item.raw} must be quoted.", display_path, item.line)
                    )
                elif item.value not in catalogue:
                    problems.append(catalogue.unknown_clause(item.value, display_path, item.line))
                else:
                    ids.append(item.value)
            clauses[key] = tuple(ids)

        def text(key: str) -> str:
            node = row.value.get(key)  # noqa: B023 - used immediately
            return str(node.value) if node is not None and node.value is not None else ""

        topics.append(SharedTopic(text("topic"), clauses, text("relation"), text("note"), row.line))
    return topics, problems
