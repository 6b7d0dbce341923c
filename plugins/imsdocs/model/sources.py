"""Which files are documents: the one rule the site build and `imsdocs check` share.

A document is a `.md` file under one of the source folders. Hidden files and folders (a name
starting with '.') are ignored everywhere, so what `imsdocs check` counts is what the site shows.
Other files in the folders are published beside the documents.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic


@dataclass(frozen=True)
class SourceFile:
    """A file of the document folders: where it is on disk and where it goes in the site."""

    file: Path
    uri: str  # relative to the project root, with '/': "policies/access-control.md"
    is_document: bool


def scan_sources(root: Path, sources: Sequence[str]) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every file of the source folders, documents marked, in a stable order."""
    found: list[SourceFile] = []
    problems: list[Diagnostic] = []
    for source in sources:
        folder = root / source
        if not folder.is_dir():
            problems.append(
                codes.SOURCE_MISSING(
                    f"the document folder '{source}' does not exist.", hint="Create it or remove it from 'sources'."
                )
            )
            continue
        in_folder: list[SourceFile] = []
        for directory, subfolders, files in os.walk(folder):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                file = Path(directory) / name
                in_folder.append(SourceFile(file, file.relative_to(root).as_posix(), name.endswith(".md")))
        found.extend(sorted(in_folder, key=lambda source: source.file.parts))
    return found, problems
