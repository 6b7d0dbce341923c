"""The layout shows the pipeline, and imports flow one way: model -> history -> compliance -> pipeline -> site, cli.

The domain knows nothing of MkDocs, so the CLI and other generators can reuse it; only the
plugin adapts MkDocs events.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import imsdocs

PACKAGE = Path(__file__).resolve().parent.parent / "plugins" / "imsdocs"
FRAMEWORKS = ("mkdocs", "properdocs", "material")
# What each part of the package may import from the others (the shared core: diagnostics, codes, options).
CORE = {"imsdocs", "imsdocs.diagnostics", "imsdocs.codes", "imsdocs.options"}
ALLOWED = {
    "imsdocs.model": CORE | {"imsdocs.model"},
    "imsdocs.history": CORE | {"imsdocs.model", "imsdocs.history"},
    "imsdocs.compliance": CORE | {"imsdocs.model", "imsdocs.history", "imsdocs.compliance"},
    "imsdocs.pipeline": CORE | {"imsdocs.model", "imsdocs.history", "imsdocs.compliance"},
    "imsdocs.review": CORE | {"imsdocs.model", "imsdocs.history", "imsdocs.compliance", "imsdocs.pipeline"},
    "imsdocs.forge": CORE | {"imsdocs.history", "imsdocs.forge"},
    "imsdocs.outputs": CORE
    | {"imsdocs.model", "imsdocs.history", "imsdocs.compliance", "imsdocs.pipeline", "imsdocs.outputs"},
    "imsdocs.adopt": CORE | {"imsdocs.model", "imsdocs.compliance", "imsdocs.pipeline", "imsdocs.adopt"},
}


def module_name(file: Path) -> str:
    parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(file: Path) -> set[str]:
    """Absolute names of the modules `file` imports (relative imports resolved)."""
    package = module_name(file).split(".")
    if file.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            if node.module is None:  # `from . import codes`
                names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def part_of(module: str) -> str:
    """The stage a module belongs to: `imsdocs.model.catalogue` -> `imsdocs.model`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_only_the_plugin_imports_mkdocs() -> None:
    offenders = {
        module_name(file): sorted(m for m in imported_modules(file) if m.split(".")[0] in FRAMEWORKS)
        for file in SOURCES
        if module_name(file) != "imsdocs.site.plugin"
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
    assert "mkdocs.plugins" in imported_modules(PACKAGE / "site" / "plugin.py")  # the contract reads real imports


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_each_stage_imports_only_the_stages_before_it(stage: str) -> None:
    files = [file for file in SOURCES if part_of(module_name(file)) == stage]
    assert files, f"no module in {stage}"
    wrong = {
        module_name(file): sorted(
            m for m in imported_modules(file) if m.startswith("imsdocs") and part_of(m) not in ALLOWED[stage]
        )
        for file in files
    }
    assert {name: mods for name, mods in wrong.items() if mods} == {}


def test_the_public_api_is_exported_once_and_documented() -> None:
    assert len(imsdocs.__all__) == len(set(imsdocs.__all__))
    # A dataclass without a docstring gets its signature as one: that does not count.
    docs = {name: (getattr(imsdocs, name).__doc__ or "").strip() for name in imsdocs.__all__ if name != "CODES"}
    undocumented = [name for name, doc in docs.items() if not doc or doc.startswith(f"{name}(")]
    assert undocumented == []


def test_tests_and_the_benchmark_use_only_the_public_api() -> None:
    root = PACKAGE.parent.parent
    files = sorted((root / "tests").glob("*.py")) + sorted((root / "bench").glob("*.py"))
    internal = {
        file.name: sorted(
            m for m in imported_modules_plain(file) if m.startswith("imsdocs.") and m not in ("imsdocs.cli",)
        )
        for file in files
    }
    assert {name: mods for name, mods in internal.items() if mods} == {}


def imported_modules_plain(file: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names
