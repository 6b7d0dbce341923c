"""The allowed signers: whose signature proves an accepted change (git's SSH allowed-signers format).

Each line names principals (usually an email address), optional options, and a public key:
`dana@kestrel.example namespaces="git" ssh-ed25519 AAAAC3...`. git checks signatures against the
file (`gpg.ssh.allowedSignersFile`, passed per command); this module makes sure the file is one
git can use, so that a typo is an error on its line rather than every commit reading "unsigned".
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostic
from ..model.yamlfile import read_text

KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_OPTION = re.compile(r'^(cert-authority|(namespaces|valid-after|valid-before)="[^"]*")$')
EXAMPLE = 'dana@kestrel.example namespaces="git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...'


@dataclass(frozen=True)
class AllowedSigners:
    """A checked allowed-signers file: where it is and the principals it names."""

    file: Path
    principals: tuple[str, ...]


def load_allowed_signers(file: Path, display: str) -> tuple[AllowedSigners | None, list[Diagnostic]]:
    """The allowed signers, or None with an error per line git could not use."""
    if not file.is_file():
        return None, [codes.SIGNERS_FILE("the allowed signers file does not exist.", display, hint=EXAMPLE)]
    content, problems = read_text(file, display, "the allowed signers file")
    if content is None:
        return None, problems
    principals: list[str] = []
    for number, line in enumerate(content.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        problem = _check_line(stripped)
        if problem:
            problems.append(codes.SIGNERS_FILE(problem, display, number, f"Each line reads: {EXAMPLE}"))
        else:
            principals.extend(p for p in stripped.split()[0].split(",") if p)
    if problems:
        return None, problems
    return AllowedSigners(file, tuple(principals)), []


def _check_line(line: str) -> str:
    """What is wrong with one line, or ""."""
    tokens = re.findall(r'(?:[^\s"]+|"[^"]*")+', line)
    if len(tokens) < 3:
        return "a line needs principals, a key type and a key."
    index = 1
    while index < len(tokens) and tokens[index] not in KEY_TYPES:
        if not all(_OPTION.match(option) for option in tokens[index].split(",")):
            return f"'{tokens[index][:40]}' is neither a key type nor an option (cert-authority, namespaces, valid-after, valid-before)."
        index += 1
    if index + 1 >= len(tokens):
        return f"no key: expected one of {', '.join(KEY_TYPES[:3])} ... followed by the base64 key."
    key_type, blob = tokens[index], tokens[index + 1]
    try:
        data = base64.b64decode(blob, validate=True)
        (length,) = struct.unpack(">I", data[:4])
        embedded = data[4 : 4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        return "the key is not valid base64 key data."
    if embedded != key_type:
        return f"the key is a {embedded!r} key, but the line says {key_type!r}."
    return ""
