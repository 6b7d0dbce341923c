"""A build reads git and renders what shows it in a second process, beside MkDocs: the site is the one
a single process builds, and a second process that dies fails the build with a clear error."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DemoProject, build_env


def _build(root: Path, site: Path, **env: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-v", "-d", str(site)]
    return subprocess.run(args, cwd=root, capture_output=True, text=True, env={**build_env(), **env}, check=False)


def _files(site: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found[path.relative_to(site).as_posix()] = gzip.decompress(data) if path.suffix == ".gz" else data
    return found


def _log_lines(output: str) -> list[str]:
    """imsdocs' findings in the order they were logged (the rest is MkDocs' timing and file lists)."""
    return [line for line in output.splitlines() if "imsdocs:" in line and "DEBUG" not in line]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: the second process exists only where there is fork")
def test_the_site_built_with_a_second_process_is_the_one_a_single_process_builds(
    example_root: Path, tmp_path: Path
) -> None:
    two = _build(example_root, tmp_path / "two")
    one = _build(example_root, tmp_path / "one", IMSDOCS_ONE_PROCESS="1")
    assert two.returncode == 0 and one.returncode == 0, two.stderr[-2000:] + one.stderr[-2000:]
    assert "history read and rendered in a second process" in two.stderr
    assert "history read and rendered in this process" in one.stderr
    built_by_two, built_by_one = _files(tmp_path / "two"), _files(tmp_path / "one")
    assert sorted(built_by_two) == sorted(built_by_one)
    differing = [name for name in built_by_two if built_by_two[name] != built_by_one[name]]
    assert differing == []
    # Every document page carries its control block and revision history, from the second process.
    page = built_by_two["policies/information-security-policy/index.html"].decode()
    assert "data-ims-history" in page and "ims-build-stamp" in page
    assert _log_lines(two.stderr) == _log_lines(one.stderr)


# A user's MkDocs hook that stops every child of the build while the pages convert: the second
# process dies as it would when the system kills it.
KILL_CHILDREN = """\
import os, signal

def on_page_markdown(markdown, **kwargs):
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == os.getpid():
                os.kill(int(entry), signal.SIGKILL)
    return markdown
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the hook finds the second process in /proc")
def test_a_second_process_that_dies_fails_the_build_with_a_clear_error(demo: DemoProject) -> None:
    demo.write("kill_children.py", KILL_CHILDREN)
    config = (demo.root / "mkdocs.yml").read_text()
    demo.write("mkdocs.yml", config + "hooks:\n  - kill_children.py\n")
    built = demo.build()
    assert built.returncode == 1
    assert "the second process stopped without an answer" in built.output
    assert "Traceback" not in built.output
