"""The Statement of Applicability: every control that may be excluded with a justification,
whether it applies, why, and the documents that implement it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.catalogue import Clause, Exclusion
from ..model.documents import Document
from .coverage import StandardCoverage, Status


@dataclass(frozen=True)
class SoaRow:
    """One control of the Statement of Applicability."""

    clause: Clause
    applicable: bool
    reasons: tuple[str, ...] | None  # None: included, but no reason is recorded
    justification: str
    documents: list[Document]
    status: Status


@dataclass(frozen=True)
class StatementOfApplicability:
    """The rows of the SoA of one standard (ISO/IEC 27001 Annex A)."""

    standard: StandardCoverage
    rows: list[SoaRow]

    @property
    def applicable(self) -> int:
        return sum(row.applicable for row in self.rows)

    @property
    def excluded(self) -> int:
        return len(self.rows) - self.applicable


def statement_of_applicability(coverage: Mapping[str, StandardCoverage]) -> StatementOfApplicability | None:
    """The SoA of the first in-scope standard with controls excludable by justification, if any."""
    for standard in coverage.values():
        if standard.in_scope and any(c.exclusion is Exclusion.JUSTIFIED for c in standard.catalogue.clauses.values()):
            controls = [row.clause.id for row in standard.leaves() if row.clause.exclusion is Exclusion.JUSTIFIED]
            return StatementOfApplicability(standard, [_row(standard, clause_id) for clause_id in controls])
    return None


def _row(standard: StandardCoverage, clause_id: str) -> SoaRow:
    row = standard.row(clause_id)
    excluded = standard.applicability.excluded.get(clause_id)
    if excluded is not None:
        return SoaRow(row.clause, False, (), excluded.justification, row.documents, row.status)
    inclusion = standard.applicability.inclusion(clause_id)
    reasons = inclusion.reasons if inclusion else None
    return SoaRow(row.clause, True, reasons, inclusion.justification if inclusion else "", row.documents, row.status)
