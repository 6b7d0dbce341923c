"""Running git: every value is passed as a value (never as an option), output is read as bytes.

No shell, no GitPython: a revision given by a user follows `--end-of-options`, configuration is
passed per command (`-c`), never written, and a missing git binary is an error, not an import failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


class GitError(Exception):
    """git could not be run or failed; the message is git's own where it said something."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# English messages (tests and users search for them), no pager, no prompt, no user-level surprises.
_ENV = {"LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"}


def git(
    cwd: Path,
    *args: str,
    config: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    ok: Sequence[int] = (0,),
) -> bytes:
    """Run `git <args>` in `cwd` and return its standard output; GitError on any other exit status."""
    settings = [part for key, value in (config or {}).items() for part in ("-c", f"{key}={value}")]
    command = ["git", *settings, *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, check=False, env={**os.environ, **_ENV, **(env or {})}
        )
    except FileNotFoundError:
        raise GitError("the git command is not installed") from None
    except OSError as exc:
        raise GitError(f"git could not be started: {exc.strerror or exc}") from None
    if done.returncode not in ok:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # git prints warnings before the reason it stopped: the reason is what the user needs.
        serious = [line for line in lines if line.startswith(("fatal:", "error:"))]
        message = "\n".join(serious or lines) or f"git {args[0]} failed"
        raise GitError(message, done.returncode)
    return done.stdout


def text(output: bytes) -> str:
    """git's output as text; bytes that are not UTF-8 (an old commit encoding) become U+FFFD."""
    return output.decode("utf-8", "replace")
