"""Problems found in the IMS sources, as data.

The same problem must read the same in `mkdocs build`, in `imsdocs check --format json` and in a
test's assertion, so every step of the pipeline returns `Diagnostic` values instead of logging.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass


class Severity(enum.Enum):
    """How a problem affects the build.

    ERROR: the sources cannot be trusted; every build fails (strict or not).
    WARNING: the IMS has a gap or an inconsistency; `--strict` fails, a plain build shows it.
    INFO: worth knowing, never fails a build.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located as precisely as the source allows."""

    severity: Severity
    code: str
    message: str
    path: str | None = None
    line: int | None = None
    hint: str | None = None

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def render(self) -> str:
        """One line for a human: `path:line: message (hint)`."""
        text = self.message
        if self.location():
            text = f"{self.location()}: {text}"
        if self.hint:
            text = f"{text} {self.hint}"
        return text

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def error(
    code: str, message: str, path: str | None = None, line: int | None = None, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, path, line, hint)


def warning(
    code: str, message: str, path: str | None = None, line: int | None = None, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, message, path, line, hint)


def info(
    code: str, message: str, path: str | None = None, line: int | None = None, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(Severity.INFO, code, message, path, line, hint)


def did_you_mean(word: str, candidates: Iterable[str], limit: int = 3) -> str:
    """A "did you mean ...?" sentence with the nearest candidates, or "" when none is near."""
    choices = sorted(set(candidates))
    matches = difflib.get_close_matches(word, choices, n=limit, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in choices}
        matches = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=limit, cutoff=0.6)]
    if not matches:
        return ""
    return "Did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
