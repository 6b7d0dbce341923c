"""`imsdocs diff`: load the main branch's and the pull request's trees and compare them.

Each tree is exported from git into a temporary folder (no checkout), loaded by the same pipeline
as a build, and compared by `compliance.diff`; the main branch's versions come from its history.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zoneinfo
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from . import codes
from .compliance.diff import ChangeFacts, ChangeReport, Side, diff
from .diagnostics import Diagnostic
from .history.document_control import ControlPolicy, DocumentControl, document_controls
from .history.reader import History, HistoryError, HistoryReader
from .history.trees import checked_out, compare, export, is_ancestor, merge_base, read_file, resolve
from .options import Settings, read_mkdocs_yml
from .pipeline import Project, build_time, load_project, resolve_baseline


class ReviewError(Exception):
    """The change cannot be compared (an unknown revision, unrelated histories); the message says why."""


def review_change(
    config_file: Path, base: str, head: str = "HEAD", *, from_merge_base: bool = False
) -> tuple[ChangeReport, list[Diagnostic]]:
    """The compliance diff of `head` against `base` for the project of `config_file`.

    Raises ReviewError for input that names no comparison (an unknown revision, a base that is
    not in the head's history unless `from_merge_base`).
    """
    root = config_file.parent.resolve()
    try:
        base_sha, head_sha = resolve(root, base), resolve(root, head)
        if not is_ancestor(root, base_sha, head_sha):
            if not from_merge_base:
                raise ReviewError(
                    f"'{base}' is not in the history of '{head}': the change would be compared with commits it "
                    "does not contain. Merge or rebase onto it, or pass --merge-base to compare from where they diverged."
                )
            base_sha = merge_base(root, base_sha, head_sha)
    except HistoryError as exc:
        raise ReviewError(str(exc)) from None
    # The main branch's history (for versions) is read beside the export and loading of the two
    # trees: at 2,000 documents each takes about a second, and git's work runs on another core.
    with (
        ThreadPoolExecutor(1, thread_name_prefix="imsdocs-git") as pool,
        tempfile.TemporaryDirectory(prefix="imsdocs-diff-", dir=_scratch()) as temporary,
    ):
        base_folder, head_folder = Path(temporary) / "base", Path(temporary) / "head"
        base_settings, problems = _settings(root, config_file.name, base_sha, base_folder)
        history = pool.submit(_history, root, base_settings.sources, base_sha)
        base_project = _load(root, base_sha, base_folder, base_settings, problems)
        head_settings, head_problems = _settings(root, config_file.name, head_sha, head_folder)
        if checked_out(root, head_sha, [*_tree(head_settings), config_file.name]):
            # A pull request's CI job: the clone is the head, read in place.
            head_settings, head_problems = read_mkdocs_yml(config_file)
            head_project = _without_history(head_settings, head_problems)
        else:
            head_project = _load(root, head_sha, head_folder, head_settings, head_problems)
        problems = [d for d in base_project.diagnostics if d.code.startswith("option-")]
        scope = sorted(set(base_settings.sources) | set(head_settings.sources))
        compared = compare(root, base_sha, head_sha, scope)
        controls, found = _controls(root, base_project, base_settings, history.result(), compared.changed)
        problems.extend(found)
        facts = ChangeFacts(
            compared.renamed,
            [(c.authors, c.editorial, c.paths) for c in compared.commits],
            compared.changed,
            compared.unchanged_renames,
        )
        today = build_time(zoneinfo.ZoneInfo(head_settings.timezone)).date()
        report = diff(
            _side(base_project, controls),
            _side(head_project, {}),
            facts,
            today,
            (base_sha, head_sha),
        )
    return report, problems


def _scratch() -> str | None:
    """Where the two trees are written: a memory file system where the machine has one and TMPDIR
    does not say otherwise (exporting a 2,000-document tree took 0.99 s to a journalled disk and
    0.28 s to tmpfs: creating files is the cost), else the default temporary folder."""
    shm = Path("/dev/shm")
    try:
        usable = "TMPDIR" not in os.environ and shm.is_dir() and os.access(shm, os.W_OK | os.X_OK)
        if usable and shutil.disk_usage(shm).free > 256 * 2**20:
            return str(shm)
    except OSError:
        pass
    return None


def _settings(root: Path, config_name: str, commit: str, folder: Path) -> tuple[Settings, list[Diagnostic]]:
    """The options as `commit` has them, its config written into `folder`."""
    folder.mkdir(parents=True)
    config = read_file(root, commit, config_name)
    if config is None:
        raise ReviewError(f"{commit[:10]} has no {config_name}: it is not a commit of this IMS.")
    (folder / config_name).write_bytes(config)
    return read_mkdocs_yml(folder / config_name)


def _tree(settings: Settings) -> list[str]:
    """The folders of the IMS: what is exported of a commit, and what must be clean to be read in place."""
    return [*settings.sources, settings.requirements_dir, settings.docs_dir]


def _load(root: Path, commit: str, folder: Path, settings: Settings, problems: list[Diagnostic]) -> Project:
    """The project as it is in `commit`, exported into `folder` and loaded without history."""
    export(root, commit, _tree(settings), folder)
    return _without_history(settings, problems)


def _without_history(settings: Settings, problems: list[Diagnostic]) -> Project:
    """The project of `settings` loaded without history, the problems of its options first."""
    project = load_project(replace(settings, history=False))
    project.diagnostics[:0] = problems
    return project


def _history(root: Path, sources: Sequence[str], commit: str) -> History | HistoryError:
    """The history of the documents up to `commit`, or why it cannot be read."""
    try:
        return HistoryReader().read(root, sources, commit)
    except HistoryError as exc:
        return exc


def _controls(
    root: Path, project: Project, settings: Settings, history: History | HistoryError, changed: frozenset[str]
) -> tuple[dict[str, DocumentControl], list[Diagnostic]]:
    """The versions and review dates on the main branch of the documents at the `changed` paths (the
    report shows no other's), as its history has them."""
    problems: list[Diagnostic] = []
    if isinstance(history, HistoryError):
        return {}, [codes.HISTORY_UNAVAILABLE(f"no document history: {history}.")]
    history.proposed, history.uncommitted = {}, {}
    tz = zoneinfo.ZoneInfo(settings.timezone)
    baseline = resolve_baseline(replace(settings, root=root), history, tz, project.people, problems)
    policy = ControlPolicy(tz, build_time(tz).date(), baseline)
    documents = [doc for doc in project.documents if doc.path in changed]
    controls, _ = document_controls(documents, history, project.people, policy)
    return controls, problems


def _side(project: Project, controls: dict[str, DocumentControl]) -> Side:
    return Side(
        documents=project.documents,
        coverage=project.coverage,
        applicability={
            key: (
                {clause: record.justification for clause, record in standard.excluded.items()},
                {clause: f"{', '.join(inc.reasons)}: {inc.justification}" for clause, inc in standard.included.items()},
            )
            for key, standard in project.applicability.standards.items()
        },
        people=project.people,
        diagnostics=project.diagnostics,
        controls=controls,
        in_scope=[k for k in project.settings.standards if k in project.catalogues],
    )
