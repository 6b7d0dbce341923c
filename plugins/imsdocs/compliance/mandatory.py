"""Mandatory documented information: what each standard requires to be kept as a document or a
record, and the document that is it.

The lists ship with the package (`imsdocs/data/mandatory/`, clause numbers and short names in our
own words); an organisation adds items in `requirements_map/mandatory.yml`. An item is satisfied by
an approved document of an acceptable type that says so (`provides: [iso27001:2022/risk-treatment-plan]`),
not by any document that happens to claim the clause; a document held in another tool says where
(`location:`) and is listed as held by reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic, did_you_mean
from ..model.catalogue import Catalogue
from ..model.documents import Document, DocumentStatus
from ..model.yamlfile import Node, load_yaml_file, parse, unknown_keys
from .coverage import StandardCoverage, Status

KINDS = ("maintained", "retained")
ITEM_KEYS = ("id", "name", "clauses", "kind", "types", "note")


@dataclass(frozen=True)
class MandatoryItem:
    """One piece of documented information a standard requires."""

    standard: str
    id: str
    name: str
    clauses: tuple[str, ...]
    kind: str  # maintained (a document) | retained (a record)
    types: tuple[str, ...]  # the document types that can be it

    @property
    def key(self) -> str:
        return f"{self.standard}/{self.id}"


@dataclass(frozen=True)
class MandatoryStatus:
    """An item and the document that is it (None: missing), for one in-scope standard."""

    item: MandatoryItem
    document: Document | None
    applicable: bool  # False: every clause it rests on is excluded

    @property
    def by_reference(self) -> bool:
        return self.document is not None and bool(self.document.location)

    @property
    def location(self) -> str:
        return self.document.location if self.document is not None else ""


def shipped_lists() -> dict[str, list[MandatoryItem]]:
    """The lists that come with the package, by standard key."""
    found: dict[str, list[MandatoryItem]] = {}
    for entry in sorted(resources.files("imsdocs").joinpath("data", "mandatory").iterdir(), key=lambda e: e.name):
        root = parse(entry.read_text(encoding="utf-8"))
        assert root is not None and root.is_mapping, entry.name
        standard = root.value["standard"].text()
        items = [_item(node, standard, entry.name, []) for node in root.value["items"].value]
        found[standard] = [item for item in items if item is not None]
    return found


def load_mandatory(
    file: Path, display: str, catalogues: Mapping[str, Catalogue]
) -> tuple[dict[str, list[MandatoryItem]], list[Diagnostic]]:
    """The shipped lists, with the organisation's own items added (an item with a shipped id replaces it)."""
    lists = shipped_lists()
    if not file.exists():
        return lists, []
    root, problems = load_yaml_file(file, display, "the mandatory items file", mapping_of="standard keys")
    if root is None:
        return lists, problems
    for standard, node in root.value.items():
        if standard not in catalogues:
            problems.append(
                codes.UNKNOWN_STANDARD(
                    f"unknown standard '{standard}'.",
                    display,
                    root.key_lines[standard],
                    did_you_mean(standard, catalogues),
                )
            )
            continue
        if not node.is_sequence:
            problems.append(codes.YAML_SHAPE(f"'{standard}' must be a list of items.", display, node.line))
            continue
        items = {item.id: item for item in lists.get(standard, [])}
        for entry in node.value:
            item = _item(entry, standard, display, problems)
            if item is not None:
                items[item.id] = item
        lists[standard] = list(items.values())
    return lists, problems


def _item(node: Node, standard: str, display: str, problems: list[Diagnostic]) -> MandatoryItem | None:
    if not node.is_mapping:
        problems.append(
            codes.YAML_SHAPE("each item must be a mapping with id, name, clauses, kind and types.", display, node.line)
        )
        return None
    problems.extend(unknown_keys(node, ITEM_KEYS, display, " in a mandatory item"))
    fields = node.value
    missing = [key for key in ("id", "name", "clauses", "kind", "types") if key not in fields]
    if missing:
        problems.append(codes.KEY_MISSING(f"the item misses {', '.join(missing)}.", display, node.line))
        return None
    kind = fields["kind"].text()
    if kind not in KINDS:
        problems.append(
            codes.YAML_SHAPE(
                f"kind must be maintained or retained, not {fields['kind'].raw!r}.", display, fields["kind"].line
            )
        )
        return None

    def texts(key: str) -> tuple[str, ...]:
        value = fields[key]
        return tuple(item.text() for item in (value.value if value.is_sequence else [value]))

    return MandatoryItem(standard, fields["id"].text(), fields["name"].text(), texts("clauses"), kind, texts("types"))


def mandatory_status(
    lists: Mapping[str, Sequence[MandatoryItem]],
    coverage: Mapping[str, StandardCoverage],
    documents: Sequence[Document],
) -> tuple[list[MandatoryStatus], list[Diagnostic]]:
    """Each item of each in-scope standard with the approved document that is it; the problems."""
    problems: list[Diagnostic] = []
    known = {item.key: item for items in lists.values() for item in items}
    providers: dict[str, list[Document]] = {}
    pending: dict[str, list[Document]] = {}  # provided only by drafts so far
    for doc in documents:
        for key in doc.provides:
            if key not in known:
                problems.append(
                    codes.MANDATORY_UNKNOWN(
                        f"'{key}' in 'provides' is no item of documented information.",
                        doc.path,
                        doc.lines.get("provides"),
                        did_you_mean(key, known)
                        or "Write <standard>/<item id>; 'imsdocs check' lists them on the Mandatory page.",
                    )
                )
            elif doc.status is DocumentStatus.APPROVED:
                providers.setdefault(key, []).append(doc)
            else:
                pending.setdefault(key, []).append(doc)
    found: list[MandatoryStatus] = []
    for standard, items in lists.items():
        covered = coverage.get(standard)
        if covered is None or not covered.in_scope:
            continue
        for item in items:
            applicable = _applicable(item, covered)
            candidates = providers.get(item.key, [])
            fitting = [doc for doc in candidates if doc.type in item.types]
            for doc in candidates:
                if doc not in fitting:
                    problems.append(
                        codes.MANDATORY_TYPE(
                            f"{doc.id} provides '{item.key}' but is a {doc.type}; that item is kept as "
                            f"{' or '.join(item.types)}.",
                            doc.path,
                            doc.lines.get("provides"),
                            "Correct the document's type, or have the document of the right kind provide it.",
                        )
                    )
            document = fitting[0] if fitting else None
            found.append(MandatoryStatus(item, document, applicable))
            if document is None and applicable:
                title = covered.catalogue.title
                drafts = ", ".join(f"{doc.id} ({doc.status})" for doc in pending.get(item.key, []))
                problems.append(
                    codes.MANDATORY_MISSING(
                        f"{title} {', '.join(item.clauses)} requires '{item.name}' ({item.key}); no approved document "
                        "provides it.",
                        hint=(f"Only {drafts} provides it: approve it. " if drafts else "")
                        + f"Add 'provides: [{item.key}]' to the approved {' or '.join(item.types)} that is it; if it "
                        "is held in another tool, that document says where with 'location:'.",
                        cause="drafts" if drafts else None,
                    )
                )
    return found, problems


def _applicable(item: MandatoryItem, coverage: StandardCoverage) -> bool:
    """An item resting only on excluded controls is not required."""
    statuses = [
        coverage.row(leaf).status
        for clause in item.clauses
        if clause in coverage.catalogue.clauses
        for leaf in coverage.catalogue.leaves_under(clause)
    ]
    return not statuses or any(status is not Status.EXCLUDED for status in statuses)
