"""`imsdocs import SRC`: bring a folder of existing Markdown documents under front matter.

A dry run by default: prints the front matter each file would get, then the report. `--write`
writes it, changing only the front matter block of each file (the body byte for byte, its line
endings kept), and only files inside SRC, never through a symbolic link.

Exit codes: 0 done (also with things to report); 1 SRC or the mapping cannot be read, or a file
could not be written; 2 a bad argument.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path, PurePosixPath

from ..diagnostics import Severity, did_you_mean, has_errors
from ..history.git import GitError
from ..model.catalogue import Catalogue, load_catalogue, shipped_catalogues
from ..model.documents import Schema
from ..model.yamlfile import read_text
from ..options import DEFAULT_CLASSIFICATIONS, DEFAULT_TYPES, read_mkdocs_yml
from ..pipeline import build_time, load_project
from .importer import (
    NOTHING_TO_ADD,
    Defaults,
    FilePlan,
    MappingError,
    Plan,
    Row,
    Unused,
    check_defaults,
    collect_sources,
    parse_mapping,
    plan_import,
    record_block_hint,
)
from .scaffold import scaffold, start_repository

COMMANDS = ("import", "new")
DEFAULTS = Defaults()
EXTRA_WHY = "the build rejects fields it does not know; organisation-specific fields go under 'extra:'"


class _Failure(Exception):
    """What stops the command, as one line, and its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `new` and `import` commands to the `imsdocs` parser."""
    start = subparsers.add_parser(
        "new", help="create a working IMS repository: configuration, requirements, starter drafts, CI"
    )
    start.add_argument("directory", type=Path, help="where to create it (must be empty or absent)")
    start.add_argument(
        "--standards", default="iso27001:2022,iso20000-1:2018", help="comma-separated standard keys in scope"
    )
    start.add_argument("--name", default="Our organisation", help="the organisation's name, for the site's title")
    start.add_argument(
        "--forge", choices=("github", "gitlab"), default="github", help="where pull requests are reviewed"
    )
    start.add_argument("--git", action="store_true", help="also run git init and commit the starting point")
    command = subparsers.add_parser(
        "import",
        help="put front matter on existing Markdown documents (and map clauses onto them); a dry run unless --write",
    )
    command.add_argument("src", type=Path, metavar="SRC", help="the folder of Markdown files (searched recursively)")
    command.add_argument("--write", action="store_true", help="change the files (default: print what would change)")
    command.add_argument("--owner", default=DEFAULTS.owner, metavar="ROLE", help=f"default: {DEFAULTS.owner}")
    command.add_argument("--approver", default=DEFAULTS.approver, metavar="ROLE", help=f"default: {DEFAULTS.approver}")
    command.add_argument("--status", choices=("approved", "draft"), default=DEFAULTS.status)
    command.add_argument(
        "--classification", default=DEFAULTS.classification, metavar="LEVEL", help=f"default: {DEFAULTS.classification}"
    )
    command.add_argument(
        "--review-interval", default=DEFAULTS.review_interval, help=f"default: '{DEFAULTS.review_interval}'"
    )
    command.add_argument(
        "--id-pattern",
        default=DEFAULTS.id_pattern,
        help="new ids from {prefix} (POL, PRO, REC, ...), {n} (counted per prefix) and {stem} (the file name); "
        f"default: '{DEFAULTS.id_pattern}'",
    )
    command.add_argument(
        "--type",
        dest="default_type",
        default=DEFAULTS.type,
        metavar="TYPE",
        help=f"the type of a file whose folder names none (default: {DEFAULTS.type})",
    )
    command.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE",
        help="clauses -> documents: a CSV with 'clause' and 'document' columns, or a Markdown table (an SoA)",
    )
    command.add_argument("--standard", metavar="KEY", help="the standard of the mapping's clauses, e.g. iso27001:2022")
    command.add_argument(
        "-f",
        "--config-file",
        type=Path,
        metavar="MKDOCS_YML",
        help="the project: its catalogues, document types, classifications and the ids already used",
    )
    command.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int | None:
    """Run `imsdocs new` or `imsdocs import` and return its exit code; None for any other command."""
    if getattr(args, "command", None) not in COMMANDS:
        return None
    if args.command == "new":
        return _new(args)
    try:
        return _import(args)
    except _Failure as exc:
        print(f"imsdocs import: {exc}", file=sys.stderr)
        return exc.code


def _new(args: argparse.Namespace) -> int:
    target: Path = args.directory
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        print(f"imsdocs new: {target} is not an empty folder: nothing was written.", file=sys.stderr)
        return 1
    standards = [s.strip() for s in args.standards.split(",") if s.strip()]
    known = shipped_catalogues()
    unknown = [s for s in standards if s not in known]
    if unknown or not standards:
        hint = did_you_mean(unknown[0], known) if unknown else ""
        print(f"imsdocs new: unknown standard {', '.join(unknown) or '(none given)'}. {hint}".rstrip(), file=sys.stderr)
        return 2
    today = build_time(datetime.UTC).date()
    written = scaffold(target, standards, args.name, args.forge, today)
    print(f"Wrote {len(written)} files in {target}: mkdocs.yml, requirements_map/, docs/, and starter drafts.")
    if args.git:
        try:
            start_repository(target)
        except GitError as exc:
            print(f"imsdocs new: git failed: {exc}", file=sys.stderr)
            return 1
        print("Made it a git repository on branch main, with one commit.")
    print(
        "Next: build it (mkdocs build lists what is missing; mkdocs build --strict fails until the drafts are "
        "written and approved), then work through the drafts."
    )
    return 0


def _import(args: argparse.Namespace) -> int:
    defaults = Defaults(
        owner=args.owner.strip(),
        approver=args.approver.strip(),
        status=args.status,
        review_interval=" ".join(args.review_interval.split()),
        classification=args.classification.strip(),
        id_pattern=args.id_pattern,
        type=args.default_type.strip(),
    )
    if (args.mapping is None) != (args.standard is None):
        raise _Failure("--mapping and --standard go together: the mapping's clause ids belong to one standard.", 2)
    schema, catalogues, known_ids = _project(args.config_file)
    problems = check_defaults(defaults, schema)
    if problems:
        raise _Failure(" ".join(problems), 2)
    catalogue = _catalogue(args.standard, catalogues) if args.standard else None

    src: Path = args.src
    if src.is_symlink():
        raise _Failure(f"{src}: a symbolic link; give the folder itself.", 1)
    if not src.is_dir():
        raise _Failure(f"{src}: no such folder.", 1)
    rows: list[Row] | None = None
    unused: list[Unused] = []
    if args.mapping is not None:
        rows, unused = _mapping(args.mapping, src.resolve())

    plan = plan_import(
        collect_sources(src),
        defaults,
        schema,
        folder_name=src.resolve().name,
        catalogue=catalogue,
        rows=rows,
        mapping=str(args.mapping) if args.mapping is not None else None,
        unused=unused,
        known_ids=known_ids,
    )
    failures = _write(src, plan) if args.write else []
    if args.format == "json":
        print(json.dumps(_json(plan, args.write, failures), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(_text(plan, args.write, str(src), failures))
    for failure in failures:
        print(f"imsdocs import: not written: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _project(config: Path | None) -> tuple[Schema, dict[str, Catalogue] | None, set[str]]:
    """The project's document types, classifications, catalogues and ids; the defaults without `-f`."""
    if config is None:
        return Schema(DEFAULT_TYPES, DEFAULT_CLASSIFICATIONS), None, set()
    if not config.is_file():
        raise _Failure(f"{config}: no such file.", 2)
    settings, problems = read_mkdocs_yml(config.resolve())
    if has_errors(problems):
        for problem in problems:
            if problem.severity is Severity.ERROR:
                print(f"ERROR: {problem.render()}", file=sys.stderr)
        raise _Failure(f"{config} has errors (above).", 1)
    project = load_project(replace(settings, history=False))  # only its catalogues and ids are wanted
    ids = {doc.id for doc in project.documents}
    if project.soa_document is not None:
        ids.add(project.soa_document.id)
    return Schema(settings.document_types, settings.classifications), project.catalogues, ids


def _catalogue(key: str, catalogues: dict[str, Catalogue] | None) -> Catalogue:
    """The standard's catalogue: the project's (with -f), else the one that ships with imsdocs."""
    if catalogues is not None:
        if key in catalogues:
            return catalogues[key]
        known = sorted(catalogues)
    else:
        shipped = shipped_catalogues()
        if key in shipped:
            catalogue, problems = load_catalogue(*shipped[key])
            if catalogue is None:
                raise _Failure(f"the catalogue of {key} cannot be read: {problems[0].render()}", 1)
            return catalogue
        known = sorted(shipped)
    hint = did_you_mean(key, known) or f"Known standards: {', '.join(known)}."
    raise _Failure(f"--standard '{key}' is no standard with a catalogue. {hint}", 2)


def _mapping(file: Path, src: Path) -> tuple[list[Row], list[Unused]]:
    display = str(file)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".md", ".markdown"):
        raise _Failure(f"{display}: a mapping is a .csv file or a Markdown (.md) file with a table.", 1)
    if not file.is_file():
        raise _Failure(f"{display}: no such file.", 1)
    text, problems = read_text(file, display, "the mapping")
    if text is None:
        raise _Failure(problems[0].render(), 1)
    try:
        return parse_mapping(text, display, markdown=suffix != ".csv", folder=file.resolve().parent, src=src)
    except MappingError as exc:
        raise _Failure(str(exc), 1) from None


# -- writing ------------------------------------------------------------------------------------------------


def _write(src: Path, plan: Plan) -> list[str]:
    """Write each changed file; what could not be written, one line each."""
    root = src.resolve()
    failures = []
    for file in plan.changed:
        try:
            _write_one(root, file)
        except (OSError, _Failure) as exc:
            failures.append(f"{file.path}: {exc}")
    return failures


def _write_one(root: Path, file: FilePlan) -> None:
    # Checked again at the moment of writing: a folder on the way may have become a link since it was read.
    current = root
    for part in PurePosixPath(file.path).parts[:-1]:
        current = current / part
        if current.is_symlink() or not current.is_dir():
            raise _Failure("a folder on its path is no longer a folder (a symbolic link?)", 1)
    target = current / PurePosixPath(file.path).name
    if os.path.commonpath([root, target.resolve()]) != str(root):
        raise _Failure("outside the folder imported", 1)
    flags = getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(target, os.O_RDONLY | flags)
    with os.fdopen(descriptor, "rb") as handle:
        if handle.read() != file.original:
            raise _Failure("changed since it was read; run the import again", 1)
        mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
    temporary = target.with_name(f".{target.name}.imsdocs-import")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | flags, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(file.content)
        os.replace(temporary, target)  # whole or not at all
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# -- the report ---------------------------------------------------------------------------------------------------


def _summary(file: FilePlan) -> str:
    if file.action == "add":
        done = ["front matter added"]
    else:
        done = [f"added {', '.join(file.added)}"] if file.added else []
        if file.moved:
            done.append(f"moved to extra: {', '.join(key for key, _ in file.moved)}")
    if file.clauses:
        done.append(f"{len(file.clauses)} clause(s) added: {', '.join(file.clauses)}")
    return "; ".join(done)


def _label(file: FilePlan) -> str:
    return f"{file.path} ({file.doc_id})" if file.doc_id else file.path


def _text(plan: Plan, written: bool, src: str, failures: list[str]) -> str:
    out: list[str] = []
    changed, kept = plan.changed, plan.kept
    if written:
        out.append(f"imsdocs import: wrote {len(changed) - len(failures)} file(s) in {src}")
    else:
        out.append(f"imsdocs import: dry run, nothing written (add --write to write it) in {src}")
        for file in changed:
            what = "front matter to add" if file.action == "add" else "front matter to change"
            block = file.front_matter.replace("\r\n", "\n").replace("\r", "\n")
            out += ["", f"== {file.path}: {what}", "---", block.rstrip("\n"), "---"]
    out.append("")

    def section(title: str, lines: list[str], why: str = "") -> None:
        out.append(f"{title}: {len(lines)}" + (f" ({why})" if why and lines else ""))
        out.extend(f"  {line}" for line in lines)

    section("Files changed", [f"{_label(f)}: {_summary(f)}" for f in changed])
    section("Files left as they were", [f"{_label(f)}: {f.reason}" for f in kept])
    moved = [f"{f.path}: {key}" + (f" ({hint})" if hint else "") for f in plan.files for key, hint in f.moved]
    section("Keys moved to extra", moved, EXTRA_WHY)
    section("Values the build would refuse", [d.render() for f in plan.files for d in f.refused])
    section(
        "Records needing a record: block",
        [f"{f.path}: add {record_block_hint(f.record_needs)}" for f in plan.files if f.record_needs],
        "the importer cannot know these and writes no placeholder",
    )
    notes = [f"{f.path}: {note}" for f in plan.files for note in f.notes]
    if notes:
        section("Notes", notes)
    if plan.mapping is not None:
        added = sum(len(f.clauses) for f in plan.files)
        documents = sum(bool(f.clauses) for f in plan.files)
        out.append(
            f"Mapping {plan.mapping} ({plan.standard}): {plan.rows} row(s); "
            f"{added} clause(s) added to {documents} document(s)"
        )
        section(
            "Mapping rows not used (or used in part)",
            [f"{plan.mapping}:{u.line}: {u.clause + ': ' if u.clause else ''}{u.reason}" for u in plan.unused],
        )
        section(
            "Documents not mapped",
            [f"{path}: {why}" for path, why in plan.unmapped],
            "could not map: no clause from the mapping",
        )
    if failures:
        section("Not written", failures)
    return "\n".join(out) + "\n"


def _json(plan: Plan, written: bool, failures: list[str]) -> dict[str, object]:
    return {
        "written": written and not failures,
        "changed": [
            {
                "path": f.path,
                "id": f.doc_id,
                "action": "added" if f.action == "add" else "changed",
                "keys_added": f.added,
                "moved_to_extra": [key for key, _ in f.moved],
                "clauses_added": f.clauses,
                "front_matter": f.front_matter.replace("\r\n", "\n"),
            }
            for f in plan.changed
        ],
        "unchanged": [
            {"path": f.path, "id": f.doc_id or None, "reason": f.reason, "left_alone": f.reason != NOTHING_TO_ADD}
            for f in plan.kept
        ],
        "moved_to_extra": [{"path": f.path, "key": key, "hint": hint} for f in plan.files for key, hint in f.moved],
        "refused": [d.to_json() for f in plan.files for d in f.refused],
        "records": [{"path": f.path, "add": list(f.record_needs)} for f in plan.files if f.record_needs],
        "notes": [{"path": f.path, "note": note} for f in plan.files for note in f.notes],
        "mapping": None
        if plan.mapping is None
        else {
            "file": plan.mapping,
            "standard": plan.standard,
            "rows": plan.rows,
            "unused": [{"line": u.line, "clause": u.clause, "reason": u.reason} for u in plan.unused],
            "not_mapped": [{"path": path, "reason": why} for path, why in plan.unmapped],
        },
        "not_written": failures,
    }
