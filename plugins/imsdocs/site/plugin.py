"""The MkDocs adapter: read the options, run the pipeline, add pages, log diagnostics."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path
from typing import Any

from mkdocs.config.base import ConfigErrors, ConfigWarnings
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from ..diagnostics import Diagnostic, Severity
from ..history.reader import HistoryReader
from ..model.documents import Document
from ..options import Settings, parse_options
from ..pipeline import Project, load_project
from .rendering import Renderer

log = get_plugin_logger(__name__)


class ImsDocsPlugin(BasePlugin):  # type: ignore[type-arg]  # options come from imsdocs.options, not a mkdocs Config
    options: Settings
    option_problems: list[Diagnostic]
    project: Project
    renderer: Renderer
    by_uri: dict[str, Document]
    reader: HistoryReader | None = None
    serving = False

    # The options are parsed by the same schema as the CLI's, so that a typo reads the same in both;
    # their errors are logged with the other diagnostics in on_config.
    def load_config(self, options: dict[str, Any], config_file_path: str | None = None) -> tuple[ConfigErrors, ConfigWarnings]:
        errors, warnings = super().load_config({}, config_file_path)
        root = Path(config_file_path).parent if config_file_path else Path.cwd()
        self.options, self.option_problems = parse_options(options, root, config_file=Path(config_file_path or "mkdocs.yml").name)
        return errors, warnings

    # Defined so that MkDocs keeps one instance across `mkdocs serve` rebuilds, and with it the
    # git history, which is read again only when HEAD moves.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.reader = HistoryReader()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        _log(self.option_problems)
        return config

    # Load everything before any page exists: errors must stop the build before MkDocs reads pages.
    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        settings = replace(self.options, repo_url=config.repo_url)
        passes = self.reader.passes if self.reader else 0
        self.project = load_project(settings, reader=self.reader, serving=self.serving)
        if self.reader is not None and self.project.history is not None:
            reused = self.reader.passes == passes
            log.debug("git history %s (%s)", "reused" if reused else "read", self.project.history.branch)
        self.renderer = Renderer(self.project)
        self.by_uri = {doc.src_uri: doc for doc in self.project.documents}
        _log(self.project.diagnostics)

    # MkDocs refuses the project root as docs_dir, so the document folders are added from outside it.
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        root = str(self.project.settings.root)
        for source in self.project.sources:
            if files.get_file_from_path(source.uri) is None:
                files.append(File(source.uri, root, config.site_dir, config.use_directory_urls))
        for uri, content in self.renderer.generated_pages().items():
            if files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, content=content))
        return files

    # Documents get their control block and clause list; titles are escaped before MkDocs
    # puts them raw into the navigation, <title> and the search index.
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if isinstance(page.meta.get("title"), str):
            page.meta["title"] = html.escape(page.meta["title"])
        uri = page.file.src_uri
        document = self.by_uri.get(uri)
        if document is not None:
            # mkdocs-material reads `status` as its own page-status badge; ours means something else.
            page.meta.pop("status", None)
            markdown = (
                self.renderer.document_header(document) + "\n" + markdown + self.renderer.document_footer(document)
            )
        return self.renderer.expand_markers(markdown, uri)

    # The control block and revision history go into the finished page: neither Markdown nor the
    # search index (where every page would match "approved" or "Version") has to parse them.
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        document = self.by_uri.get(page.file.src_uri)
        return output if document is None else self.renderer.document_tables(output, document)

    # Readers expect the documents first and the compliance views last, not MkDocs' alphabetical order.
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        compliance = self.project.settings.compliance_dir.strip("/")
        nav.items.sort(key=lambda item: _section_folder(item) == compliance)
        ids = {doc.src_uri: doc.id for doc in self.project.documents}
        for section in nav.items:
            children = getattr(section, "children", None)
            if children:
                # Documents in the order of their ids (POL-001, POL-002 ...), as a register reads.
                children.sort(key=lambda item: ids.get(getattr(getattr(item, "file", None), "src_uri", ""), "~"))
        return nav

    # Edits to documents or catalogues outside docs_dir must trigger a rebuild too.
    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        settings = self.project.settings
        for folder in (*settings.sources, settings.requirements_dir):
            if (settings.root / folder).is_dir():
                server.watch(str(settings.root / folder))
        return server


def _log(diagnostics: list[Diagnostic]) -> None:
    """Errors and warnings as MkDocs log records (so that --strict counts them); errors abort the build."""
    errors = 0
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.ERROR:
            errors += 1
            log.error(diagnostic.render())
        elif diagnostic.severity is Severity.WARNING:
            log.warning(diagnostic.render())
        else:
            log.info(diagnostic.render())
    if errors:
        raise PluginError(f"imsdocs: {errors} error(s) in the IMS sources (listed above); the site was not built.")


def _section_folder(item: Any) -> str | None:
    """The site folder a top-level nav section holds (its first page's), or None for pages."""
    children = getattr(item, "children", None)
    while children:
        first = children[0]
        if getattr(first, "file", None) is not None:
            return str(first.file.src_uri).split("/")[0]
        children = getattr(first, "children", None)
    return None
