"""The MkDocs adapter: read the options, run the pipeline, add pages, log diagnostics."""

from __future__ import annotations

import copy
import html
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.base import ConfigErrors, ConfigWarnings
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from ..diagnostics import Diagnostic, Severity
from ..history.reader import HistoryReader
from ..options import Settings, parse_options
from ..pipeline import HistoryRead, Project, add_history, load_sources, read_project_history
from .background import BackgroundError, BackgroundHistory, fork_allowed
from .escaping import plain
from .rendering import PartCache, Renderer
from .withheld import unlink_withheld

if TYPE_CHECKING:  # imported by `mkdocs serve` itself; a build need not load the web server
    from mkdocs.livereload import LiveReloadServer

log = get_plugin_logger(__name__)
ASSETS = "assets/imsdocs"
# In this order: clause IDs (5.10, A.5.9) must sort as clauses before the number sort is added.
SCRIPTS = [f"{ASSETS}/tablesort/tablesort.min.js", f"{ASSETS}/tables.js", f"{ASSETS}/tablesort/tablesort.number.min.js"]
ASSET_FILES = [
    "ims.css",
    "tables.js",
    "tablesort/tablesort.min.js",
    "tablesort/tablesort.number.min.js",
    "tablesort/LICENCE",
    "tablesort/README.txt",
]


class ImsDocsPlugin(BasePlugin):  # type: ignore[type-arg]  # options come from imsdocs.options, not a mkdocs Config
    options: Settings
    option_problems: list[Diagnostic]
    project: Project
    renderer: Renderer
    reader: HistoryReader | None = None
    history: Future[HistoryRead] | None = None  # being read while MkDocs converts the pages
    background: BackgroundHistory | None = None  # or read and rendered in a second process
    pool: ThreadPoolExecutor
    passes = 0  # the reader's count of git passes when this build started
    serving = False
    serve_errors: list[Diagnostic]
    warnings: list[Diagnostic]

    # The options are parsed by the same schema as the CLI's, so that a typo reads the same in both;
    # their errors are logged with the other diagnostics in on_config.
    def load_config(
        self, options: dict[str, Any], config_file_path: str | None = None
    ) -> tuple[ConfigErrors, ConfigWarnings]:
        errors, warnings = super().load_config({}, config_file_path)
        root = Path(config_file_path).parent if config_file_path else Path.cwd()
        self.options, self.option_problems = parse_options(
            options, root, config_file=Path(config_file_path or "mkdocs.yml").name
        )
        return errors, warnings

    # Defined so that MkDocs keeps one instance across `mkdocs serve` rebuilds, and with it the
    # git history, which is read again only when HEAD moves.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.reader = HistoryReader()

    def __init__(self) -> None:
        super().__init__()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="imsdocs-git")
        self.part_cache = PartCache()

    # The site's own styles and scripts (print banner, sortable and filterable tables) come with the
    # plugin, so every IMS gets them without copying files; they load from the site, never a CDN.
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        _log(self.option_problems)
        if f"{ASSETS}/ims.css" not in config.extra_css:
            config.extra_css.append(f"{ASSETS}/ims.css")
        present = {str(script) for script in config.extra_javascript}
        for script in SCRIPTS:
            if script not in present:
                config.extra_javascript.append(script)
        return config

    # Load the sources before any page exists: errors must stop the build before MkDocs reads pages.
    # Then a second process reads git and renders what shows it, beside MkDocs (background.py); in
    # `mkdocs serve` a thread reads git instead (until on_env), so that the history is kept across rebuilds.
    # In `mkdocs serve` a bad edit must not stop the server: the last good project stays, and the
    # errors are logged and shown on every page until they are fixed.
    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        settings = replace(
            self.options,
            repo_url=config.repo_url,
            docs_dir=Path(config.docs_dir).relative_to(self.options.root).as_posix()
            if Path(config.docs_dir).is_relative_to(self.options.root)
            else config.docs_dir,
            use_directory_urls=config.use_directory_urls,
        )
        reader = self.reader or HistoryReader()
        self.passes = reader.passes
        self.close_background()
        forking = not self.serving and fork_allowed()
        if not forking:
            self.history = self.pool.submit(read_project_history, settings, reader)
        project = load_sources(settings)
        self.serve_errors = []
        if self.serving and not project.ok and getattr(self, "project", None) is not None:
            self.serve_errors = [d for d in project.diagnostics if d.severity is Severity.ERROR]
            _log(project.diagnostics, abort=False)
            self.history = None  # keep serving the last good project, history and all
            return
        self.project = project
        self.renderer = Renderer(self.project, self.part_cache if self.serving else None)
        self.warnings = [d for d in project.diagnostics if d.severity is Severity.WARNING]
        _log(self.project.diagnostics)
        if forking:
            try:
                self.background = BackgroundHistory(self.renderer, reader)
            except OSError as exc:  # no process to spare: the work is done here, as where fork is missing
                log.debug("no second process (%s)", exc)
                forking = False
                self.history = self.pool.submit(read_project_history, settings, reader)
        log.debug("history read and rendered %s", "in a second process" if forking else "in this process")

    # The pages are converted: the history is needed from here on, for the pages' control blocks and
    # the generated tables, which go into the finished pages.
    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        found: list[Diagnostic] = []
        if self.background is not None:
            try:
                result = self.background.result()
            except BackgroundError as exc:
                raise PluginError(f"imsdocs: reading the history failed: {exc}") from None
            self.project.stamp = result.stamp
            self.project.diagnostics.extend(result.found)
            found = result.found
        if self.history is not None:
            read = self.history.result()
            self.history = None
            if read.history is not None and self.reader is not None:
                reused = self.reader.passes == self.passes
                log.debug("git history %s (%s)", "reused" if reused else "read", read.history.branch)
            found = add_history(self.project, read, self.serving)
        self.warnings += [d for d in found if d.severity is Severity.WARNING]
        _log(found)
        return env

    # MkDocs refuses the project root as docs_dir, so the document folders are added from outside it.
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        root = str(self.project.settings.root)
        for source in self.project.sources:
            # A document above `publish_up_to`, and its attachments, are not in this site at all.
            if source.uri not in self.project.withheld and files.get_file_from_path(source.uri) is None:
                files.append(File(source.uri, root, config.site_dir, config.use_directory_urls))
        for name in ASSET_FILES:
            uri = f"{ASSETS}/{name}"
            if files.get_file_from_path(uri) is None:
                asset = resources.files("imsdocs.site").joinpath("assets", name).read_bytes()
                files.append(File.generated(config, uri, content=asset))
        for uri, page in self.renderer.generated_pages().items():
            if files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, content=page))
        return files

    # A document's front matter is parsed and checked already: MkDocs gets the text after it (the
    # blank first line stops MkDocs reading "key: value" lines as metadata), and the parsed values
    # as the page's meta, first thing in on_page_markdown.
    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        document = self.renderer.document_at(page.file.src_uri)
        if document is None or document is self.project.soa_document:
            return None
        return "\n" + document.body

    # Before every other plugin's on_page_markdown, so that all of them see the page's meta.
    @event_priority(100)
    def _page_meta(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        document = self.renderer.document_at(page.file.src_uri)
        if document is not None and document is not self.project.soa_document:
            page.meta = copy.deepcopy(document.meta)  # a plugin changing it must not change the parsed one
        return markdown

    # Documents get the places of their control block and clause list; titles are escaped before
    # MkDocs puts them raw into the navigation, <title> and the search index.
    # Material renders `subtitle` in the navigation and `description` in <meta> as they are written.
    def _page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        for key in ("title", "subtitle", "description"):
            if isinstance(page.meta.get(key), str):
                page.meta[key] = html.escape(plain(page.meta[key]))
        if isinstance(page.meta.get("tags"), list):
            page.meta["tags"] = [html.escape(plain(str(tag))) for tag in page.meta["tags"]]
        uri = page.file.src_uri
        document = self.renderer.document_at(uri)
        if document is not None and document is not self.project.soa_document:
            # mkdocs-material reads `status` as its own page-status badge; ours means something else.
            page.meta.pop("status", None)
            if self.project.settings.search_excluded(document.classification):
                page.meta["search"] = {"exclude": True}
            markdown = self.renderer.document_markdown(document, markdown)
        markdown = unlink_withheld(markdown, uri, self.project.withheld)
        if self.serve_errors:
            markdown = _error_banner(self.serve_errors, uri) + markdown
        return markdown

    on_page_markdown = CombinedEvent(_page_meta, _page_markdown)

    # A document's footer (clauses, record control) goes in after Markdown, which would only pass its
    # HTML through, and before the search index is built. Ids cited in the text (POL-021, R-IS-03)
    # link to the document that holds them: in the HTML, so only running text is touched, never
    # code, headings or existing links.
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        return self.renderer.document_content(html, page.file.src_uri)

    # The control block, revision history and generated tables go into the finished page: Markdown
    # never parses them and the search index never holds them. Their anchors are registered, so
    # that MkDocs still validates links to a clause's row.
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        parts = self.background.parts if self.background is not None else None
        try:
            finished = self.renderer.finish(output, page.file.src_uri, parts)
        except BackgroundError as exc:
            raise PluginError(f"imsdocs: rendering {page.file.src_uri} failed: {exc}") from None
        if finished.anchors and page.present_anchor_ids is not None:
            page.present_anchor_ids.update(finished.anchors)
        return finished.html

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

    # `--strict` counts only the warnings that the log level lets through (`-q` hides them all), so a
    # strict build whose warnings MkDocs cannot see fails here, on imsdocs' own warnings.
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self.close_background()
        if config.strict and self.warnings and not log.isEnabledFor(logging.WARNING):
            listed = "; ".join(d.render() for d in self.warnings[:5]) + ("; ..." if len(self.warnings) > 5 else "")
            raise PluginError(f"imsdocs: {len(self.warnings)} warning(s) in strict mode: {listed}")

    # A failed build leaves no second process behind.
    def on_build_error(self, *, error: Exception) -> None:
        self.close_background()

    def close_background(self) -> None:
        if self.background is not None:
            self.background.close()
            self.background = None

    # Edits to documents or catalogues outside docs_dir must trigger a rebuild too.
    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        settings = self.project.settings
        for folder in (*settings.sources, settings.requirements_dir):
            if (settings.root / folder).is_dir():
                server.watch(str(settings.root / folder))
        return server


def _error_banner(errors: list[Diagnostic], uri: str) -> str:
    """What `mkdocs serve` shows above a page while the sources have errors (this page's first)."""
    ordered = sorted(errors, key=lambda d: d.path != uri)
    items = "".join(f"<li>{html.escape(plain(d.render()))}</li>" for d in ordered)
    return (
        '<div class="admonition failure"><p class="admonition-title">The IMS sources have errors: this site shows '
        f"the last good build</p><ul>{items}</ul></div>\n\n"
    )


def _log(diagnostics: list[Diagnostic], *, abort: bool = True) -> None:
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
    if errors and abort:
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
