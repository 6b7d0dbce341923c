"""The compliance diff as a reviewer reads it: plain text, a pull-request comment (Markdown), or JSON.

In Markdown every value is written as character references for the characters that Markdown or
HTML would act on (`*`, `[`, `<`, `@` which would mention someone, `#` which would link an issue),
so a title or a justification cannot format, link or ping anything in the comment.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Iterable

from ..compliance.diff import ChangeReport, DocumentChange

_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-.!|~<>&\"'@:=$^]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def md(value: object) -> str:
    """A value as inert text inside Markdown and HTML."""
    text = _CONTROL.sub(" ", str(value))
    return _MARKDOWN.sub(lambda m: f"&#{ord(m.group(0))};", text)


def to_json(report: ChangeReport) -> str:
    def default(value: object) -> object:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if hasattr(value, "to_json"):
            return value.to_json()
        raise TypeError(type(value))

    data = dataclasses.asdict(report)
    data["errors"] = [d.to_json() for d in report.errors]
    data["failing"] = report.failing
    return json.dumps(data, indent=2, default=default) + "\n"


def _version(change: DocumentChange) -> str:
    if change.kind == "removed":
        return f"{change.version_before or '-'} (removed)"
    if change.version_before == change.version_after:
        return f"{change.version_after or '-'} (unchanged)"
    return f"{change.version_before or 'new'} -> {change.version_after}"


def _claims(claims: dict[str, list[str]]) -> str:
    return "; ".join(f"{standard}: {', '.join(clauses)}" for standard, clauses in claims.items())


def _approval(change: DocumentChange) -> str:
    who = ", ".join(change.approvers) or "no one in the people file"
    text = f"{change.approver} ({who})"
    if change.author_approves:
        others = [p for p in change.approvers if not any(p in a for a in change.authors)]
        text += "; an author holds this role" + ("" if others else ", and no one else does")
    if change.approver_now:
        text += f"; the change makes the approver '{change.approver_now}'"
    return text


def summary(report: ChangeReport) -> list[str]:
    """The lines a reviewer reads first."""
    lines = []
    if report.uncovered:
        lines.append(f"Uncovers {len(report.uncovered)} requirement(s) of an in-scope standard.")
    if report.errors:
        lines.append(f"Leaves {len(report.errors)} error(s) in the sources.")
    kinds: dict[str, int] = {}
    for change in report.documents:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    if kinds:
        lines.append("Documents: " + ", ".join(f"{count} {kind}" for kind, count in kinds.items()) + ".")
    if report.covered:
        lines.append(f"Newly covers {len(report.covered)} requirement(s).")
    if report.applicability:
        lines.append(f"Changes {len(report.applicability)} exclusion(s) or reason(s) for inclusion.")
    if not lines:
        lines.append("No change to documents, coverage or applicability.")
    return lines


def to_text(report: ChangeReport) -> str:
    out = [f"imsdocs diff {report.base[:10]}..{report.head[:10]}", *summary(report)]
    for clause in report.uncovered:
        out.append(f"UNCOVERED {clause.standard_title} {clause.clause} '{clause.title}' (was {clause.before or 'new'})")
    for error in report.errors:
        out.append(f"ERROR {error.render()}")
    for change in report.documents:
        out.append(f"{change.kind.upper()} {change.id} {change.title} ({change.path}): {_version(change)}")
        if change.claims_added:
            out.append(f"  claims added: {_claims(change.claims_added)}")
        if change.claims_removed:
            out.append(f"  claims removed: {_claims(change.claims_removed)}")
        if change.kind != "removed":
            out.append(f"  must approve: {_approval(change)}")
    for clause in report.covered:
        out.append(f"COVERED {clause.standard_title} {clause.clause} '{clause.title}'")
    for item in report.applicability:
        out.append(f"APPLICABILITY {item.standard} {item.clause}: {item.change}")
    return "\n".join(out) + "\n"


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _details(title: str, body: str) -> str:
    return f"<details><summary>{md(title)}</summary>\n\n{body}\n\n</details>"


def to_markdown(report: ChangeReport) -> str:
    """A pull-request comment: the verdict and a summary first, the details in collapsible sections."""
    verdict = (
        "**This change needs attention.**" if report.failing else "**This change keeps every requirement covered.**"
    )
    parts = [
        f"### imsdocs: compliance diff of {md(report.head[:10])} against {md(report.base[:10])}",
        verdict,
        "\n".join(f"- {md(line)}" for line in summary(report)),
    ]
    if report.uncovered:
        parts.append(
            "**Requirements this change leaves uncovered**\n\n"
            + _table(
                ["Standard", "Clause", "Title", "Before"],
                [(c.standard_title, c.clause, c.title, c.before or "new") for c in report.uncovered],
            )
        )
    if report.errors:
        parts.append("**Errors in the proposed sources**\n\n" + "\n".join(f"- {md(e.render())}" for e in report.errors))
    if report.documents:
        parts.append(
            _details(
                f"Documents ({len(report.documents)})",
                _table(
                    ["Document", "Change", "Version", "Claims added", "Claims removed", "Next review", "Must approve"],
                    [
                        (
                            f"{c.id} {c.title}",
                            c.kind + (f" (from {c.old_path})" if c.old_path else ""),
                            _version(c),
                            _claims(c.claims_added) or "-",
                            _claims(c.claims_removed) or "-",
                            _review(c),
                            _approval(c) if c.kind != "removed" else "-",
                        )
                        for c in report.documents
                    ],
                ),
            )
        )
    if report.covered:
        parts.append(
            _details(
                f"Newly covered ({len(report.covered)})",
                _table(
                    ["Standard", "Clause", "Title"], [(c.standard_title, c.clause, c.title) for c in report.covered]
                ),
            )
        )
    if report.applicability:
        parts.append(
            _details(
                f"Applicability ({len(report.applicability)})",
                _table(
                    ["Standard", "Clause", "Change", "Before", "After"],
                    [(a.standard, a.clause, a.change, a.before or "-", a.after or "-") for a in report.applicability],
                ),
            )
        )
    if report.catalogues or report.scope.get("added") or report.scope.get("removed"):
        rows = [(k, ", ".join(v["added"]) or "-", ", ".join(v["removed"]) or "-") for k, v in report.catalogues.items()]
        rows += [(k, "in scope", "-") for k in report.scope.get("added", [])]
        rows += [(k, "-", "out of scope") for k in report.scope.get("removed", [])]
        parts.append(_details("Catalogues and scope", _table(["Standard", "Added", "Removed"], rows)))
    if report.authors:
        parts.append(f"Authors: {md(', '.join(a.split('<')[0].strip() for a in report.authors))}")
    return "\n\n".join(parts) + "\n"


def _review(change: DocumentChange) -> str:
    before = change.review_before.isoformat() if change.review_before else "-"
    after = change.review_after.isoformat() if change.review_after else "-"
    return after if before == after else f"{before} -> {after}"
