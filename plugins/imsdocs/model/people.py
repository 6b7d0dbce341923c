"""Who holds which role: lets an `Approved-by: Dana Whitfield <md@...>` trailer satisfy a
document whose `approver` is the role "Managing Director"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic
from .yamlfile import load_yaml_file, unknown_keys

EXAMPLE = "people:\n  - {name: Dana Whitfield, email: dana@example.com, roles: [Managing Director]}"
PERSON_KEYS = ("name", "email", "roles")


@dataclass(frozen=True)
class Person:
    """One person: name, email address and the IMS roles they hold."""

    name: str
    email: str
    roles: tuple[str, ...]


def load_people(file: Path, display_path: str) -> tuple[list[Person], list[Diagnostic]]:
    """The people file is optional: without it, approvers are matched by the name or role in the trailer."""
    if not file.exists():
        return [], []
    root, problems = load_yaml_file(file, display_path, "the people file", mapping_of="'people'", example=EXAMPLE)
    if root is None:
        return [], problems
    entries = root.value.get("people")
    if entries is None or not entries.is_sequence:
        return [], [codes.YAML_SHAPE("expected 'people:' with a list of people.", display_path, root.line, EXAMPLE)]
    problems.extend(unknown_keys(root, ("people",), display_path))
    people: list[Person] = []
    lines: dict[str, int] = {}  # lower-cased name or email -> line of its first person
    for entry in entries.value:
        fields = entry.value if entry.is_mapping else {}
        if entry.is_mapping:
            problems.extend(unknown_keys(entry, PERSON_KEYS, display_path, " of a person"))
        name, email, roles = fields.get("name"), fields.get("email"), fields.get("roles")
        role_values = roles.value if roles is not None and roles.is_sequence else []
        if (
            name is None
            or not name.text()
            or email is None
            or "@" not in email.text()
            or roles is None
            or not roles.is_sequence
            or not all(role.text() for role in role_values)
        ):
            problems.append(
                codes.PEOPLE_SHAPE(
                    "each person needs 'name', 'email' (an address) and 'roles' (a list of role names).",
                    display_path,
                    entry.line,
                    EXAMPLE,
                )
            )
            continue
        person = Person(name.text(), email.text(), tuple(r.text() for r in role_values))
        for key in (person.name.lower(), person.email.lower()):
            if key in lines:
                problems.append(
                    codes.PEOPLE_DUPLICATE(
                        f"'{key}' is given to two people (first on line {lines[key]}).",
                        display_path,
                        entry.line,
                        "Names and email addresses identify approvers: each must be unique.",
                    )
                )
            lines.setdefault(key, entry.line)
        people.append(person)
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
