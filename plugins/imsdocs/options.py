"""The plugin's options: one schema for `mkdocs build` and every `imsdocs` command.

Each option is a field of `Settings` with its documentation and its parser; the MkDocs adapter
and the CLI both call `parse_options`, so a mistyped option is the same error in both.
"""

from __future__ import annotations

import datetime
import os
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from . import codes
from .diagnostics import CHECK_LEVELS, Diagnostic, did_you_mean

DEFAULT_SOURCES = ("policies", "procedures", "records")
DEFAULT_TYPES = ("policy", "procedure", "plan", "record", "standard", "register", "guideline", "form")
DEFAULT_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")


class OptionError(ValueError):
    """A value an option cannot take; the message says what it takes."""


Parser = Callable[[Any], Any]


def _option(default: Any, doc: str, parse: Parser, *, code: codes.Code = codes.OPTION_VALUE) -> Any:
    metadata = {"doc": doc, "parse": parse, "code": code}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OptionError("must be non-empty text")
    return value.strip()


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise OptionError("must be a list of non-empty texts")
    return tuple(item.strip() for item in value)


def _folder(value: Any) -> str:
    """A path relative to the project that stays inside it (no absolute path, no '..')."""
    text = _text(value).replace("\\", "/")
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts or text.startswith("~"):
        raise OptionError(f"'{text}' must be a path inside the project, relative to mkdocs.yml")
    return path.as_posix()


def _folders(value: Any) -> tuple[str, ...]:
    return tuple(_folder(item) for item in _texts(value))


def _file_name(value: Any) -> str:
    text = _text(value)
    if "/" in text or "\\" in text or text in (".", ".."):
        raise OptionError(f"'{text}' must be a file name in the requirements folder, not a path")
    return text


def _notes_ref(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"refs/notes/[A-Za-z0-9._/-]+", text) or ".." in text:
        raise OptionError(f"'{text}' must be a notes ref such as refs/notes/approvals")
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise OptionError("must be true or false")
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise OptionError("must be a whole number of days from 0 to 3660")
    return value


@dataclass(frozen=True)
class BaselineOption:
    """The `approval_baseline` option: up to which commit (or day) history was imported, and its approval."""

    commit: str | None = None  # a revision; exact (recommended)
    date: str | None = None  # YYYY-MM-DD: changes committed up to the end of that day
    approved_by: str | None = None  # a person of the people file
    approved_on: datetime.date | None = None
    reference: str | None = None  # where the approval is recorded (a minute, a record id)


_BASELINE_KEYS = ("commit", "date", "approved_by", "approved_on", "reference")


def _baseline(value: Any) -> BaselineOption | None:
    if value is None:
        return None
    if isinstance(value, dict):
        unknown = [key for key in value if key not in _BASELINE_KEYS]
        if unknown:
            hint = did_you_mean(str(unknown[0]), _BASELINE_KEYS) or f"Keys: {', '.join(_BASELINE_KEYS)}."
            raise OptionError(f"unknown key '{unknown[0]}'. {hint}")
        if ("commit" in value) == ("date" in value):
            raise OptionError("give either 'commit' or 'date'")
        point = _baseline(value.get("commit", value.get("date")))
        assert point is not None
        approved_on = value.get("approved_on")
        if approved_on is not None and not (
            isinstance(approved_on, datetime.date) and not isinstance(approved_on, datetime.datetime)
        ):
            raise OptionError("'approved_on' must be a date (YYYY-MM-DD)")
        return BaselineOption(
            point.commit,
            point.date,
            _text(value["approved_by"]) if value.get("approved_by") is not None else None,
            approved_on,
            _text(value["reference"]) if value.get("reference") is not None else None,
        )
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return BaselineOption(date=value.isoformat())  # YAML reads 2026-01-31 as a date
    text = _text(value)
    if text.startswith("-"):
        raise OptionError(f"'{text}' must be a date (YYYY-MM-DD) or a commit, not something that starts with '-'")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise OptionError(f"'{text}' is not a valid date") from None
        return BaselineOption(date=text)
    return BaselineOption(commit=text)


def _choice(*allowed: str) -> Parser:
    def parse(value: Any) -> str:
        if value is False and "off" in allowed:  # YAML 1.1 reads a bare `off` as false
            return "off"
        if value not in allowed:
            hint = did_you_mean(str(value), allowed)
            raise OptionError(f"must be one of {', '.join(allowed)}, not {value!r}. {hint}".rstrip())
        return str(value)

    return parse


def _timezone(value: Any) -> str:
    text = _text(value)
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise OptionError(
            f"unknown time zone '{text}'. "
            + (did_you_mean(text, zoneinfo.available_timezones()) or "Use an IANA name such as 'Europe/London'.")
        ) from None
    return text


def _date_format(value: Any) -> str:
    text = _text(value)
    try:
        datetime.date(2026, 1, 31).strftime(text)
    except ValueError as exc:
        raise OptionError(f"'{text}' is not a strftime format: {exc}") from None
    return text


def _checks(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OptionError("must map warning codes to warning, info or off")
    known = codes.adjustable()
    for key, level in value.items():
        if key in codes.REGISTRY and key not in known:
            raise OptionError(f"'{key}' is not a warning that may be lowered: errors and information cannot be changed")
        if key not in known:
            hint = did_you_mean(str(key), known) or f"Known: {', '.join(known)}."
            raise OptionError(f"unknown warning code '{key}'. {hint}")
        if level not in CHECK_LEVELS:
            raise OptionError(f"'{key}' must be warning, info or off, not '{level}'")
    return {str(k): str(v) for k, v in value.items()}


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline needs to know about a project: where it is and its options."""

    root: Path
    standards: tuple[str, ...] = _option(
        (),
        "Standard keys in scope (e.g. `iso27001:2022`); every leaf clause of these must be covered or excluded.",
        _texts,
    )
    sources: tuple[str, ...] = _option(
        DEFAULT_SOURCES,
        "Folders beside `mkdocs.yml` whose Markdown files are controlled documents.",
        _folders,
        code=codes.OPTION_PATH,
    )
    requirements_dir: str = _option(
        "requirements_map",
        "Folder with one catalogue YAML file per standard edition, the applicability and correspondence files.",
        _folder,
        code=codes.OPTION_PATH,
    )
    applicability_file: str = _option(
        "applicability.yml", "File in `requirements_dir` with exclusions and reasons for inclusion.", _file_name
    )
    correspondence_file: str = _option(
        "correspondence.yml",
        "File in `requirements_dir` with the topics the standards share (the integrated view).",
        _file_name,
    )
    mandatory_file: str = _option(
        "mandatory.yml",
        "File in `requirements_dir` with the organisation's own items of mandatory documented information.",
        _file_name,
    )
    document_types: tuple[str, ...] = _option(DEFAULT_TYPES, "Allowed values of a document's `type`.", _texts)
    unclaimed_types: tuple[str, ...] = _option(
        ("form",),
        "Document types that may leave out `satisfies` (templates, forms): they serve no clause.",
        _texts,
    )
    classifications: tuple[str, ...] = _option(
        DEFAULT_CLASSIFICATIONS, "Allowed values of a document's `classification`.", _texts
    )
    compliance_dir: str = _option(
        "compliance",
        "Site folder of the generated pages (matrices, integrated view, SoA, register).",
        _folder,
        code=codes.OPTION_PATH,
    )
    history: bool = _option(
        True, 'Derive versions, approvals and review dates from git. Off: pages say "no history".', _bool
    )
    main_branch: str = _option(
        "main",
        "The branch whose first-parent commits are the accepted changes (`origin/<name>` is used when only that exists).",
        _text,
    )
    approval_baseline: BaselineOption | None = _option(
        None,
        "A commit (exact; recommended) or a date (`2026-01-31`) up to which history was imported and is not checked "
        "for approval; or a mapping `{commit: ..., approved_by: <person>, approved_on: <date>, reference: ...}` "
        "that also records who approved the imported set.",
        _baseline,
        code=codes.OPTION_BASELINE,
    )
    baseline_history: str = _option(
        "collapse",
        "`collapse`: the history before the baseline reads as one baseline version per document; `show`: each "
        "imported commit is listed.",
        _choice("collapse", "show"),
    )
    signatures: str = _option(
        "report",
        "`off`, `report` (pages say who signed each change, or unsigned) or `require` (a change to an approved "
        "document not signed by an allowed signer is a warning).",
        _choice("off", "report", "require"),
    )
    allowed_signers: str | None = _option(
        None,
        "File in `requirements_dir` listing whose signatures count (git's SSH allowed-signers format).",
        _file_name,
    )
    timezone: str = _option(
        "UTC",
        "IANA time zone (`Europe/London`) in which dates are shown and review dates fall due.",
        _timezone,
        code=codes.OPTION_TIMEZONE,
    )
    date_format: str = _option("%Y-%m-%d", "`strftime` format of the dates on the pages.", _date_format)
    review_due_within_days: int = _option(
        30, "A review due within this many days is listed as due soon on the home page and the register.", _days
    )
    people_file: str = _option(
        "people.yml",
        "File in `requirements_dir` naming people, their email addresses and roles (to match approvers to roles).",
        _file_name,
    )
    checks: dict[str, str] = _option(
        {},
        "Level per warning code, e.g. `{approval-no-pull-request: info}`: warning, info or off.",
        _checks,
        code=codes.OPTION_CHECKS,
    )
    approval_notes: str = _option(
        "refs/notes/approvals",
        "The git notes ref where a CI job records the approvals given on the forge (GitHub adds no trailer); "
        '`""` reads none.',
        lambda value: "" if value in ("", None) else _notes_ref(value),
    )
    forge: str = _option(
        "github",
        "Where pull requests are reviewed: `github` or `gitlab` (CODEOWNERS handles and place).",
        _choice("github", "gitlab"),
    )
    codeowners_requirements: tuple[str, ...] = _option(
        (), "Roles (or people) who own `requirements_dir` in the generated CODEOWNERS.", _texts
    )
    codeowners_include_owners: bool = _option(
        False, "In the generated CODEOWNERS, a document's owner is a code owner beside its approver.", _bool
    )
    publish_up_to: str | None = _option(
        None,
        "The highest classification this build publishes (e.g. `internal`): documents above it are left out of "
        "the pages, navigation, search index, sitemap and exports. None: publish everything.",
        _text,
    )
    withheld_ids_up_to: str | None = _option(
        None,
        "Where a withheld document covers a clause, its id is shown up to this classification; above it, only "
        '"a <classification> document". None: never show ids of withheld documents.',
        _text,
    )
    search_exclude_from: str | None = _option(
        None,
        "Published documents at or above this classification are left out of the search index.",
        _text,
    )
    # From MkDocs' own configuration, not plugin options:
    repo_url: str | None = None  # pull requests and commits become links
    docs_dir: str = "docs"  # its files share the site with the documents: a clash is an error
    use_directory_urls: bool = True  # how MkDocs turns a source path into a URL

    def level(self, classification: str) -> int:
        """The rank of a classification in `classifications` (its order is the order of sensitivity)."""
        return (
            self.classifications.index(classification)
            if classification in self.classifications
            else len(self.classifications)
        )

    def search_excluded(self, classification: str) -> bool:
        """Whether a published document of this classification is left out of the search index."""
        return self.search_exclude_from is not None and self.level(classification) >= self.level(
            self.search_exclude_from
        )

    def published(self, classification: str) -> bool:
        """Whether a document of this classification is in this build."""
        return self.publish_up_to is None or self.level(classification) <= self.level(self.publish_up_to)


OPTIONS = {f.name: f for f in fields(Settings) if "doc" in f.metadata}


def option_docs() -> dict[str, str]:
    """Each option's one-line documentation, in declaration order."""
    return {name: f.metadata["doc"] for name, f in OPTIONS.items()}


def parse_options(
    options: Any,
    root: Path,
    *,
    repo_url: str | None = None,
    config_file: str = "mkdocs.yml",
    mkdocs: dict[str, Any] | None = None,
) -> tuple[Settings, list[Diagnostic]]:
    """Settings from the plugin's options as written in mkdocs.yml, and an error per bad option."""
    problems: list[Diagnostic] = []
    values: dict[str, Any] = {}
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        problems.append(codes.OPTION_VALUE("the imsdocs plugin's options must be a mapping.", config_file))
        options = {}
    for key, value in options.items():
        spec = OPTIONS.get(key)
        if spec is None:
            problems.append(
                codes.OPTION_UNKNOWN(
                    f"unknown option '{key}' of the imsdocs plugin.",
                    config_file,
                    hint=did_you_mean(str(key), OPTIONS) or f"Options: {', '.join(OPTIONS)}.",
                )
            )
            continue
        try:
            values[key] = spec.metadata["parse"](value)
        except OptionError as exc:
            message = f"option '{key}': {exc}"
            problems.append(spec.metadata["code"](message + ("" if message.endswith((".", "?")) else "."), config_file))
    for key in ("publish_up_to", "withheld_ids_up_to", "search_exclude_from"):
        level = values.get(key)
        allowed = values.get("classifications", DEFAULT_CLASSIFICATIONS)
        if level is not None and level not in allowed:
            problems.append(
                codes.OPTION_VALUE(
                    f"option '{key}': '{level}' is not one of the classifications ({', '.join(allowed)}).",
                    config_file,
                    hint=did_you_mean(level, allowed),
                )
            )
            values[key] = None
    return Settings(root=root, repo_url=repo_url, **values, **(mkdocs or {})), problems


class _MkDocsYamlLoader(yaml.SafeLoader):
    """mkdocs.yml may carry `!!python/name:` tags, which only MkDocs resolves, and `!ENV`."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """`!ENV NAME` or `!ENV [NAME, OTHER, default]`, as MkDocs reads them."""
    if isinstance(node, yaml.ScalarNode):
        return os.environ.get(loader.construct_scalar(node))
    names = loader.construct_sequence(node)  # type: ignore[arg-type]
    for name in names[:-1] if len(names) > 1 else names:
        if isinstance(name, str) and name in os.environ:
            return os.environ[name]
    return names[-1] if len(names) > 1 else None


def _other_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_MkDocsYamlLoader.add_constructor("!ENV", _env_tag)
_MkDocsYamlLoader.add_multi_constructor("", _other_tag)


def read_mkdocs_yml(config_file: Path, overrides: dict[str, Any] | None = None) -> tuple[Settings, list[Diagnostic]]:
    """The imsdocs plugin's settings from mkdocs.yml, read without MkDocs (for the CLI).

    `overrides`: options given on the command line, checked by the same schema.
    """
    display = config_file.name
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8-sig"), Loader=_MkDocsYamlLoader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return Settings(root=config_file.parent), [codes.CONFIG_UNREADABLE(f"cannot read it: {exc}", display)]
    if not isinstance(data, dict):
        return Settings(root=config_file.parent), [codes.CONFIG_UNREADABLE("it is not a mapping.", display)]
    plugins = data.get("plugins") or []
    options: Any = {}
    if isinstance(plugins, dict):
        options = plugins.get("imsdocs") or {}
    else:
        for entry in plugins:
            if isinstance(entry, dict) and "imsdocs" in entry:
                options = entry["imsdocs"] or {}
    if overrides:
        options = {**(options if isinstance(options, dict) else {}), **overrides}
    repo_url = data.get("repo_url") if isinstance(data.get("repo_url"), str) else None
    mkdocs = {
        "docs_dir": str(data.get("docs_dir") or "docs"),
        "use_directory_urls": data.get("use_directory_urls", True) is not False,
    }
    return parse_options(options, config_file.parent, repo_url=repo_url, config_file=display, mkdocs=mkdocs)
