"""Document control from accepted changes: versions, approval evidence and review dates.

Version rule: every accepted change to a document's content is a new version. A change marked
with the trailer `Change-type: editorial` raises the minor number (2.0 -> 2.1); any other change
raises the major number (2.1 -> 3.0). A move without a content change keeps the version, so a
rename never restarts a document's history. The first accepted change is version 1.0; history
before the approval baseline is, by default, that one version, approved as the baseline says.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .. import codes
from ..diagnostics import Diagnostic, Severity
from ..model.documents import Document, DocumentStatus, ReviewInterval
from ..model.people import Person, email_of, resolve
from .reader import Change, Commit, History

# A committer clock may run a little ahead of the build's; more than this is a date to distrust.
FUTURE_TOLERANCE_SECONDS = 3600


class ReviewState(enum.StrEnum):
    """Where a document stands against its next review date."""

    OVERDUE = "overdue"
    DUE = "due"  # within the `review_due_within_days` window
    OK = "ok"
    UNKNOWN = "unknown"  # no date to count from


@dataclass(frozen=True)
class Baseline:
    """Where approval checks start: the main branch's history before it was imported as an approved set."""

    first_checked: int  # position on the first-parent chain of the first change that is checked
    approved_by: str | None = None  # who approved the imported set (a person of the people file)
    approved_on: datetime.date | None = None
    reference: str | None = None  # e.g. the board minute or record that holds the approval
    collapse: bool = True  # the imported history reads as one baseline version per document


@dataclass(frozen=True)
class Revision:
    """One version of a document: the accepted change that made it and its version number."""

    version: str
    change: Change
    imported: bool  # before the approval baseline: kept, not checked
    baseline: Baseline | None = None  # set on the one version that stands for the imported history
    collapsed: int = 1  # how many accepted changes this version stands for
    holders: tuple[str, ...] = ()  # the approvers who hold the document's approver role (a merge may carry several)

    @property
    def commit(self) -> Commit:
        return self.change.commit

    @property
    def approvers(self) -> tuple[str, ...]:
        """Who approved it: the baseline's approver, else `Approved-by`, else `Reviewed-by` trailers."""
        if self.baseline is not None:
            return (self.baseline.approved_by,) if self.baseline.approved_by else ()
        return self.commit.approvers or self.commit.reviewers

    @property
    def shown_approvers(self) -> tuple[str, ...]:
        """The approvers a page shows for this document: those holding its approver role, else all."""
        return self.holders or self.approvers

    @property
    def effective(self) -> int | datetime.date:
        """When this version took effect: the baseline approval's day, else when it reached the main branch."""
        if self.baseline is not None and self.baseline.approved_on is not None:
            return self.baseline.approved_on
        return self.commit.committed_at


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
    baseline: Baseline | None = None
    due_within_days: int = 30
    serving: bool = False  # `mkdocs serve`: uncommitted drafts are expected, so only informational
    check_approvals: bool = True  # False on a shallow clone: its first commit seems to add every document
    require_signatures: bool = False  # `signatures: require`
    now: int | None = None  # epoch seconds of the build; later commit dates are not believed


def versions(changes: Sequence[Change], baseline: Baseline | None = None) -> list[Revision]:
    """Revisions oldest first. Changes before the baseline are imported, and collapse into one
    baseline version unless the baseline says to show them."""
    major, minor = 0, 0
    revisions: list[Revision] = []
    imported = [c for c in changes if baseline is not None and c.commit.sequence < baseline.first_checked]
    later = changes[len(imported) :]
    if imported and baseline is not None and baseline.collapse:
        revisions.append(Revision("1.0", imported[-1], True, baseline, len(imported)))
        major = 1
        imported = []
    for change in [*imported, *later]:
        if change.renamed_only and revisions:
            pass
        elif change.commit.editorial and major:
            minor += 1
        else:
            major, minor = major + 1, 0
        is_imported = baseline is not None and change.commit.sequence < baseline.first_checked
        revisions.append(Revision(f"{major}.{minor}", change, is_imported))
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


APPROVAL_CHECKS = ("approval-missing", "approval-mismatch", "approval-self", "approval-no-pull-request")


def approval_checks(
    doc: Document, revision: Revision, people: Sequence[Person], *, require_signatures: bool = False
) -> list[Diagnostic]:
    """Warnings on the approval evidence of one accepted change of an approved document."""
    if revision.imported or doc.status is not DocumentStatus.APPROVED:
        return []
    commit = revision.commit
    where = f"version {revision.version} ({commit.sha[:10]})"
    problems = []
    approvers = commit.approvers + commit.reviewers
    if not approvers:
        problems.append(
            codes.APPROVAL_MISSING(
                f"{where} has no recorded approver.",
                doc.path,
                hint="Merge through a pull request whose merge commit carries an 'Approved-by:' trailer.",
                cause=f"commit:{commit.sha}",
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
        emails = {p.email.lower() for _, p in resolved if p} | {email_of(v) for v, _ in resolved} - {""}
        names_ = {p.name.lower() for _, p in resolved if p} | {v.split("<")[0].strip().lower() for v, _ in resolved}
        # The authors are who wrote the change (for a merge: what it brought in), co-authors included;
        # a merge commit's own author only pressed the button.
        if any(a.email.lower() in emails or a.name.lower() in names_ for a in commit.authors):
            problems.append(
                codes.APPROVAL_SELF(
                    f"{where}: an author of the change approved it.",
                    doc.path,
                    hint="Have someone who did not write or co-author the change approve it.",
                )
            )
    if not commit.is_merge and commit.pull_request is None:
        problems.append(
            codes.APPROVAL_NO_PULL_REQUEST(
                f"{where} reached the main branch without a pull request.",
                doc.path,
                hint="Protect the main branch so that changes arrive through reviewed pull requests.",
                cause=f"commit:{commit.sha}",
            )
        )
    if require_signatures and not commit.signature.verified:
        problems.append(
            codes.APPROVAL_UNSIGNED(
                f"{where} is not signed by an allowed signer ({_signature_state(commit)}).",
                doc.path,
                hint="Merge through the forge with signed merge commits, or sign the commit with a key in "
                "the allowed signers file.",
            )
        )
    return problems


def _signature_state(commit: Commit) -> str:
    return {
        "N": "unsigned",
        "U": f"signed by a key that is not allowed: {commit.signature.key}",
        "B": "bad signature",
        "E": "the signature cannot be checked",
    }.get(commit.signature.status, f"signature status {commit.signature.status or 'not read'}")


def _holds(role: str, value: str, person: Person | None) -> bool:
    if value.split("<")[0].strip().lower() == role.lower():
        return True
    return person is not None and (
        role.lower() in (r.lower() for r in person.roles) or role.lower() == person.name.lower()
    )


def effective_day(revision: Revision, policy: ControlPolicy) -> datetime.date:
    """The day a version took effect; a commit date later than the build is not believed."""
    value = revision.effective
    if isinstance(value, datetime.date):
        return value
    if policy.now is not None:
        value = min(value, policy.now)
    return datetime.datetime.fromtimestamp(value, policy.tz).date()


def control_for(
    doc: Document, changes: Sequence[Change], people: Sequence[Person], policy: ControlPolicy
) -> tuple[DocumentControl, list[Diagnostic]]:
    """One document's versions and next review from its accepted changes, and the approval warnings on its current version."""
    revisions = [
        replace(rev, holders=tuple(v for v in rev.approvers if _holds(doc.approver, v, resolve(v, people))))
        for rev in versions(changes, policy.baseline)
    ]
    last = effective_day(revisions[-1], policy) if revisions else None
    problems = (
        approval_checks(doc, revisions[-1], people, require_signatures=policy.require_signatures) if revisions else []
    )
    return DocumentControl(tuple(reversed(revisions)), next_review(doc, last)), problems


def review_state(control: DocumentControl, today: datetime.date, due_within_days: int) -> ReviewState:
    """Overdue, due within the window, or on schedule; unknown without any date."""
    if control.next_review is None:
        return ReviewState.UNKNOWN
    if control.next_review < today:
        return ReviewState.OVERDUE
    return ReviewState.DUE if (control.next_review - today).days <= due_within_days else ReviewState.OK


def date_checks(history: History, policy: ControlPolicy) -> list[Diagnostic]:
    """A warning per accepted change to a document whose committer date cannot be true: earlier than
    the change before it on the main branch, or later than the build (dates are typed by the committer)."""
    touched = {change.commit.sha for changes in history.changes.values() for change in changes}
    first = policy.baseline.first_checked if policy.baseline is not None else 0
    problems = []
    for index, sha in enumerate(history.chain):
        if index < first or sha not in touched:
            continue
        date = history.chain_dates[index]
        when = datetime.datetime.fromtimestamp(date, policy.tz).isoformat(timespec="minutes")
        if index and date < history.chain_dates[index - 1]:
            before = datetime.datetime.fromtimestamp(history.chain_dates[index - 1], policy.tz)
            problems.append(
                codes.HISTORY_DATE_ORDER(
                    f"commit {sha[:10]} is dated {when}, earlier than the change before it on the main branch "
                    f"({history.chain[index - 1][:10]}, {before.isoformat(timespec='minutes')}).",
                    hint="A committer date is typed by the committer: check how this commit reached the main branch.",
                )
            )
        if policy.now is not None and date > policy.now + FUTURE_TOLERANCE_SECONDS:
            problems.append(
                codes.HISTORY_DATE_FUTURE(
                    f"commit {sha[:10]} is dated {when}, after this build: its date is not believed, and reviews "
                    "count from the build's date instead.",
                    hint="A committer date is typed by the committer: check how this commit reached the main branch.",
                )
            )
    return problems


def document_controls(
    documents: Sequence[Document],
    history: History | None,
    people: Sequence[Person],
    policy: ControlPolicy,
    *,
    changes: Mapping[str, Sequence[Change]] | None = None,
) -> tuple[dict[str, DocumentControl], list[Diagnostic]]:
    """Every document's control record (by document id) and the warnings on it.

    `changes`: accepted changes given for a document (by id) instead of its file's (the SoA's are its files')."""
    controls: dict[str, DocumentControl] = {}
    problems: list[Diagnostic] = []
    for doc in documents:
        working, proposed, accepted = None, False, []
        if history is not None:
            working = history.uncommitted.get(doc.path)
            proposed = doc.path in history.proposed
            # A document renamed on this branch has its accepted history under its name on the main branch.
            accepted = history.of(history.proposed.get(doc.path) or doc.path)
            found_changes = (changes or {}).get(doc.id)
            accepted = list(found_changes) if found_changes is not None else accepted
        control, found = control_for(doc, accepted, people, policy)
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
    if history is not None:
        problems.extend(date_checks(history, policy))
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
