"""Options of the `imsdocs` MkDocs plugin (each documented, because `mkdocs.yml` is its UI)."""

from __future__ import annotations

import datetime

from mkdocs.config import base
from mkdocs.config import config_options as c

from .settings import DEFAULT_CLASSIFICATIONS, DEFAULT_SOURCES, DEFAULT_TYPES


class ImsConfig(base.Config):
    standards = c.ListOfItems(c.Type(str), default=[])
    """Standard keys in scope (e.g. `iso27001:2022`); every leaf clause of these must be covered or excluded."""

    sources = c.ListOfItems(c.Type(str), default=list(DEFAULT_SOURCES))
    """Folders beside `mkdocs.yml` whose Markdown files are controlled documents."""

    requirements_dir = c.Type(str, default="requirements_map")
    """Folder with one catalogue YAML file per standard edition, the applicability and correspondence files."""

    applicability_file = c.Type(str, default="applicability.yml")
    """File in `requirements_dir` with exclusions and reasons for inclusion."""

    correspondence_file = c.Type(str, default="correspondence.yml")
    """File in `requirements_dir` with the topics the standards share (the integrated view)."""

    document_types = c.ListOfItems(c.Type(str), default=list(DEFAULT_TYPES))
    """Allowed values of a document's `type`."""

    classifications = c.ListOfItems(c.Type(str), default=list(DEFAULT_CLASSIFICATIONS))
    """Allowed values of a document's `classification`."""

    compliance_dir = c.Type(str, default="compliance")
    """Site folder of the generated pages (matrices, integrated view, SoA, register)."""

    history = c.Type(bool, default=True)
    """Derive versions, approvals and review dates from git. Off: pages say "no history"."""

    main_branch = c.Type(str, default="main")
    """The branch whose first-parent commits are the accepted changes (`origin/<name>` is used when only that exists)."""

    approval_baseline = c.Optional(c.Type((str, datetime.date)))
    """A date (`2026-01-31`) or a commit: changes accepted up to it are shown as imported and not checked for approval."""

    timezone = c.Type(str, default="UTC")
    """IANA time zone (`Europe/London`) in which dates are shown and review dates fall due."""

    date_format = c.Type(str, default="%Y-%m-%d")
    """`strftime` format of the dates on the pages."""

    review_due_within_days = c.Type(int, default=30)
    """A review due within this many days is listed as due soon on the home page and the register."""

    people_file = c.Type(str, default="people.yml")
    """File in `requirements_dir` naming people, their email addresses and roles (to match approvers to roles)."""

    checks = c.Type(dict, default={})
    """Severity per warning code, e.g. `{approval-no-pull-request: info}`; values: warning, info or off."""
