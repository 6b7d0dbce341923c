"""Records that prove the system runs: each says when its activity took place, and a recurring one
(a management review every year, an access review every quarter) is due again after its period."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from .. import codes
from ..diagnostics import Diagnostic
from ..history.document_control import add_interval
from ..model.documents import Document, DocumentStatus


@dataclass(frozen=True)
class RecordDue:
    """A recurring record and when the next one is due."""

    document: Document
    as_at: datetime.date
    due: datetime.date
    overdue: bool


def record_schedule(
    documents: Sequence[Document], today: datetime.date, due_within_days: int
) -> tuple[list[RecordDue], list[Diagnostic]]:
    """Recurring records overdue or due soon (by due date), and a warning per record that is overdue or undated."""
    found: list[RecordDue] = []
    problems: list[Diagnostic] = []
    for doc in documents:
        record = doc.record
        if record is None or doc.status is not DocumentStatus.APPROVED:
            continue
        if record.as_at is None:
            problems.append(
                codes.RECORD_UNDATED(
                    f"{doc.id} does not say when the activity it records took place.",
                    doc.path,
                    record.line,
                    "Add 'as_at: <date>' (or 'period: {from: <date>, to: <date>}') to its record block.",
                )
            )
            continue
        if record.recurs is None:
            continue
        due = add_interval(record.as_at, record.recurs)
        if due < today:
            found.append(RecordDue(doc, record.as_at, due, True))
            problems.append(
                codes.RECORD_STALE(
                    f"{doc.id} is as at {record.as_at.isoformat()} and recurs every {record.recurs}: the next one was "
                    f"due on {due.isoformat()}.",
                    doc.path,
                    record.line,
                    "Record the activity again (a new version of the record, or a new record) and update 'as_at'.",
                )
            )
        elif (due - today).days <= due_within_days:
            found.append(RecordDue(doc, record.as_at, due, False))
    return sorted(found, key=lambda r: r.due), problems
