"""The history's share of a build, done in a second process while MkDocs converts the pages.

Reading git, computing the document controls and rendering the parts that show them (control
blocks, revision histories, generated tables) is Python work: in a thread it would take turns
with MkDocs' own under Python's one lock, so on a machine with two cores a forked process does it
beside MkDocs and hands back finished HTML. Forked after the sources are loaded, the process works
on the very project the build loaded. Where fork is missing or unsafe (other threads running,
`mkdocs serve`), or `IMSDOCS_ONE_PROCESS=1` is set, the plugin does the same work in its own process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from ..diagnostics import Diagnostic
from ..history.reader import HistoryReader
from ..pipeline import BuildStamp, add_history, read_project_history
from .rendering import Renderer


@dataclass(frozen=True)
class HistoryParts:
    """What the second process hands back: its findings, the build stamp, and each page's parts."""

    found: list[Diagnostic]
    stamp: BuildStamp | None
    parts: dict[str, dict[str, str]]  # page URI -> marker -> HTML


class BackgroundError(Exception):
    """The second process failed: its traceback, or why it stopped."""


def fork_allowed() -> bool:
    """Fork copies only the calling thread: with others running (a server, a test's), it is unsafe."""
    return hasattr(os, "fork") and threading.active_count() == 1 and os.environ.get("IMSDOCS_ONE_PROCESS") != "1"


class BackgroundHistory:
    """A forked process that reads the history of the renderer's project and renders the parts that show it."""

    def __init__(self, renderer: Renderer, reader: HistoryReader) -> None:
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            for end in (requests_read, requests_write, replies_read, replies_write):
                os.close(end)
            raise
        if self.pid == 0:  # the second process: never returns into the caller's code
            status = 0
            try:
                os.close(requests_write)
                os.close(replies_read)
                with os.fdopen(requests_read, "rb") as requests, os.fdopen(replies_write, "wb") as replies:
                    _serve(renderer, reader, requests, replies)
            except BaseException:  # noqa: BLE001  # any failure is reported by the other end's EOF
                status = 1
            finally:
                os._exit(status)
        os.close(requests_read)
        os.close(replies_write)
        self._requests: IO[bytes] | None = os.fdopen(requests_write, "wb")
        self._replies: IO[bytes] = os.fdopen(replies_read, "rb")
        self._result: HistoryParts | None = None

    def result(self) -> HistoryParts:
        """The findings, stamp and parts (waits for the second process to finish them)."""
        if self._result is None:
            self._result = self._receive()
        return self._result

    def parts(self, uri: str, markers: Sequence[str]) -> Mapping[str, str]:
        """The parts of the page at `uri`: rendered ahead, or asked for (a summary on a page of one's own)."""
        known = self.result().parts.get(uri, {})
        missing = [marker for marker in markers if marker not in known]
        if not missing:
            return known
        if self._requests is None:
            raise BackgroundError("the second process was closed")
        try:
            pickle.dump((uri, missing), self._requests)
            self._requests.flush()
        except OSError:  # it is gone: the pipe is broken
            raise BackgroundError("the second process stopped without an answer") from None
        return {**known, **self._receive()}

    def close(self) -> None:
        """Ends the second process and waits for it: after its answer it ends on EOF, before it is stopped."""
        if self._requests is None:
            return
        if self._result is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self._requests.close()
        self._requests = None
        self._replies.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _receive(self) -> Any:
        try:
            kind, value = pickle.load(self._replies)
        except (EOFError, pickle.UnpicklingError, OSError):  # gone, perhaps in the middle of an answer
            raise BackgroundError("the second process stopped without an answer") from None
        if kind == "error":
            raise BackgroundError(value)
        return value


def _serve(renderer: Renderer, reader: HistoryReader, requests: IO[bytes], replies: IO[bytes]) -> None:
    """In the second process: read the history, render every page's parts, then answer requests until EOF.

    The renderer is the build's (made before the history, which it reads through its project)."""
    project = renderer.project

    def reply(kind: str, value: object) -> None:
        pickle.dump((kind, value), replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()

    try:
        found = add_history(project, read_project_history(project.settings, reader))
        reply("ok", HistoryParts(found, project.stamp, renderer.page_parts()))
    except Exception:  # noqa: BLE001  # the build reports it, with the traceback from here
        reply("error", traceback.format_exc())
        return
    while True:
        try:
            uri, markers = pickle.load(requests)
        except EOFError:
            return
        try:
            reply("ok", renderer.parts(uri, markers))
        except Exception:  # noqa: BLE001
            reply("error", traceback.format_exc())
