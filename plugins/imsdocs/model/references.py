"""Ids cited in documents' text (POL-021, REC-001, R-IS-03) are checked against what exists: the
documents' ids, and the register entries records declare as theirs (`declares:`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import codes
from ..diagnostics import Diagnostic, did_you_mean
from .documents import Document


def prefix(identifier: str) -> str:
    """The letters before the number: POL-021 -> POL, R-IS-03 -> R-IS, NC-2026-011 -> NC."""
    return re.sub(r"(-\d+)+$", "", identifier)


def reference_targets(documents: Sequence[Document]) -> tuple[dict[str, Document], list[Diagnostic]]:
    """Every id a document may cite, with the document that holds it; an error per id declared twice."""
    targets: dict[str, Document] = {doc.id: doc for doc in documents}
    problems: list[Diagnostic] = []
    for doc in documents:
        for identifier in doc.declares:
            holder = targets.get(identifier)
            if holder is not None and holder is not doc:
                problems.append(
                    codes.DECLARED_ID_DUPLICATE(
                        f"'{identifier}' is declared here and is already {'the id of' if holder.id == identifier else 'declared by'} "
                        f"{holder.id} ({holder.path}).",
                        doc.path,
                        doc.lines.get("declares"),
                        "Each register entry has one home: number it anew, or remove one declaration.",
                    )
                )
            else:
                targets[identifier] = doc
    return targets, problems


def unknown_references(documents: Sequence[Document], targets: dict[str, Document]) -> list[Diagnostic]:
    """A warning per cited id whose prefix is known (POL-, R-IS-) but which names nothing that exists."""
    prefixes = {prefix(identifier) for identifier in targets}
    problems = []
    for doc in documents:
        for identifier, line in doc.references:
            if identifier not in targets and prefix(identifier) in prefixes:
                near = did_you_mean(identifier, [t for t in targets if prefix(t) == prefix(identifier)])
                problems.append(
                    codes.REFERENCE_UNKNOWN(
                        f"'{identifier}' is cited here but is no document's id nor a declared register entry.",
                        doc.path,
                        line,
                        near or "Correct the id, or declare it in the record that holds it ('declares:').",
                    )
                )
    return problems
