"""Document control from accepted changes: versions, approval evidence and review dates.

Version rule: every accepted change to a document's content is a new version. A change marked
with the trailer `Change-type: editorial` raises the minor number (2.0 -> 2.1); any other change
raises the major number (2.1 -> 3.0). A move without a content change keeps the version, so a
rename never restarts a document's history. The first accepted change is version 1.0.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from . import diagnostics as d
from .documents import Document, ReviewInterval
from .history import Change, History
from .people import Person, email_of, resolve


@dataclass(frozen=True)
class Revision:
    version: str
    change: Change
    imported: bool  # before the approval baseline: earlier history, kept but not checked

    @property
    def approvers(self) -> tuple[str, ...]:
        """Who approved it according to git: `Approved-by`, else `Reviewed-by` trailers."""
        return self.change.approvers or self.change.reviewers


@dataclass(frozen=True)
class Control:
    revisions: tuple[Revision, ...]  # newest first
    next_review: datetime.date | None
    working_tree: str | None = None  # "modified", "untracked" ...: the page is a DRAFT of a new version
    proposed: bool = False  # changed on this branch, not yet accepted on the main branch
    review: str = "unknown"  # see `review_state`
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


def approval_checks(doc: Document, revision: Revision, people: Sequence[Person]) -> list[d.Diagnostic]:
    """Warnings on the approval evidence of one accepted change of an approved document."""
    if revision.imported or doc.status != "approved":
        return []
    change = revision.change
    where = f"version {revision.version} ({change.commit[:10]})"
    problems = []
    approvers = change.approvers + change.reviewers
    if not approvers:
        problems.append(
            d.warning(
                "approval-missing",
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
                d.warning(
                    "approval-mismatch",
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
            problems.append(d.warning("approval-self", f"{where}: the author approved their own change.", doc.path))
    if not change.is_merge and change.pull_request is None:
        problems.append(
            d.warning(
                "approval-no-pull-request",
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
) -> tuple[Control, list[d.Diagnostic]]:
    revisions = versions(changes, baseline)
    last = datetime.datetime.fromtimestamp(revisions[-1].change.committed_at, tz).date() if revisions else None
    problems = approval_checks(doc, revisions[-1], people) if revisions else []
    return Control(tuple(reversed(revisions)), next_review(doc, last)), problems


def review_state(control: Control, today: datetime.date, due_within_days: int) -> str:
    """'overdue', 'due' (within the window) or 'ok'; 'unknown' without any date."""
    if control.next_review is None:
        return "unknown"
    if control.next_review < today:
        return "overdue"
    return "due" if (control.next_review - today).days <= due_within_days else "ok"


def document_controls(
    documents: Sequence[Document], history: History | None, people: Sequence[Person], policy: ControlPolicy
) -> tuple[dict[str, Control], list[d.Diagnostic]]:
    """Every document's control record (by document id) and the warnings on it."""
    controls: dict[str, Control] = {}
    problems: list[d.Diagnostic] = []
    for doc in documents:
        working, proposed, changes = None, False, []
        if history is not None:
            working = history.uncommitted.get(doc.path)
            proposed = doc.path in history.proposed
            # A document renamed on this branch has its accepted history under its name on the main branch.
            changes = history.of(history.proposed.get(doc.path) or doc.path)
        control, found = control_for(doc, changes, people, policy.baseline, policy.tz)
        state = review_state(control, policy.today, policy.due_within_days)
        controls[doc.id] = Control(
            control.revisions, control.next_review, working, proposed, state, history is not None
        )
        if policy.check_approvals:
            problems.extend(found)
        if working is not None:
            what = "is not committed yet" if working == "untracked" else f"has uncommitted changes ({working})"
            problems.append(
                (d.info if policy.serving else d.warning)(
                    "uncommitted-change",
                    f"{doc.id} {what}: its page is marked DRAFT.",
                    doc.path,
                    hint="Commit it on a branch and merge it through a pull request.",
                )
            )
        if state == "overdue" and doc.status == "approved" and control.next_review is not None:
            problems.append(
                d.warning(
                    "review-overdue",
                    f"{doc.id} was due for review on {control.next_review.isoformat()} (every {doc.review_interval}).",
                    doc.path,
                    doc.lines.get("last_reviewed") or doc.lines.get("review_interval"),
                    "Review it: merge the changes it needs, or record a review that changed nothing with "
                    f"'last_reviewed: {policy.today.isoformat()}'.",
                )
            )
    return controls, problems


__all__ = ("Control", "ControlPolicy", "Revision", "document_controls", "review_state", "versions")
