"""Document control from accepted changes: versions, approval evidence and review dates.

Version rule: every accepted change to a document's content is a new version. A change marked
with the trailer `Change-type: editorial` raises the minor number (2.0 -> 2.1); any other change
raises the major number (2.1 -> 3.0). A move without a content change keeps the version, so a
rename never restarts a document's history. The first accepted change is version 1.0.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from .. import codes
from ..diagnostics import Diagnostic, Severity
from ..model.documents import Document, DocumentStatus, ReviewInterval
from ..model.people import Person, email_of, resolve
from .reader import Change, History


class ReviewState(enum.StrEnum):
    """Where a document stands against its next review date."""

    OVERDUE = "overdue"
    DUE = "due"  # within the `review_due_within_days` window
    OK = "ok"
    UNKNOWN = "unknown"  # no date to count from


@dataclass(frozen=True)
class Revision:
    """One version of a document: the accepted change that made it and its version number."""

    version: str
    change: Change
    imported: bool  # before the approval baseline: earlier history, kept but not checked

    @property
    def approvers(self) -> tuple[str, ...]:
        """Who approved it according to git: `Approved-by`, else `Reviewed-by` trailers."""
        return self.change.approvers or self.change.reviewers


@dataclass(frozen=True)
class DocumentControl:
    """A document's control record: its versions, review date and draft state."""

    revisions: tuple[Revision, ...]  # newest first
    next_review: datetime.date | None
    working_tree: str | None = None  # "modified", "untracked" ...: the page is a DRAFT of a new version
    proposed: bool = False  # changed on this branch, not yet accepted on the main branch
    review: ReviewState = ReviewState.UNKNOWN
    history_known: bool = True  # False: no git history could be read

    @property
    def current(self) -> Revision | None:
        return self.revisions[0] if self.revisions else None

    @property
    def is_draft(self) -> bool:
        return self.working_tree is not None or self.proposed


@dataclass(frozen=True)
class ControlPolicy:
    """How history is judged: from when approvals are checked, which day it is, where dates are read."""

    tz: datetime.tzinfo
    today: datetime.date
    baseline: int | None = None  # epoch seconds: accepted changes before it are "imported"
    due_within_days: int = 30
    serving: bool = False  # `mkdocs serve`: uncommitted drafts are expected, so only informational
    check_approvals: bool = True  # False on a shallow clone: its first commit seems to add every document


def versions(changes: Sequence[Change], baseline: int | None = None) -> list[Revision]:
    """Revisions oldest first; `baseline` (epoch seconds) marks earlier changes as imported."""
    major, minor = 0, 0
    revisions: list[Revision] = []
    for change in changes:
        if change.renamed_only and revisions:
            pass
        elif change.editorial and major:
            minor += 1
        else:
            major, minor = major + 1, 0
        imported = baseline is not None and change.committed_at < baseline
        revisions.append(Revision(f"{major}.{minor}", change, imported))
    return revisions


def add_interval(day: datetime.date, interval: ReviewInterval) -> datetime.date:
    if interval.unit == "day":
        return day + datetime.timedelta(days=interval.amount)
    if interval.unit == "week":
        return day + datetime.timedelta(weeks=interval.amount)
    months = interval.amount * (12 if interval.unit == "year" else 1)
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    # 31 January + 1 month is the last day of February, not an error.
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(target_year, target_month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def next_review(doc: Document, last_change: datetime.date | None) -> datetime.date | None:
    """The later of the last accepted change and the last review, plus the review interval."""
    anchors = [day for day in (last_change, doc.last_reviewed) if day is not None]
    return add_interval(max(anchors), doc.review_interval) if anchors else None


def approval_checks(doc: Document, revision: Revision, people: Sequence[Person]) -> list[Diagnostic]:
    """Warnings on the approval evidence of one accepted change of an approved document."""
    if revision.imported or doc.status is not DocumentStatus.APPROVED:
        return []
    change = revision.change
    where = f"version {revision.version} ({change.commit[:10]})"
    problems = []
    approvers = change.approvers + change.reviewers
    if not approvers:
        problems.append(
            codes.APPROVAL_MISSING(
                f"{where} has no recorded approver.",
                doc.path,
                hint="Merge through a pull request whose merge commit carries an 'Approved-by:' trailer.",
            )
        )
    else:
        resolved = [(value, resolve(value, people)) for value in approvers]
        if not any(_holds(doc.approver, value, person) for value, person in resolved):
            names = ", ".join(value for value, _ in resolved)
            problems.append(
                codes.APPROVAL_MISMATCH(
                    f"{where} was approved by {names}, not by the document's approver '{doc.approver}'.",
                    doc.path,
                    doc.lines.get("approver"),
                    "Have the approver approve it, or correct 'approver' or the people file.",
                )
            )
        approver_emails = {p.email.lower() for _, p in resolved if p} | {email_of(v) for v, _ in resolved} - {""}
        approver_names = {p.name.lower() for _, p in resolved if p} | {
            v.split("<")[0].strip().lower() for v, _ in resolved
        }
        # A merge commit's author only pressed the button; the merged commits' authors wrote the change.
        wrote = (not change.is_merge and change.author_email.lower() in approver_emails) or bool(
            {a.lower() for a in change.authors} & approver_names
        )
        if wrote:
            problems.append(codes.APPROVAL_SELF(f"{where}: the author approved their own change.", doc.path))
    if not change.is_merge and change.pull_request is None:
        problems.append(
            codes.APPROVAL_NO_PULL_REQUEST(
                f"{where} reached the main branch without a pull request.",
                doc.path,
                hint="Protect the main branch so that changes arrive through reviewed pull requests.",
            )
        )
    return problems


def _holds(role: str, value: str, person: Person | None) -> bool:
    if value.split("<")[0].strip().lower() == role.lower():
        return True
    return person is not None and (
        role.lower() in (r.lower() for r in person.roles) or role.lower() == person.name.lower()
    )


def control_for(
    doc: Document, changes: Sequence[Change], people: Sequence[Person], baseline: int | None, tz: datetime.tzinfo
) -> tuple[DocumentControl, list[Diagnostic]]:
    """One document's versions and next review from its accepted changes, and the approval warnings on its current version."""
    revisions = versions(changes, baseline)
    last = datetime.datetime.fromtimestamp(revisions[-1].change.committed_at, tz).date() if revisions else None
    problems = approval_checks(doc, revisions[-1], people) if revisions else []
    return DocumentControl(tuple(reversed(revisions)), next_review(doc, last)), problems


def review_state(control: DocumentControl, today: datetime.date, due_within_days: int) -> ReviewState:
    """Overdue, due within the window, or on schedule; unknown without any date."""
    if control.next_review is None:
        return ReviewState.UNKNOWN
    if control.next_review < today:
        return ReviewState.OVERDUE
    return ReviewState.DUE if (control.next_review - today).days <= due_within_days else ReviewState.OK


def document_controls(
    documents: Sequence[Document], history: History | None, people: Sequence[Person], policy: ControlPolicy
) -> tuple[dict[str, DocumentControl], list[Diagnostic]]:
    """Every document's control record (by document id) and the warnings on it."""
    controls: dict[str, DocumentControl] = {}
    problems: list[Diagnostic] = []
    for doc in documents:
        working, proposed, changes = None, False, []
        if history is not None:
            working = history.uncommitted.get(doc.path)
            proposed = doc.path in history.proposed
            # A document renamed on this branch has its accepted history under its name on the main branch.
            changes = history.of(history.proposed.get(doc.path) or doc.path)
        control, found = control_for(doc, changes, people, policy.baseline, policy.tz)
        state = review_state(control, policy.today, policy.due_within_days)
        controls[doc.id] = DocumentControl(
            control.revisions, control.next_review, working, proposed, state, history is not None
        )
        if policy.check_approvals:
            problems.extend(found)
        if working is not None:
            what = "is not committed yet" if working == "untracked" else f"has uncommitted changes ({working})"
            problems.append(
                codes.UNCOMMITTED_CHANGE.with_severity(
                    Severity.INFO if policy.serving else Severity.WARNING,
                    f"{doc.id} {what}: its page is marked DRAFT.",
                    doc.path,
                    None,
                    "Commit it on a branch and merge it through a pull request.",
                )
            )
        if state is ReviewState.OVERDUE and doc.status is DocumentStatus.APPROVED and control.next_review is not None:
            problems.append(
                codes.REVIEW_OVERDUE(
                    f"{doc.id} was due for review on {control.next_review.isoformat()} (every {doc.review_interval}).",
                    doc.path,
                    doc.lines.get("last_reviewed") or doc.lines.get("review_interval"),
                    "Review it: merge the changes it needs, or record a review that changed nothing with "
                    f"'last_reviewed: {policy.today.isoformat()}'.",
                )
            )
    return controls, problems


@dataclass(frozen=True)
class Attention:
    """What needs someone's action, by kind, each in id order."""

    overdue: list[Document]  # approved documents past their review date
    due: list[Document]  # approved documents due for review soon
    draft: list[Document]  # documents with status draft
    changing: list[Document]  # documents with changes not yet accepted (uncommitted, or on a branch)

    def __bool__(self) -> bool:
        return bool(self.overdue or self.due or self.draft or self.changing)


def attention(documents: Sequence[Document], controls: dict[str, DocumentControl]) -> Attention:
    """The documents someone has to act on: reviews overdue or due, drafts, changes not yet accepted."""
    docs = sorted(documents, key=lambda doc: doc.id)
    approved = [doc for doc in docs if doc.status is DocumentStatus.APPROVED]

    def review(doc: Document) -> ReviewState:
        control = controls.get(doc.id)
        return control.review if control is not None else ReviewState.UNKNOWN

    return Attention(
        overdue=[doc for doc in approved if review(doc) is ReviewState.OVERDUE],
        due=[doc for doc in approved if review(doc) is ReviewState.DUE],
        draft=[doc for doc in docs if doc.status is DocumentStatus.DRAFT],
        changing=[doc for doc in docs if doc.id in controls and controls[doc.id].is_draft],
    )


__all__ = (
    "Attention",
    "attention",
    "ControlPolicy",
    "DocumentControl",
    "ReviewState",
    "Revision",
    "document_controls",
    "review_state",
    "versions",
)
