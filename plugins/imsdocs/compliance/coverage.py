"""Coverage: which documents serve which clauses, what is excluded, and what is left uncovered."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .. import codes
from ..diagnostics import Diagnostic
from ..model.applicability import Applicability, StandardApplicability
from ..model.catalogue import Catalogue, Clause
from ..model.correspondence import SharedTopic
from ..model.documents import Document


class Status(enum.Enum):
    """A clause's coverage. Leaves are covered, excluded or not covered; parents roll up."""

    COVERED = "covered"
    EXCLUDED = "excluded"
    PARTIAL = "partially covered"  # only for groups: some requirements covered, some not
    NOT_COVERED = "not covered"


def roll_up(statuses: Iterable[Status]) -> Status:
    """The status of a group of requirements (a parent clause, a shared topic) from its members'.

    Covered when every member is covered or excluded (and one is covered), excluded when all are,
    not covered when none is, partially covered otherwise.
    """
    found = set(statuses)
    if found == {Status.EXCLUDED}:
        return Status.EXCLUDED
    if found and found <= {Status.COVERED, Status.EXCLUDED}:
        return Status.COVERED
    if found == {Status.NOT_COVERED}:
        return Status.NOT_COVERED
    return Status.PARTIAL


@dataclass
class ClauseCoverage:
    """One row of a traceability matrix."""

    clause: Clause
    depth: int
    status: Status
    documents: list[Document] = field(default_factory=list)  # approved documents claiming it
    other_documents: list[Document] = field(default_factory=list)  # drafts and retired ones: shown, not counted


@dataclass
class StandardCoverage:
    """One standard's matrix: every clause in catalogue order with its status and documents."""

    catalogue: Catalogue
    applicability: StandardApplicability
    rows: list[ClauseCoverage]
    in_scope: bool

    def __post_init__(self) -> None:
        self._index = {r.clause.id: r for r in self.rows}

    def row(self, clause_id: str) -> ClauseCoverage:
        return self._index[clause_id]

    def leaves(self) -> list[ClauseCoverage]:
        return [r for r in self.rows if not r.clause.children]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.leaves() if r.status is status)

    @property
    def percent(self) -> float:
        """Share of applicable leaf requirements that are covered."""
        applicable = len(self.leaves()) - self.count(Status.EXCLUDED)
        return 100.0 if applicable == 0 else 100.0 * self.count(Status.COVERED) / applicable


@dataclass(frozen=True)
class TopicCell:
    """One standard's part of a shared topic in the integrated view."""

    clauses: tuple[str, ...]  # as the correspondence names them (leaves or parents)
    status: Status
    documents: list[Document]


def compute(
    catalogues: Mapping[str, Catalogue],
    documents: Sequence[Document],
    applicability: Applicability,
    in_scope: Sequence[str],
) -> dict[str, StandardCoverage]:
    """Coverage of every catalogue, in-scope standards first (in their configured order)."""
    order = list(in_scope) + sorted(k for k in catalogues if k not in in_scope)
    return {
        key: _standard(catalogues[key], documents, applicability.for_standard(key), key in in_scope) for key in order
    }


def _standard(
    catalogue: Catalogue, documents: Sequence[Document], applicable: StandardApplicability, in_scope: bool
) -> StandardCoverage:
    claimants: dict[str, list[Document]] = {}
    for doc in documents:
        for clause_id in dict.fromkeys(doc.claimed(catalogue.key)):
            claimants.setdefault(clause_id, []).append(doc)
    rows: list[ClauseCoverage] = []
    by_id: dict[str, ClauseCoverage] = {}
    for clause, depth in catalogue.walk():
        docs = claimants.get(clause.id, [])
        row = ClauseCoverage(
            clause,
            depth,
            Status.NOT_COVERED,
            [x for x in docs if x.counts_for_coverage],
            [x for x in docs if not x.counts_for_coverage],
        )
        rows.append(row)
        by_id[clause.id] = row
    # Leaves first, then parents roll up from their children (reverse depth-first order).
    for row in reversed(rows):
        clause = row.clause
        if clause.children:
            row.status = roll_up(by_id[c].status for c in clause.children)
        elif clause.id in applicable.excluded:
            row.status = Status.EXCLUDED
        elif row.documents:
            row.status = Status.COVERED
    return StandardCoverage(catalogue, applicable, rows, in_scope)


def shown_standards(coverage: Mapping[str, StandardCoverage], documents: Sequence[Document]) -> list[StandardCoverage]:
    """The standards that get a matrix: those in scope, and others that documents claim (never failing the build)."""
    claimed = {claim.standard for doc in documents for claim in doc.claims}
    return [s for s in coverage.values() if s.in_scope or s.catalogue.key in claimed]


def integrated_columns(topics: Sequence[SharedTopic], shown: Sequence[StandardCoverage]) -> list[str]:
    """The standards the integrated view has a column for: shown ones that a topic names."""
    used = {key for topic in topics for key in topic.clauses}
    return [s.catalogue.key for s in shown if s.catalogue.key in used]


def topic_cell(standard: StandardCoverage, clause_ids: tuple[str, ...]) -> TopicCell:
    """The requirements behind `clause_ids` in one standard, rolled up, with the documents serving them."""
    leaves = [leaf for cid in clause_ids for leaf in standard.catalogue.leaves_under(cid)]
    status = roll_up(standard.row(leaf).status for leaf in leaves)
    documents = list(dict.fromkeys(doc for leaf in leaves for doc in standard.row(leaf).documents))
    return TopicCell(clause_ids, status, documents)


def shared_topic_cells(
    topic: SharedTopic, coverage: Mapping[str, StandardCoverage], columns: Sequence[str]
) -> tuple[dict[str, TopicCell], list[Document]]:
    """A topic's cell per shown standard, and the documents that serve it in every standard it names."""
    cells = {key: topic_cell(coverage[key], topic.clauses[key]) for key in columns if key in topic.clauses}
    shared: list[Document] | None = None
    for cell in cells.values():
        shared = cell.documents if shared is None else [doc for doc in shared if doc in cell.documents]
    return cells, shared or []


def gaps(coverage: Mapping[str, StandardCoverage], applicability_path: str) -> list[Diagnostic]:
    """One warning per uncovered leaf of an in-scope standard."""
    problems: list[Diagnostic] = []
    for standard in coverage.values():
        if not standard.in_scope:
            continue
        title = standard.catalogue.title
        for row in standard.leaves():
            if row.status is Status.NOT_COVERED:
                drafts = ", ".join(f"{x.id} ({x.status})" for x in row.other_documents)
                hint = (
                    "Claim it in an approved document's 'satisfies', or exclude it with a justification in "
                    + applicability_path
                    + "."
                )
                if drafts:
                    hint = f"Only claimed by {drafts}, which do not count. " + hint
                problems.append(
                    codes.CLAUSE_NOT_COVERED(
                        f"{title} {row.clause.id} '{row.clause.display_title}' is not covered by any approved document "
                        "and not excluded.",
                        hint=hint,
                        cause="drafts" if drafts else f"unclaimed:{standard.catalogue.key}",
                    )
                )
    return problems
