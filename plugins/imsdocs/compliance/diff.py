"""What a change does to the IMS: the compliance diff of two versions of the repository.

Pure comparison of two loaded projects (the main branch's and the pull request's), with the facts
git gives about the change (renames, its commits and their authors) and the documents' versions
on the main branch. `imsdocs diff` feeds it and prints the result for a reviewer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Severity
from ..history.document_control import DocumentControl, add_interval
from ..model.documents import Document, DocumentStatus
from ..model.people import Person, email_of, resolve
from .coverage import StandardCoverage, Status


@dataclass(frozen=True)
class ChangeFacts:
    """What git says about the change: renames (old -> new path) and, per commit, authors and paths."""

    renamed: Mapping[str, str]
    commits: Sequence[tuple[tuple[str, ...], bool, frozenset[str]]]  # (authors, editorial, paths)
    changed: frozenset[str]  # paths whose content or name differs between the trees (both names of a rename)
    unchanged_renames: frozenset[str]  # new paths of renames that kept the content


@dataclass(frozen=True)
class DocumentChange:
    """One document the change adds, changes, renames, retires or removes."""

    kind: str  # added | changed | renamed | retired | removed
    id: str
    title: str
    path: str
    old_path: str | None
    version_before: str | None
    version_after: str | None  # the version the merge would give it
    claims_added: dict[str, list[str]]
    claims_removed: dict[str, list[str]]
    review_before: datetime.date | None
    review_after: datetime.date | None  # the next review the merge would set
    approver: str  # the role (or person) who must approve, as the main branch says
    approver_now: str | None  # set when the change also changes its approver
    approvers: list[str]  # the people holding that role
    owner: str
    owners: list[str]
    authors: list[str]
    author_approves: bool  # an author of the change holds the approver role

    @property
    def content_changed(self) -> bool:
        return self.version_before != self.version_after


@dataclass(frozen=True)
class ClauseChange:
    """A requirement whose coverage the change moves."""

    standard: str
    standard_title: str
    clause: str
    title: str
    before: str | None  # a Status value; None when the clause (or standard) is new
    after: str


@dataclass(frozen=True)
class ApplicabilityChange:
    """An exclusion or reason for inclusion that the change adds, removes or rewords."""

    standard: str
    clause: str
    change: str  # "excluded" | "exclusion removed" | "justification changed" | "inclusion changed"
    before: str
    after: str


@dataclass
class ChangeReport:
    """Everything a reviewer of the change needs, as data (printed as text, Markdown or JSON)."""

    base: str
    head: str
    authors: list[str]
    documents: list[DocumentChange] = field(default_factory=list)
    uncovered: list[ClauseChange] = field(default_factory=list)  # in-scope standards only
    covered: list[ClauseChange] = field(default_factory=list)
    applicability: list[ApplicabilityChange] = field(default_factory=list)
    catalogues: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # standard -> added/removed ids
    scope: dict[str, list[str]] = field(default_factory=dict)  # added/removed standards in scope
    errors: list[Diagnostic] = field(default_factory=list)  # errors the proposed tree has

    @property
    def failing(self) -> bool:
        """The change uncovers a requirement of an in-scope standard, or leaves the sources with errors."""
        return bool(self.uncovered or self.errors)


@dataclass(frozen=True)
class Side:
    """One side of the comparison: the loaded project and (base) its document control."""

    documents: Sequence[Document]
    coverage: Mapping[str, StandardCoverage]
    applicability: Mapping[str, tuple[dict[str, str], dict[str, str]]]  # standard -> (excluded, inclusions)
    people: Sequence[Person]
    diagnostics: Sequence[Diagnostic] = ()
    controls: Mapping[str, DocumentControl] = field(default_factory=dict)
    in_scope: Sequence[str] = ()


def diff(base: Side, head: Side, facts: ChangeFacts, today: datetime.date, names: tuple[str, str]) -> ChangeReport:
    """The compliance diff of `head` against `base`."""
    all_authors = list(dict.fromkeys(a for authors, _e, _p in facts.commits for a in authors))
    report = ChangeReport(names[0], names[1], all_authors)
    report.documents = _documents(base, head, facts, today)
    _coverage(base, head, report)
    _applicability(base, head, report)
    report.scope = {
        "added": [k for k in head.in_scope if k not in base.in_scope],
        "removed": [k for k in base.in_scope if k not in head.in_scope],
    }
    report.errors = [d for d in head.diagnostics if d.severity is Severity.ERROR]
    return report


def _documents(base: Side, head: Side, facts: ChangeFacts, today: datetime.date) -> list[DocumentChange]:
    before = {doc.path: doc for doc in base.documents}
    after = {doc.path: doc for doc in head.documents}
    renamed_back = {new: old for old, new in facts.renamed.items()}
    changes = []
    for path in sorted(set(before) | set(after) | set(facts.renamed.values())):
        new = after.get(path)
        old_path = renamed_back.get(path, path)
        old = before.get(old_path)
        if new is None and old is None:
            continue
        if new is None:
            if path in facts.renamed:  # reported under its new path
                continue
            assert old is not None
            changes.append(_change("removed", old, None, old_path, None, base, facts, today))
            continue
        if old is None:
            changes.append(_change("added", new, new, path, None, base, facts, today))
            continue
        same = path in facts.unchanged_renames if old_path != path else path not in facts.changed
        if same and old_path == path:
            continue
        if new.status is DocumentStatus.RETIRED and old.status is not DocumentStatus.RETIRED:
            kind = "retired"
        elif old_path != path:
            kind = "renamed"
        else:
            kind = "changed"
        changes.append(_change(kind, old, new, path, old_path if old_path != path else None, base, facts, today, same))
    return changes


def _change(
    kind: str,
    old: Document,
    new: Document | None,
    path: str,
    old_path: str | None,
    base: Side,
    facts: ChangeFacts,
    today: datetime.date,
    same_content: bool = False,
) -> DocumentChange:
    """One document's change; `old` is the main branch's document (for an added one, the new one)."""
    control = base.controls.get(old.id) if kind != "added" else None
    current = control.current.version if control is not None and control.current is not None else None
    touched = [(authors, editorial) for authors, editorial, paths in facts.commits if {path, old_path or path} & paths]
    editorial = bool(touched) and all(editorial for _, editorial in touched)
    if kind == "removed":
        version_after = None
    elif same_content:
        version_after = current  # a pure rename keeps the version
    elif current is None:
        version_after = "1.0"
    else:
        major, minor = (int(part) for part in current.split("."))
        version_after = f"{major}.{minor + 1}" if editorial else f"{major + 1}.0"
    document = new or old
    authors = list(dict.fromkeys(a for names, _ in touched for a in names))
    approvers = _holders(old.approver, base.people)
    claims_before = _claims(old) if kind != "added" else {}
    claims_after = _claims(new) if new is not None else {}
    return DocumentChange(
        kind=kind,
        id=document.id,
        title=document.title,
        path=path,
        old_path=old_path,
        version_before=current,
        version_after=version_after,
        claims_added=_minus(claims_after, claims_before),
        claims_removed=_minus(claims_before, claims_after),
        review_before=control.next_review if control is not None else None,
        review_after=add_interval(today, document.review_interval)
        if new is not None and version_after != current and new.status is DocumentStatus.APPROVED
        else (control.next_review if control is not None else None),
        approver=old.approver,
        approver_now=new.approver if new is not None and new.approver != old.approver else None,
        approvers=[p.name for p in approvers],
        owner=old.owner,
        owners=[p.name for p in _holders(old.owner, base.people)],
        authors=authors,
        author_approves=any(_same_person(author, person) for author in authors for person in approvers),
    )


def _claims(doc: Document) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for claim in doc.claims:
        found.setdefault(claim.standard, []).append(claim.clause)
    return found


def _minus(left: dict[str, list[str]], right: dict[str, list[str]]) -> dict[str, list[str]]:
    result = {}
    for standard, clauses in left.items():
        missing = [c for c in clauses if c not in right.get(standard, [])]
        if missing:
            result[standard] = missing
    return result


def _holders(role: str, people: Sequence[Person]) -> list[Person]:
    """The people who hold a role (or the person a name names)."""
    lowered = role.lower()
    return [p for p in people if lowered in (r.lower() for r in p.roles) or p.name.lower() == lowered]


def _same_person(identity: str, person: Person) -> bool:
    email = email_of(identity)
    return (bool(email) and email == person.email.lower()) or resolve(identity, [person]) is not None


def _coverage(base: Side, head: Side, report: ChangeReport) -> None:
    for key, standard in head.coverage.items():
        before = base.coverage.get(key)
        if before is not None:
            old_ids, new_ids = set(before.catalogue.clauses), set(standard.catalogue.clauses)
            if old_ids != new_ids:
                report.catalogues[key] = {"added": sorted(new_ids - old_ids), "removed": sorted(old_ids - new_ids)}
        was_in_scope = key in base.in_scope and before is not None
        for row in standard.leaves():
            previous = None
            if (
                before is not None
                and row.clause.id in before.catalogue.clauses
                and not before.catalogue.clauses[row.clause.id].children
            ):
                previous = before.row(row.clause.id).status
            change = ClauseChange(
                key,
                standard.catalogue.title,
                row.clause.id,
                row.clause.display_title,
                previous.value if previous is not None else None,
                row.status.value,
            )
            if (
                row.status is Status.NOT_COVERED
                and standard.in_scope
                and (previous is not Status.NOT_COVERED or not was_in_scope)
            ):
                report.uncovered.append(change)
            elif (
                row.status is Status.COVERED
                and previous is not Status.COVERED
                and (previous is not None or before is None)
            ):
                report.covered.append(change)


def _applicability(base: Side, head: Side, report: ChangeReport) -> None:
    for key in sorted(set(base.applicability) | set(head.applicability)):
        old_excluded, old_included = base.applicability.get(key, ({}, {}))
        new_excluded, new_included = head.applicability.get(key, ({}, {}))
        for clause in sorted(set(old_excluded) | set(new_excluded)):
            before, after = old_excluded.get(clause), new_excluded.get(clause)
            if before == after:
                continue
            kind = "excluded" if before is None else "exclusion removed" if after is None else "justification changed"
            report.applicability.append(ApplicabilityChange(key, clause, kind, before or "", after or ""))
        for clause in sorted(set(old_included) | set(new_included)):
            before, after = old_included.get(clause), new_included.get(clause)
            if before != after:
                report.applicability.append(
                    ApplicabilityChange(key, clause, "inclusion changed", before or "", after or "")
                )
