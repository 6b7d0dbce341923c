"""`imsdocs export` and `imsdocs pdf`: the IMS for auditors, as tables and as printable documents.

- `export` writes the document register, the Statement of Applicability, a traceability matrix per
  standard, the review schedule and the mandatory documented information as CSV, JSON or XLSX,
  each with the build stamp.
- `pdf` builds the site strictly (or takes a built one) and prints each published document to a
  PDF of its own, and all of them to one (needs WeasyPrint: `pip install 'imsdocs[pdf]'`).

Exit codes: 0 written; 1 the sources have errors, or the files cannot be made (said on stderr);
2 no mkdocs.yml.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from ..diagnostics import Severity, has_errors
from ..options import read_mkdocs_yml
from ..pipeline import Project, load_project
from .export import export
from .formats import FORMATS, write
from .pdf import PdfError, load_weasyprint, write_pdfs

COMMANDS = ("export", "pdf")
DEFAULT_SITE_NAME = "Integrated Management System"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `export` and `pdf` commands to the `imsdocs` parser."""
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

    pdf = subparsers.add_parser(
        "pdf", help="a PDF per published document and one of the whole IMS, from the built site (needs WeasyPrint)"
    )
    pdf.add_argument("--output", type=Path, default=Path("pdf"), metavar="DIR", help="default: ./pdf")
    pdf.add_argument("-f", "--config-file", default="mkdocs.yml", type=Path, help="path of mkdocs.yml")
    pdf.add_argument(
        "--site", type=Path, metavar="DIR", help="a site already built from this mkdocs.yml (default: build one now)"
    )
    pdf.add_argument("--verbose", action="store_true", help="say how long each phase took, and each document's pages")


def run(args: argparse.Namespace) -> int | None:
    """Run one of this module's commands and return its exit code; None for any other command."""
    command = getattr(args, "command", None)
    if command not in COMMANDS:
        return None
    if command == "pdf":
        try:
            load_weasyprint()  # before any work: say what to install at once
        except PdfError as exc:
            print(exc, file=sys.stderr)
            return 1
    config = args.config_file
    if not config.is_file():
        print(f"imsdocs: {config}: no such file; run from the project root or pass -f.", file=sys.stderr)
        return 2
    project = _load(config.resolve(), getattr(args, "publish_up_to", None))
    if project is None:
        return 1
    if command == "export":
        for written in write(export(project), args.format, args.output):
            print(f"wrote {written}")
        return 0
    return _pdf(project, config.resolve(), args)


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


def _pdf(project: Project, config: Path, args: argparse.Namespace) -> int:
    verbose: bool = args.verbose
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="imsdocs-pdf-") as temporary:
        site = args.site
        if site is None:
            started = time.monotonic()
            site = Path(temporary) / "site"
            # The plugin does all the work, with the options of this mkdocs.yml: the pages are the site's.
            built = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                cwd=config.parent,
                capture_output=True,
                text=True,
                env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                check=False,
            )
            timings["build"] = time.monotonic() - started
            if built.returncode != 0:
                sys.stderr.write(built.stdout + built.stderr)
                print("imsdocs pdf: the strict site build failed (above); no PDF was written.", file=sys.stderr)
                return 1
        elif not site.is_dir():
            print(f"imsdocs pdf: {site}: no such folder (--site names a built site).", file=sys.stderr)
            return 1

        def progress(line: str) -> None:
            if verbose:
                print(f"  {line}", file=sys.stderr)

        try:
            result = write_pdfs(project, site, args.output, _site_name(config), progress=progress)
        except PdfError as exc:
            print(exc, file=sys.stderr)
            return 1
    timings.update(result.seconds)
    for url in result.refused:
        print(f"imsdocs pdf: not fetched (not a file of the site): {url[:200]}", file=sys.stderr)
    if verbose:
        phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in timings.items())
        print(
            f"imsdocs pdf: {len(result.files) - 1} documents, {result.local_files} local file(s) read, "
            f"{len(result.refused)} refused; {phases}; total {sum(timings.values()):.1f} s",
            file=sys.stderr,
        )
    for written in result.files:
        print(f"wrote {written}")
    return 0


class _AnyTags(yaml.SafeLoader):
    """mkdocs.yml may carry `!ENV` and `!!python/name:` tags; only `site_name` is wanted here."""


_AnyTags.add_multi_constructor("", lambda loader, suffix, node: None)


def _site_name(config: Path) -> str:
    try:
        data = yaml.load(config.read_text(encoding="utf-8-sig"), Loader=_AnyTags)
    except (
        OSError,
        UnicodeDecodeError,
        yaml.YAMLError,
    ):  # MkDocs has read it already; a title is not worth failing for
        return DEFAULT_SITE_NAME
    name = data.get("site_name") if isinstance(data, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else DEFAULT_SITE_NAME
