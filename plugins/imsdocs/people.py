"""Who holds which role: lets an `Approved-by: Dana Whitfield <md@...>` trailer satisfy a
document whose `approver` is the role "Managing Director"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import diagnostics as d
from .yamlsource import YamlSyntaxError, parse

EXAMPLE = "people:\n  - {name: Dana Whitfield, email: dana@example.com, roles: [Managing Director]}"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    roles: tuple[str, ...]


def load_people(file: Path, display_path: str) -> tuple[list[Person], list[d.Diagnostic]]:
    """The people file is optional: without it, approvers are matched by the name or role in the trailer."""
    if not file.exists():
        return [], []
    try:
        root = parse(file.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        return [], [d.error("yaml", exc.message, display_path, exc.line, "Fix the YAML syntax.")]
    entries = root.value.get("people") if root is not None and root.is_mapping else None
    if entries is None or not entries.is_sequence:
        line = root.line if root is not None else 1
        return [], [d.error("people-shape", "expected 'people:' with a list of people.", display_path, line, EXAMPLE)]
    people: list[Person] = []
    problems: list[d.Diagnostic] = []
    for entry in entries.value:
        fields = entry.value if entry.is_mapping else {}
        name, email, roles = fields.get("name"), fields.get("email"), fields.get("roles")
        role_values = roles.value if roles is not None and roles.is_sequence else []
        if (
            name is None
            or not name.is_string
            or email is None
            or not email.is_string
            or "@" not in email.value
            or roles is None
            or not all(role.is_string for role in role_values)
        ):
            problems.append(
                d.error(
                    "people-shape",
                    "each person needs 'name', 'email' (an address) and 'roles' (a list of role names).",
                    display_path,
                    entry.line,
                    EXAMPLE,
                )
            )
            continue
        people.append(Person(name.value.strip(), email.value.strip(), tuple(r.value.strip() for r in role_values)))
    return people, problems


def resolve(identity: str, people: Sequence[Person]) -> Person | None:
    """A trailer value ("Name <email>", a name, or an email) to a known person."""
    text = identity.strip()
    email = email_of(text)
    name = text.split("<")[0].strip().lower()
    for person in people:
        if (email and person.email.lower() == email) or person.name.lower() == name:
            return person
    return None


def email_of(identity: str) -> str:
    """The address in "Name <address>", lower-cased, or ""."""
    if "<" in identity and ">" in identity:
        return identity[identity.find("<") + 1 : identity.find(">")].strip().lower()
    return ""
