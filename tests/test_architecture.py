"""The domain modules know nothing of MkDocs, so the CLI and other generators can reuse them."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "plugins" / "imsdocs"
ADAPTERS = {"plugin.py", "config.py"}


def imported_modules(file: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_adapters_import_mkdocs() -> None:
    offenders = {
        file.name: sorted(m for m in imported_modules(file) if m.split(".")[0] in ("mkdocs", "properdocs", "material"))
        for file in PACKAGE.glob("*.py")
        if file.name not in ADAPTERS
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}
    assert "mkdocs.plugins" in imported_modules(PACKAGE / "plugin.py")  # the contract checks real imports
