"""`imsdocs check`: the same pipeline as the site build, reported without building the site."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .coverage import Status
from .diagnostics import Severity
from .project import load_project
from .settings import from_mkdocs_yml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imsdocs", description="Integrated Management System documentation checks.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the sources and report coverage; exit 1 on errors or gaps")
    check.add_argument(
        "-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml (default: ./mkdocs.yml)"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)

    if not args.config_file.is_file():
        print(f"imsdocs: {args.config_file}: no such file; run from the project root or pass -f.", file=sys.stderr)
        return 2
    project = load_project(from_mkdocs_yml(args.config_file.resolve()))
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
    ]
    if args.format == "json":
        out = {
            "ok": not failing,
            "documents": len(project.documents),
            "coverage": summary,
            "diagnostics": [d.to_json() for d in project.diagnostics],
        }
        print(json.dumps(out, indent=2))
    else:
        for d in project.diagnostics:
            print(f"{d.severity.value.upper()}: {d.render()}")
        print(f"{len(project.documents)} documents")
        for row in summary:
            scope = "" if row["in_scope"] else " (not in scope)"
            print(
                f"{row['title']}{scope}: {row['covered']}/{row['requirements']} covered, "
                f"{row['excluded']} excluded, {row['not_covered']} not covered ({row['percent']:.0f}%)"
            )
        errors = sum(d.severity is Severity.ERROR for d in project.diagnostics)
        print(f"{errors} error(s), {len(failing) - errors} warning(s)")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
