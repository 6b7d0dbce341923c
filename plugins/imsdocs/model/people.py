"""Who holds which role: lets an `Approved-by: Dana Whitfield <md@...>` trailer satisfy a
document whose `approver` is the role "Managing Director"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic
from .yamlfile import Node, load_yaml_file, unknown_keys

EXAMPLE = "people:\n  - {name: Dana Whitfield, email: dana@example.com, roles: [Managing Director]}"
PERSON_KEYS = ("name", "email", "roles", "handles")
# What each forge accepts as a code owner: a user, or a team (GitHub org/team; GitLab group path).
HANDLES = {
    "github": re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)?$"),
    "gitlab": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$"),
}


@dataclass(frozen=True)
class Person:
    """One person: name, email address, the IMS roles they hold, and their handles on the forges."""

    name: str
    email: str
    roles: tuple[str, ...]
    handles: Mapping[str, str] = field(default_factory=dict)  # forge -> handle, without '@'


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
        handles = _handles(fields.get("handles"), display_path, problems)
        person = Person(name.text(), email.text(), tuple(r.text() for r in role_values), handles)
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


def _handles(node: Node | None, display_path: str, problems: list[Diagnostic]) -> dict[str, str]:
    """`handles: {github: dana-w, gitlab: dana.whitfield}`: each checked against its forge's rules."""
    if node is None:
        return {}
    if not node.is_mapping:
        problems.append(
            codes.PEOPLE_HANDLE(
                "'handles' must map a forge to a handle.", display_path, node.line, "handles: {github: dana-w}"
            )
        )
        return {}
    found = {}
    for forge, value in node.value.items():
        handle = value.text().removeprefix("@")
        if forge not in HANDLES:
            problems.append(
                codes.PEOPLE_HANDLE(
                    f"unknown forge '{forge}' in 'handles'.",
                    display_path,
                    node.key_lines[forge],
                    "Use github or gitlab.",
                )
            )
        elif not HANDLES[forge].match(handle):
            problems.append(
                codes.PEOPLE_HANDLE(
                    f"{value.raw!r} is not a valid {forge} handle.",
                    display_path,
                    value.line,
                    "Give the user name (or org/team), without spaces.",
                )
            )
        else:
            found[forge] = handle
    return found


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
