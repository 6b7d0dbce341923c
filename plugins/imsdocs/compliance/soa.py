"""The Statement of Applicability: every control that may be excluded with a justification,
whether it applies, why, how far it is implemented, and the documents that implement it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from .. import codes
from ..diagnostics import Diagnostic
from ..model.applicability import Inclusion
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
    status: Status  # coverage by documents
    implementation: str | None = None  # implemented | partially implemented | planned | not implemented
    target: datetime.date | None = None
    risks: tuple[str, ...] = ()
    uses_default: bool = False  # reasons and justification are the standard's default inclusion


@dataclass(frozen=True)
class StatementOfApplicability:
    """The rows of the SoA of one standard (ISO/IEC 27001 Annex A), and its default inclusion."""

    standard: StandardCoverage
    rows: list[SoaRow]
    default: Inclusion | None = None

    @property
    def applicable(self) -> int:
        return sum(row.applicable for row in self.rows)

    @property
    def excluded(self) -> int:
        return len(self.rows) - self.applicable

    def count(self, implementation: str) -> int:
        return sum(row.applicable and row.implementation == implementation for row in self.rows)


def soa_page(compliance_dir: str) -> str:
    """Where the SoA's page is in the site (a source path): its document's page."""
    return f"{compliance_dir}/statement-of-applicability.md"


def statement_of_applicability(coverage: Mapping[str, StandardCoverage]) -> StatementOfApplicability | None:
    """The SoA of the first in-scope standard with controls excludable by justification, if any."""
    for standard in coverage.values():
        if standard.in_scope and any(c.exclusion is Exclusion.JUSTIFIED for c in standard.catalogue.clauses.values()):
            controls = [row.clause.id for row in standard.leaves() if row.clause.exclusion is Exclusion.JUSTIFIED]
            return StatementOfApplicability(
                standard,
                [_row(standard, clause_id) for clause_id in controls],
                standard.applicability.default_inclusion,
            )
    return None


def _row(standard: StandardCoverage, clause_id: str) -> SoaRow:
    row = standard.row(clause_id)
    excluded = standard.applicability.excluded.get(clause_id)
    if excluded is not None:
        return SoaRow(row.clause, False, (), excluded.justification, row.documents, row.status)
    own = standard.applicability.included.get(clause_id)
    default = standard.applicability.default_inclusion
    inclusion = own or default
    if inclusion is None:
        return SoaRow(row.clause, True, None, "", row.documents, row.status)
    # A control listed for its status or risks alone keeps the default's reasons and justification.
    return SoaRow(
        row.clause,
        True,
        inclusion.reasons,
        inclusion.justification,
        row.documents,
        row.status,
        (own.status if own is not None and own.status else None) or (default.status if default else None),
        (own.target if own is not None and own.target else None) or (default.target if default else None),
        own.risks if own is not None else (),
        own is None,
    )


def soa_checks(soa: StatementOfApplicability, today: datetime.date, path: str) -> list[Diagnostic]:
    """A warning per applicable control without an implementation status, and per planned control past its date."""
    problems = []
    title = soa.standard.catalogue.title
    for row in soa.rows:
        if not row.applicable:
            continue
        if row.implementation is None:
            problems.append(
                codes.SOA_STATUS_MISSING(
                    f"{title} {row.clause.id} applies but has no implementation status.",
                    path,
                    hint="Give it 'status:' (implemented, partially implemented, planned, not implemented), or give "
                    "'default_inclusion' one.",
                )
            )
        elif row.implementation == "planned" and (row.target is None or row.target < today):
            when = f"was planned for {row.target.isoformat()}" if row.target else "is planned with no 'target' date"
            problems.append(
                codes.SOA_PLANNED_OVERDUE(
                    f"{title} {row.clause.id} {when}.",
                    path,
                    hint="Update its status, or set a new target with the reason in the risk treatment plan.",
                )
            )
    return problems
