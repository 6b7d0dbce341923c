"""Property-based: whatever text a loader is given, a model or a diagnostic comes out, never an
exception; whatever string a field holds, the rendered page has the same HTML structure and shows
the value as text."""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO_CATALOGUE
from imsdocs import (
    DEFAULT_CLASSIFICATIONS,
    DEFAULT_TYPES,
    Diagnostic,
    Project,
    Renderer,
    Schema,
    Settings,
    load_catalogue,
    load_project,
    read_document,
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# YAML-looking text: keys, lists, quotes, anchors, tags and control characters mixed with anything.
YAMLISH = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "a:",
                " ",
                "- ",
                "\n",
                "  ",
                "[",
                "]",
                "{",
                "}",
                ",",
                ":",
                '"',
                "'",
                "&x ",
                "*x",
                "!!str ",
                "? ",
                "|",
                ">",
                "#",
                "\x1e",
                "\r",
                "\t",
                "\ufeff",
                "standard:",
                "clauses:",
                "title:",
                "id:",
                "parent:",
                "people:",
                "topics:",
                "name:",
                "roles:",
                "5.10",
                "null",
                "true",
                "2026-01-01",
                "é",
            ]
        ),
        max_size=60,
    ).map("".join),
)


def loaded(result: tuple[object, list[Diagnostic]]) -> None:
    model, problems = result
    assert model is not None or problems, "nothing came out: neither a model nor a diagnostic"
    assert all(isinstance(p, Diagnostic) and p.render() for p in problems)


@PROPERTY
@given(text=YAMLISH)
def test_front_matter_of_any_text_gives_a_document_or_a_diagnostic(tmp_path: Path, text: str) -> None:
    file = tmp_path / "doc.md"
    file.write_text(f"---\n{text}\n---\nBody\n", encoding="utf-8", errors="surrogatepass")
    loaded(read_document(file, "policies/doc.md", "policies/doc.md", Schema(DEFAULT_TYPES, DEFAULT_CLASSIFICATIONS)))


@PROPERTY
@given(text=YAMLISH)
def test_a_catalogue_of_any_text_gives_a_catalogue_or_a_diagnostic(tmp_path: Path, text: str) -> None:
    file = tmp_path / "cat.yml"
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    loaded(load_catalogue(file, "requirements_map/cat.yml"))


@PROPERTY
@given(name=st.sampled_from(["applicability.yml", "correspondence.yml", "people.yml"]), text=YAMLISH)
def test_every_other_requirements_file_of_any_text_loads_or_is_diagnosed(tmp_path: Path, name: str, text: str) -> None:
    root = tmp_path / "p"
    (root / "requirements_map").mkdir(parents=True, exist_ok=True)
    (root / "policies").mkdir(exist_ok=True)
    (root / "requirements_map/demo.yml").write_text(DEMO_CATALOGUE, encoding="utf-8")
    (root / "requirements_map" / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    project = load_project(Settings(root=root, standards=("demo:2024",), sources=("policies",), history=False))
    assert isinstance(project, Project)


class Structure(html.parser.HTMLParser):
    """The tags and attribute names of a page, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: list[tuple[str, ...]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.shape.append((tag, *sorted(name for name, _ in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.shape.append(("/" + tag,))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def yaml_quoted(value: str) -> str:
    """`value` as a YAML double-quoted scalar: characters YAML may not hold raw are escaped."""

    def one(char: str) -> str:
        code = ord(char)
        if char in '"\\':
            return "\\" + char
        if (
            code == 0x20
            or 0x21 <= code <= 0x7E
            or 0xA0 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or code >= 0x10000
        ):
            return char
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return '"' + "".join(one(c) for c in value) + '"'


def rendered(tmp_path: Path, value: str) -> dict[str, str]:
    """The generated pages of a small project whose owner, title, justification and note are `value`."""
    root = tmp_path / "p"
    (root / "requirements_map").mkdir(parents=True, exist_ok=True)
    (root / "policies").mkdir(exist_ok=True)
    quoted = yaml_quoted(value)
    (root / "requirements_map/demo.yml").write_text(
        DEMO_CATALOGUE.replace('"Demo Standard 2024"', quoted), encoding="utf-8"
    )
    (root / "requirements_map/applicability.yml").write_text(
        f'demo:2024:\n  excluded:\n    "A.1.2": {{justification: {quoted}}}\n', encoding="utf-8"
    )
    (root / "requirements_map/correspondence.yml").write_text(
        f'topics:\n  - {{topic: {quoted}, "demo:2024": ["4.1"], note: {quoted}}}\n', encoding="utf-8"
    )
    (root / "policies/p.md").write_text(
        f"---\nid: POL-001\ntitle: {quoted}\ntype: policy\nowner: {quoted}\napprover: {quoted}\nstatus: approved\n"
        'review_interval: 12 months\nclassification: internal\nsatisfies: {"demo:2024": ["4.1", "4.2", "A.1.1"]}\n---\n',
        encoding="utf-8",
    )
    project = load_project(Settings(root=root, standards=("demo:2024",), sources=("policies",), history=False))
    assert project.ok, [d.render() for d in project.diagnostics]
    renderer = Renderer(project)
    return {uri: renderer.finish(text, uri).html for uri, text in renderer.generated_pages().items()}


def structure(page: str) -> Structure:
    parsed = Structure()
    parsed.feed(page.split("\n---\n", 1)[1])  # the HTML after the title's front matter
    return parsed


# Text that is a valid single-line YAML string once JSON-quoted, and not only blanks.
VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(
    lambda v: v.strip() and "\n" not in v and v.strip() == v
)


@PROPERTY
@given(value=VALUES)
def test_any_value_renders_as_text_in_an_unchanged_page_structure(tmp_path: Path, value: str) -> None:
    baseline = {uri: structure(page).shape for uri, page in rendered(tmp_path / "a", "plain words").items()}
    pages = rendered(tmp_path / "b", value)
    assert sorted(pages) == sorted(baseline)
    for uri, page in pages.items():
        parsed = structure(page)
        assert parsed.shape == baseline[uri], uri
    shown = " ".join(structure(pages["compliance/register.md"]).text)
    # Control characters (a carriage return, separators) read as spaces; everything else as written.
    assert re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", " ", value) in shown
