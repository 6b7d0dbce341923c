"""The example site in a real headless Chromium, served on localhost: what readers actually see.

Skipped, with the reason printed, where Chromium is not installed; `.ci/run` installs Debian's
`chromium` first so CI always runs these.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import REPO, Built

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not found: install Debian's 'chromium' package to run the browser tests"
)
SCREENSHOTS = REPO / "test-output" / "screenshots"
# Without the background-networking flags Chromium keeps calling outside hosts on a closed network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(example_site: Built) -> Iterator[str]:
    assert example_site.returncode == 0, example_site.output
    handler = functools.partial(QuietHandler, directory=str(example_site.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requests.append(request.url))  # type: ignore[attr-defined]
    yield tab
    context.close()


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
    return path


def test_home_page_shows_coverage_per_standard(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url)
    table = page.locator("article table").first
    rows = {
        row.locator("td").first.inner_text(): row.locator("td").last.inner_text()
        for row in table.locator("tbody tr").all()
    }
    assert rows["ISO/IEC 27001:2022"] == "100%"
    assert rows["ISO/IEC 20000-1:2018"] == "100%"
    assert "ISO 9001:2015 (not in scope)" in rows
    assert screenshot(page, "home").stat().st_size > 10_000


def test_policy_page_shows_control_block_and_clause_links_lead_to_the_matrix_row(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "policies/access-control-policy/")
    control = page.locator("article table").first
    assert "POL-021" in control.inner_text() and "Information Security Manager" in control.inner_text()
    assert re.search(r"Version\s+2\.1", control.inner_text()) and "Dana Whitfield, 2026-12-01" in control.inner_text()
    assert control.locator('th[role="columnheader"]').count() == 0  # fields, not a list to sort
    history = page.locator("table", has=page.locator("th", has_text="Approver")).last
    assert history.locator('th[role="columnheader"]').count() == 7
    assert history.is_visible() and history.locator("tbody tr").count() == 3
    screenshot(page, "policy")
    page.locator("article a", has_text=re.compile(r"^A\.5\.15$")).click()
    page.wait_for_url(re.compile(r"compliance/matrix-iso27001-2022/#iso27001-2022-a-5-15$"))
    row = page.locator("tr", has=page.locator("#iso27001-2022-a-5-15"))
    assert "Access control" in row.inner_text() and "POL-021" in row.inner_text()
    assert row.is_visible()


def test_sorting_a_matrix_column_reorders_rows_by_clause_number(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "compliance/matrix-iso27001-2022/")
    first_column = "article table tbody tr td:first-child"
    before = page.locator(first_column).all_inner_texts()
    header = page.locator("article table th", has_text="Clause").first
    header.click()
    once = page.locator(first_column).all_inner_texts()
    header.click()
    twice = page.locator(first_column).all_inner_texts()
    assert once != twice and list(reversed(once)) == twice
    ascending = once if once.index("A.5.9") < once.index("A.5.10") else twice
    assert ascending.index("A.5.9") + 1 == ascending.index("A.5.10")  # numbers, not text: 9 before 10
    assert sorted(before) == sorted(once)
    screenshot(page, "matrix")


def test_filtering_the_register_hides_other_rows(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "compliance/register/")
    page.locator("input.ims-table-filter").fill("Supplier Manager")
    visible = [row for row in page.locator("article table tbody tr").all() if row.is_visible()]
    assert visible and all("Supplier Manager" in row.inner_text() for row in visible)
    assert len(visible) < page.locator("article table tbody tr").count()


def test_search_finds_a_policy_by_a_word_in_its_body(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(base_url)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # The index loads in a web worker; a query typed before it is ready finds nothing.
    expect(page.locator(".md-search-result__meta")).to_have_text("Type to start searching", timeout=60_000)
    page.locator("input.md-search__input").press_sequentially("FIDO2", delay=50)
    expect(page.locator(".md-search-result__item").first).to_be_visible(timeout=30_000)
    assert "Access Control and Identity Policy" in page.locator(".md-search-result").inner_text()


def test_no_request_leaves_localhost(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    for path in (
        "",
        "policies/access-control-policy/",
        "compliance/matrix-iso27001-2022/",
        "compliance/statement-of-applicability/",
    ):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
    outside = [
        url
        for url in page.requests
        if urlparse(url).scheme in ("http", "https") and urlparse(url).hostname != "127.0.0.1"
    ]
    assert page.requests and outside == []


def test_a_printed_document_carries_its_id_and_uncontrolled_when_printed(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "policies/access-control-policy/")
    banner = page.locator(".ims-print-banner")
    assert not banner.is_visible()  # on screen the control block is enough
    page.emulate_media(media="print")
    assert banner.is_visible()
    assert banner.inner_text() == "POL-021 Access Control and Identity Policy, version 2.1: uncontrolled when printed"


@pytest.fixture(scope="module")
def hostile_url(hostile_site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(hostile_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_no_script_runs_from_hostile_values_on_any_page_or_in_search(page, hostile_url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    for path in (
        "",
        "compliance/register/",
        "compliance/matrix-demo-2024/",
        "compliance/statement-of-applicability/",
        "compliance/integrated/",
        "compliance/documents/",
        "policies/security/",
        "policies/scope/",
        "records/log/",
    ):
        page.goto(hostile_url + path)
        page.wait_for_load_state("networkidle")
        page.keyboard.press("Tab")  # focus moves: an injected onfocus would fire
        assert page.evaluate("window.__pwned === undefined"), path
        assert "window.__pwned=1" in page.locator("body").inner_text(), path  # shown, as text
    page.goto(hostile_url)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    expect(page.locator(".md-search-result__meta")).to_have_text("Type to start searching", timeout=60_000)
    page.locator("input.md-search__input").press_sequentially("injected", delay=50)
    expect(page.locator(".md-search-result__item").first).to_be_visible(timeout=30_000)
    assert page.evaluate("window.__pwned === undefined")


@pytest.mark.parametrize(
    "path",
    [
        "compliance/statement-of-applicability/",
        "compliance/matrix-iso27001-2022/",
        "compliance/register/",
        "compliance/documents/",
        "compliance/integrated/",
        "compliance/mandatory/",
        "policies/access-control-policy/",
    ],
)
def test_every_table_fits_a_1280_pixel_window_without_scrolling(page, base_url: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + path)  # the page fixture's viewport is 1280 wide
    page.wait_for_load_state("networkidle")
    widths = page.evaluate(
        """() => Array.from(document.querySelectorAll('article table')).map(t => {
             const box = t.closest('.md-typeset__scrollwrap') || t.parentElement;
             return [box.scrollWidth, box.clientWidth];
           })"""
    )
    assert widths and all(scroll <= client for scroll, client in widths), widths
