"""Coverage: which documents serve which clauses, what is excluded, and what is left uncovered."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import diagnostics as d
from .applicability import Applicability, StandardApplicability
from .catalogue import Catalogue, Clause
from .documents import Document


class Status(enum.Enum):
    COVERED = "covered"
    EXCLUDED = "excluded"
    PARTIAL = "partially covered"  # only for parents: some leaves covered, some not
    NOT_COVERED = "not covered"


@dataclass
class ClauseCoverage:
    clause: Clause
    depth: int
    status: Status
    documents: list[Document] = field(default_factory=list)  # approved documents claiming it
    other_documents: list[Document] = field(default_factory=list)  # drafts and retired ones: shown, not counted


@dataclass
class StandardCoverage:
    catalogue: Catalogue
    applicability: StandardApplicability
    rows: list[ClauseCoverage]
    in_scope: bool

    def row(self, clause_id: str) -> ClauseCoverage:
        return self._index[clause_id]

    def __post_init__(self) -> None:
        self._index = {r.clause.id: r for r in self.rows}

    def leaves(self) -> list[ClauseCoverage]:
        return [r for r in self.rows if not r.clause.children]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.leaves() if r.status is status)

    @property
    def percent(self) -> float:
        """Share of applicable leaf requirements that are covered."""
        applicable = len(self.leaves()) - self.count(Status.EXCLUDED)
        return 100.0 if applicable == 0 else 100.0 * self.count(Status.COVERED) / applicable


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
        if not clause.children:
            if clause.id in applicable.excluded:
                row.status = Status.EXCLUDED
            elif row.documents:
                row.status = Status.COVERED
        else:
            statuses = {by_id[c].status for c in clause.children}
            if statuses == {Status.EXCLUDED}:
                row.status = Status.EXCLUDED
            elif statuses <= {Status.COVERED, Status.EXCLUDED}:
                row.status = Status.COVERED
            elif statuses == {Status.NOT_COVERED}:
                row.status = Status.NOT_COVERED
            else:
                row.status = Status.PARTIAL
    return StandardCoverage(catalogue, applicable, rows, in_scope)


def gaps(
    coverage: Mapping[str, StandardCoverage], documents: Sequence[Document], applicability_path: str
) -> list[d.Diagnostic]:
    """One warning per uncovered leaf of an in-scope standard, and per claim of an excluded clause."""
    problems: list[d.Diagnostic] = []
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
                    d.warning(
                        "clause-not-covered",
                        f"{title} {row.clause.id} '{row.clause.display_title}' is not covered by any approved document and not excluded.",
                        hint=hint,
                    )
                )
    for doc in documents:
        for claim in doc.claims:
            claimed = coverage.get(claim.standard)
            if claimed is not None and claim.clause in claimed.applicability.excluded:
                problems.append(
                    d.warning(
                        "claim-excluded",
                        f"{claimed.catalogue.title} {claim.clause} is claimed here but excluded in {applicability_path}.",
                        doc.path,
                        claim.line,
                        "Remove the claim, or remove the exclusion if the clause applies after all.",
                    )
                )
    return problems
