"""The evidence ledger: one row per accepted change per document, with everything an auditor checks.

Forges keep approval records for a limited time; this ledger, archived with each release of the
site, keeps what git proves: which content (blob) became which version, when, written by whom,
approved by whom, through which pull request, signed by whom, and which checks it passed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from ..model.documents import Document, DocumentStatus
from ..model.people import Person
from .document_control import APPROVAL_CHECKS, ControlPolicy, DocumentControl, Revision, approval_checks

FIELDS = (
    "document",
    "version",
    "path",
    "commit",
    "blob",
    "date",
    "authors",
    "approvers",
    "pull_request",
    "pull_request_verified",
    "signature",
    "signer",
    "imported",
    "baseline",
    "checks",
)


@dataclass(frozen=True)
class EvidenceRow:
    """The evidence for one version of one document."""

    document: str
    version: str
    path: str
    commit: str
    blob: str  # the git object id of the document's content in this version
    date: str  # ISO 8601, in the configured time zone: when the version took effect
    authors: tuple[str, ...]
    approvers: tuple[str, ...]
    pull_request: str | None
    pull_request_verified: bool  # a merge commit, or signed by an allowed signer; False: only claimed
    signature: str  # git's status letter: G good, U unknown key, N none, B bad, E cannot check; "" not read
    signer: str
    imported: bool  # before the approval baseline
    baseline: bool  # the version that stands for the imported history
    checks: Mapping[str, str]  # check -> passed | failed | not checked

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["checks"] = dict(self.checks)
        return data


def evidence_rows(
    documents: Sequence[Document],
    controls: Mapping[str, DocumentControl],
    people: Sequence[Person],
    policy: ControlPolicy,
) -> list[EvidenceRow]:
    """Every version of every document, oldest first within each document, documents in id order."""
    rows = []
    for doc in sorted(documents, key=lambda d: d.id):
        control = controls.get(doc.id)
        for revision in reversed(control.revisions if control else ()):
            rows.append(_row(doc, revision, people, policy))
    return rows


def _row(doc: Document, revision: Revision, people: Sequence[Person], policy: ControlPolicy) -> EvidenceRow:
    commit = revision.commit
    names = (*APPROVAL_CHECKS, *(("approval-unsigned",) if policy.require_signatures else ()))
    if revision.imported or doc.status is not DocumentStatus.APPROVED:
        checks = dict.fromkeys(names, "not checked")
    else:
        failed = {p.code for p in approval_checks(doc, revision, people, require_signatures=policy.require_signatures)}
        checks = {name: "failed" if name in failed else "passed" for name in names}
    effective = revision.effective
    date = (
        effective.isoformat()
        if isinstance(effective, datetime.date)
        else datetime.datetime.fromtimestamp(effective, policy.tz).isoformat()
    )
    return EvidenceRow(
        document=doc.id,
        version=revision.version,
        path=revision.change.path,
        commit=commit.sha,
        blob=revision.change.blob,
        date=date,
        authors=() if revision.baseline else tuple(f"{a.name} <{a.email}>" for a in commit.authors),
        approvers=revision.approvers,
        pull_request=None if revision.baseline else commit.pull_request,
        pull_request_verified=commit.pull_request is not None and not commit.pull_request_claimed,
        signature=commit.signature.status,
        signer=commit.signature.signer,
        imported=revision.imported,
        baseline=revision.baseline is not None,
        checks=checks,
    )
