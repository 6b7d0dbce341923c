"""Project settings, independent of MkDocs: the plugin builds them from its config, the CLI from
the same `mkdocs.yml` read as plain YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SOURCES = ("policies", "procedures", "records")
DEFAULT_TYPES = ("policy", "procedure", "plan", "record", "standard", "register", "guideline", "form")
DEFAULT_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")


@dataclass(frozen=True)
class Settings:
    root: Path
    standards: tuple[str, ...] = ()
    sources: tuple[str, ...] = DEFAULT_SOURCES
    requirements_dir: str = "requirements_map"
    applicability_file: str = "applicability.yml"
    correspondence_file: str = "correspondence.yml"
    document_types: tuple[str, ...] = DEFAULT_TYPES
    classifications: tuple[str, ...] = DEFAULT_CLASSIFICATIONS
    compliance_dir: str = "compliance"
    history: bool = True
    main_branch: str = "main"
    approval_baseline: str | None = None
    timezone: str = "UTC"
    date_format: str = "%Y-%m-%d"
    review_due_within_days: int = 30
    people_file: str = "people.yml"
    checks: dict[str, str] = field(default_factory=dict)
    repo_url: str | None = None


class _IgnoreTagsLoader(yaml.SafeLoader):
    """mkdocs.yml may carry `!!python/name:` and `!ENV` tags that only MkDocs resolves."""


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_IgnoreTagsLoader.add_multi_constructor("", _unknown_tag)


def from_mkdocs_yml(config_file: Path) -> Settings:
    """Read the imsdocs plugin's options from mkdocs.yml without importing MkDocs."""
    data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader) or {}
    options: dict[str, Any] = {}
    for entry in data.get("plugins") or []:
        if isinstance(entry, dict) and "imsdocs" in entry:
            options = entry["imsdocs"] or {}
    if isinstance(data.get("plugins"), dict):
        options = data["plugins"].get("imsdocs") or {}
    return from_options(config_file.parent, {**options, "repo_url": data.get("repo_url")})


def from_options(root: Path, options: dict[str, Any]) -> Settings:
    known = {k: v for k, v in options.items() if k in Settings.__dataclass_fields__ and k != "root"}
    for key in ("standards", "sources", "document_types", "classifications"):
        if key in known:
            known[key] = tuple(known[key])
    if known.get("approval_baseline") is not None:
        known["approval_baseline"] = str(known["approval_baseline"])  # YAML reads 2026-01-01 as a date
    known["checks"] = dict(known.get("checks") or {})
    return Settings(root=root, **known)
