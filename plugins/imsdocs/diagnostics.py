"""Problems found in the IMS sources, as data.

The same problem must read the same in `mkdocs build`, in `imsdocs check --format json` and in a
test's assertion, so every step of the pipeline returns `Diagnostic` values instead of logging.
Every problem has a `Code`, declared once in `imsdocs.codes` with its severity and description.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace


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
    cause: str | None = field(default=None, compare=False)  # one cause behind many findings: "drafts", "commit:<sha>"

    def location(self) -> str:
        """`path:line`, `path`, or "" when the problem belongs to no file."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def render(self) -> str:
        """One line for a human: `path:line: message hint [code]`; the code is the key `checks:` takes."""
        text = self.message
        if self.location():
            text = f"{self.location()}: {text}"
        if self.hint:
            text = f"{text} {self.hint}"
        return f"{text} [{self.code}]"

    def to_json(self) -> dict[str, object]:
        """The diagnostic as JSON-ready data (`imsdocs check --format json`)."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Code:
    """A kind of problem: declared once (in `imsdocs.codes`), used wherever the problem is found."""

    name: str
    severity: Severity
    description: str
    adjustable: bool = False  # whether the `checks:` option may lower it (warnings only)

    def __call__(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        *,
        cause: str | None = None,
    ) -> Diagnostic:
        return Diagnostic(self.severity, self.name, message, path, line, hint or None, cause)

    def with_severity(self, severity: Severity, *args: str | int | None) -> Diagnostic:
        """The problem at a severity other than its declared one (a draft seen in `mkdocs serve`)."""
        return replace(self(*args), severity=severity)  # type: ignore[arg-type]


REGISTRY: dict[str, Code] = {}


def declare(name: str, severity: Severity, description: str, *, adjustable: bool = False) -> Code:
    """Register a code; a name declared twice is a programming error."""
    if name in REGISTRY:
        raise ValueError(f"diagnostic code {name!r} is declared twice")
    if adjustable and severity is Severity.ERROR:
        raise ValueError(f"{name!r}: errors cannot be lowered by 'checks'")
    code = Code(name, severity, description, adjustable)
    REGISTRY[name] = code
    return code


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


CHECK_LEVELS: Mapping[str, Severity | None] = {"warning": Severity.WARNING, "info": Severity.INFO, "off": None}


def apply_checks(problems: Iterable[Diagnostic], checks: Mapping[str, str]) -> list[Diagnostic]:
    """The organisation's `checks` levels applied to adjustable warnings (errors never change)."""
    result = []
    for problem in problems:
        code = REGISTRY.get(problem.code)
        wanted = checks.get(problem.code) if code is not None and code.adjustable else None
        if wanted is None or problem.severity is Severity.ERROR:
            result.append(problem)
        elif (level := CHECK_LEVELS.get(wanted, Severity.WARNING)) is not None:
            result.append(replace(problem, severity=level) if problem.severity is Severity.WARNING else problem)
    return result
