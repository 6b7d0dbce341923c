"""`imsdocs`: the same pipeline as the site build, reported without building the site."""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import sys
from dataclasses import replace
from pathlib import Path

from . import codes
from .adopt import commands as adopt
from .compliance.coverage import Status, shown_standards
from .diagnostics import Diagnostic, Severity, has_errors
from .forge.commands import register, run
from .history.document_control import ReviewState
from .history.evidence import FIELDS, evidence_rows
from .history.reader import HistoryError, repository_top
from .model.documents import Document
from .options import Settings, read_mkdocs_yml
from .outputs import commands as outputs
from .outputs.codeowners import codeowners
from .outputs.diff import to_json, to_markdown, to_text
from .pipeline import Project, load_project, package_version
from .review import ReviewError, review_change


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imsdocs", description="Integrated Management System documentation checks.")
    parser.add_argument("--version", action="version", version=f"imsdocs {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the sources and report coverage; exit 1 on errors or gaps")
    check.add_argument(
        "-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml (default: ./mkdocs.yml)"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--verbose",
        action="store_true",
        help="also list each finding that a summary stands for (one cause, many documents)",
    )
    check.add_argument(
        "--publish-up-to", metavar="LEVEL", help="report as a build that publishes up to this classification"
    )
    listing = commands.add_parser("codes", help="list every diagnostic code, its severity and what it means")
    listing.add_argument("--format", choices=("text", "markdown"), default="text")
    ledger = commands.add_parser(
        "evidence", help="the evidence ledger: one row per accepted change per document (archive it with each release)"
    )
    ledger.add_argument("-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml")
    ledger.add_argument("--format", choices=("json", "csv"), default="json")
    ledger.add_argument("--output", type=Path, help="write to this file instead of standard output")
    ledger.add_argument(
        "--publish-up-to", metavar="LEVEL", help="leave out documents classified above this level (as the site does)"
    )
    change = commands.add_parser(
        "diff",
        help="what a change does to the IMS: documents, versions, coverage, approvers; exit 1 if it uncovers a clause",
    )
    change.add_argument("base", help="the main branch as the change starts from, e.g. origin/main")
    change.add_argument("head", nargs="?", default="HEAD", help="the change (default: HEAD)")
    change.add_argument("-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml")
    change.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    change.add_argument("--output", type=Path, help="write to this file instead of standard output")
    change.add_argument(
        "--merge-base", action="store_true", help="compare from where BASE and HEAD diverged when BASE has moved on"
    )
    owners = commands.add_parser("codeowners", help="write CODEOWNERS from the documents' approvers; --check compares")
    owners.add_argument("-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml")
    owners.add_argument(
        "--forge", choices=("github", "gitlab"), help="whose handles to use (default: the 'forge' option)"
    )
    owners.add_argument("--output", help="where the file goes, from the repository root (default: the forge's place)")
    owners.add_argument("--check", action="store_true", help="write nothing; exit 1 if the committed file differs")
    register(commands)
    outputs.register(commands)
    adopt.register(commands)
    args = parser.parse_args(argv)

    if (code := run(args)) is not None:
        return code
    if (code := outputs.run(args)) is not None:
        return code
    if (code := adopt.run(args)) is not None:
        return code
    if args.command == "codes":
        return _codes(args.format)
    if args.command == "diff":
        return _diff(args)
    if not args.config_file.is_file():
        print(f"imsdocs: {args.config_file}: no such file; run from the project root or pass -f.", file=sys.stderr)
        return 2
    overrides = {"publish_up_to": args.publish_up_to} if getattr(args, "publish_up_to", None) else {}
    settings, problems = read_mkdocs_yml(args.config_file.resolve(), overrides)
    if has_errors(problems):  # as the build does: nothing is checked with options that are wrong
        _report(problems, "json" if args.format == "json" else "text")
        return 1
    if args.command == "codeowners":
        return _codeowners(settings, args)
    project = load_project(settings)
    if args.command == "evidence":
        return _evidence(project, args.format, args.output)
    return _check(project, args.format, verbose=args.verbose)


def _codes(output: str) -> int:
    if output == "markdown":
        print(codes.markdown_table(), end="")
    else:
        for code in codes.REGISTRY.values():
            lowered = " (checks: may lower it)" if code.adjustable else ""
            print(f"{code.name:28} {code.severity.value:8} {code.description}{lowered}")
    return 0


def _report(problems: list[Diagnostic], output: str) -> None:
    if output == "json":
        print(json.dumps({"ok": False, "diagnostics": [d.to_json() for d in problems]}, indent=2))
    else:
        for d in problems:
            print(f"{d.severity.value.upper()}: {d.render()}")


def _check(project: Project, output: str, *, verbose: bool = False) -> int:
    shown = shown_standards(project.coverage, project.documents)
    failing = [d for d in project.diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
    summary = [
        {
            "standard": key,
            "title": s.catalogue.title,
            "in_scope": s.in_scope,
            "requirements": len(s.leaves()),
            "covered": s.count(Status.COVERED),
            "excluded": s.count(Status.EXCLUDED),
            "not_covered": s.count(Status.NOT_COVERED),
            "percent": round(s.percent, 1),
        }
        for key, s in project.coverage.items()
        if s in shown  # in scope, or claimed: not every catalogue that ships
    ]
    published = [doc for doc in project.documents if project.published(doc)]
    reviews = dict.fromkeys(ReviewState, 0)
    for doc in project.documents:
        reviews[project.control(doc).review] += 1
    if output == "json":
        out = {
            "ok": not failing,
            "documents": len(project.documents),
            "coverage": summary,
            "document_control": [_control_json(project, doc) for doc in sorted(published, key=lambda d: d.id)],
            "evidence": [
                row.to_json() for row in evidence_rows(published, project.controls, project.people, project.policy)
            ]
            if project.policy is not None
            else [],
            "diagnostics": [d.to_json() for d in project.diagnostics],
            "summarised": [d.to_json() for d in project.folded],
        }
        print(json.dumps(out, indent=2))
    else:
        _report(project.diagnostics, output)
        if verbose and project.folded:
            print(f"Behind the summaries above ({len(project.folded)} findings):")
            _report(project.folded, output)
        print(f"{len(project.documents)} documents")
        for row in summary:
            scope = "" if row["in_scope"] else " (not in scope)"
            print(
                f"{row['title']}{scope}: {row['covered']}/{row['requirements']} covered, "
                f"{row['excluded']} excluded, {row['not_covered']} not covered ({row['percent']:.0f}%)"
            )
        unknown = reviews[ReviewState.UNKNOWN]
        print(
            f"Reviews: {reviews[ReviewState.OVERDUE]} overdue, {reviews[ReviewState.DUE]} due within "
            f"{project.settings.review_due_within_days} days, {reviews[ReviewState.OK]} on schedule"
            + (f", {unknown} without a date" if unknown else "")
        )
        errors = sum(d.severity is Severity.ERROR for d in project.diagnostics)
        print(f"{errors} error(s), {len(failing) - errors} warning(s)")
    return 1 if failing else 0


def _codeowners(settings: Settings, args: argparse.Namespace) -> int:
    forge = args.forge or settings.forge
    output = args.output or (".github/CODEOWNERS" if forge == "github" else ".gitlab/CODEOWNERS")
    project = load_project(replace(settings, history=False))
    errors = [d for d in project.diagnostics if d.severity is Severity.ERROR]
    try:
        top, relative = repository_top(settings.root)
    except HistoryError:  # not in git (yet): the project folder is the top
        top, relative = settings.root, "."
    prefix = "" if relative == "." else relative + "/"
    content, problems = codeowners(project, forge, prefix, output)
    errors += problems
    if errors:
        _report(errors, "text")
        return 1
    target = top / output
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current == content:
            print(f"{output} is up to date.")
            return 0
        print(f"{output} differs from what the documents and the people file say (run 'imsdocs codeowners'):")
        sys.stdout.writelines(
            difflib.unified_diff(current.splitlines(True), content.splitlines(True), output, "expected")
        )
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    if not args.config_file.is_file():
        print(f"imsdocs: {args.config_file}: no such file; run from the project root or pass -f.", file=sys.stderr)
        return 2
    try:
        report, problems = review_change(
            args.config_file.resolve(), args.base, args.head, from_merge_base=args.merge_base
        )
    except ReviewError as exc:
        print(f"imsdocs diff: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"{problem.severity.value.upper()}: {problem.render()}", file=sys.stderr)
    content = {"text": to_text, "markdown": to_markdown, "json": to_json}[args.format](report)
    if args.output is None:
        sys.stdout.write(content)
    else:
        args.output.write_text(content, encoding="utf-8")
    return 1 if report.failing else 0


def _evidence(project: Project, output: str, destination: Path | None) -> int:
    errors = [d for d in project.diagnostics if d.severity is Severity.ERROR]
    unavailable = [d for d in project.diagnostics if d.code == "history-unavailable"]
    if errors or unavailable or project.policy is None:
        for d in errors + unavailable:
            print(f"ERROR: {d.render()}", file=sys.stderr)
        if not errors and not unavailable:
            print("ERROR: the evidence ledger needs the git history ('history: true').", file=sys.stderr)
        return 1
    published = [doc for doc in project.documents if project.published(doc)]
    rows = evidence_rows(published, project.controls, project.people, project.policy)
    stamp = project.stamp.to_json() if project.stamp else {}
    if output == "json":
        content = json.dumps({"build": stamp, "evidence": [row.to_json() for row in rows]}, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*FIELDS, "built_from", "built_at"])
        for row in rows:
            data = row.to_json()
            writer.writerow(
                [_cell(data[name]) for name in FIELDS] + [_cell(stamp.get("commit")), _cell(stamp.get("built_at"))]
            )
        content = buffer.getvalue()
    if destination is None:
        sys.stdout.write(content)
    else:
        destination.write_text(content, encoding="utf-8")
    return 0


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: lists joined, formulas neutralised."""
    if isinstance(value, dict):
        value = "; ".join(f"{key}: {state}" for key, state in value.items())
    elif isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    elif value is None:
        value = ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _control_json(project: Project, doc: Document) -> dict[str, object]:
    control = project.control(doc)
    current = control.current
    return {
        "id": doc.id,
        "path": doc.path,
        "version": current.version if current else None,
        "effective": current.commit.committed_at if current else None,  # epoch seconds
        "approved_by": list(current.approvers) if current else [],
        "pull_request": current.commit.pull_request if current else None,
        "next_review": control.next_review.isoformat() if control.next_review else None,
        "review": control.review.value,
        "draft": control.is_draft,
    }


if __name__ == "__main__":
    sys.exit(main())
