"""`imsdocs export`: the IMS for auditors, as tables.

`export` writes the document register, the Statement of Applicability, a traceability matrix per
standard, the review schedule and the mandatory documented information as CSV, JSON or XLSX,
each with the build stamp.

Exit codes: 0 written; 1 the sources have errors, or the files cannot be made (said on stderr);
2 no mkdocs.yml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import Severity, has_errors
from ..options import read_mkdocs_yml
from ..pipeline import Project, load_project
from .export import export
from .formats import FORMATS, write

COMMANDS = ("export",)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `export` command to the `imsdocs` parser."""
    tables = subparsers.add_parser(
        "export",
        help="the register, SoA, matrices, reviews and mandatory documents for auditors, as CSV, JSON or XLSX",
    )
    tables.add_argument("--format", choices=FORMATS, required=True, help="xlsx: one workbook; csv: a file per table")
    tables.add_argument("--output", type=Path, default=Path("export"), metavar="DIR", help="default: ./export")
    tables.add_argument("-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml")
    tables.add_argument(
        "--publish-up-to", metavar="LEVEL", help="leave out documents classified above this level (as the site does)"
    )


def run(args: argparse.Namespace) -> int | None:
    """Run one of this module's commands and return its exit code; None for any other command."""
    command = getattr(args, "command", None)
    if command not in COMMANDS:
        return None
    config = args.config_file
    if not config.is_file():
        print(f"imsdocs: {config}: no such file; run from the project root or pass -f.", file=sys.stderr)
        return 2
    project = _load(config.resolve(), getattr(args, "publish_up_to", None))
    if project is None:
        return 1
    for written in write(export(project), args.format, args.output):
        print(f"wrote {written}")
    return 0


def _load(config: Path, publish_up_to: str | None) -> Project | None:
    """The project, or None after reporting its errors (an export of a broken IMS would mislead)."""
    overrides = {"publish_up_to": publish_up_to} if publish_up_to else {}
    settings, problems = read_mkdocs_yml(config, overrides)
    if not has_errors(problems):
        project = load_project(settings)
        problems = [d for d in project.diagnostics if d.severity is Severity.ERROR]
        if not problems:
            return project
    for problem in problems:
        if problem.severity is Severity.ERROR:
            print(f"ERROR: {problem.render()}", file=sys.stderr)
    return None
