"""Controlled documents' front matter: what a valid page gives, and every mistake on its file line."""

from __future__ import annotations

from pathlib import Path

import pytest

from imsdocs import (
    DEFAULT_CLASSIFICATIONS,
    DEFAULT_TYPES,
    Catalogue,
    Claim,
    Diagnostic,
    Document,
    ReviewInterval,
    Schema,
    Settings,
    Severity,
    check_documents,
    load_catalogue,
    load_project,
    read_document,
)

STANDARD = "iso27001:2022"
CATALOGUE = f"""\
standard: "{STANDARD}"
title: "ISO/IEC 27001:2022"
exclusion: never
clauses:
  - {{id: "5", title: "Leadership", parent: null}}
  - {{id: "5.1", title: "Leadership and commitment", parent: "5"}}
  - {{id: "5.2", title: "Policy", parent: "5"}}
  - {{id: "A.5", title: "Organizational controls", parent: null, exclusion: justified}}
  - {{id: "A.5.1", title: "Policies for information security", parent: "A.5"}}
  - {{id: "A.5.10", title: "Acceptable use of information", parent: "A.5"}}
  - {{id: "A.5.11", title: "Return of assets", parent: "A.5"}}
"""

# One valid page's fields, in file order; the opening '---' is line 1, so `id` is on line 2.
FIELDS = {
    "id": "id: POL-001",
    "title": "title: Information Security Policy",
    "type": "type: policy",
    "owner": "owner: Information Security Manager",
    "approver": "approver: Managing Director",
    "status": "status: approved",
    "review_interval": "review_interval: 12 months",
    "classification": "classification: internal",
    "satisfies": f'satisfies:\n  {STANDARD}:\n    - "5.2"\n    - "A.5.1"',
}
LINE = {key: number for number, key in enumerate(FIELDS, start=2)}
FIRST_CLAIM_LINE = LINE["satisfies"] + 2  # the `- "5.2"` item
SECOND_CLAIM_LINE = FIRST_CLAIM_LINE + 1  # the `- "A.5.1"` item
RECORD_LINE = SECOND_CLAIM_LINE + 1  # a field added with `page(record=...)` comes after `satisfies`
PATH = "policies/security.md"
RECORD = "record:\n  produced_by: PRC-001\n  retention: 3 years\n  location: Document store\n  access: IMS team"


def page(close: bool = True, **changes: str | None) -> str:
    """A page with the valid front matter; `changes` replace fields (None drops one) or add them at the end."""
    fields = {**FIELDS, **changes}
    front = "".join(f"{text}\n" for text in fields.values() if text is not None)
    return f"---\n{front}{'---' if close else ''}\n\n# Information Security Policy\n\nBody text.\n"


def write(root: Path, path: str, text: str) -> Path:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def read(tmp_path: Path, text: str, path: str = PATH) -> tuple[Document | None, list[Diagnostic]]:
    schema = Schema(DEFAULT_TYPES, DEFAULT_CLASSIFICATIONS)
    return read_document(write(tmp_path, path, text), path, path, schema)


def read_ok(tmp_path: Path, text: str, path: str = PATH) -> Document:
    document, problems = read(tmp_path, text, path)
    assert [p.render() for p in problems] == []
    assert document is not None
    return document


def assert_error(problems: list[Diagnostic], path: str, line: int, *fragments: str) -> None:
    """`problems` are exactly one error on `path:line`, saying all of `fragments`."""
    assert len(problems) == 1, [p.render() for p in problems]
    problem = problems[0]
    rendered = problem.render()
    assert problem.severity is Severity.ERROR, rendered
    assert (problem.path, problem.line) == (path, line), rendered
    assert rendered.startswith(f"{path}:{line}: ")
    for fragment in fragments:
        assert fragment in rendered


def read_error(tmp_path: Path, text: str, line: int, *fragments: str) -> None:
    """Reading the page fails with one error on `line` of the file, saying all of `fragments`."""
    document, problems = read(tmp_path, text)
    assert document is None
    assert_error(problems, PATH, line, *fragments)


@pytest.fixture
def catalogues(tmp_path: Path) -> dict[str, Catalogue]:
    catalogue, problems = load_catalogue(write(tmp_path, "requirements_map/iso27001.yml", CATALOGUE), "iso27001.yml")
    assert problems == []
    assert catalogue is not None
    return {catalogue.key: catalogue}


def claim_error(tmp_path: Path, catalogues: dict[str, Catalogue], text: str, line: int, *fragments: str) -> None:
    """The page reads, and checking it against the catalogues gives one error on `line`."""
    assert_error(check_documents([read_ok(tmp_path, text)], catalogues), PATH, line, *fragments)


# A valid page


def test_a_valid_page_gives_its_fields_and_each_claim_with_its_line(
    tmp_path: Path, catalogues: dict[str, Catalogue]
) -> None:
    document = read_ok(tmp_path, page())
    assert (document.id, document.title, document.type, document.status) == (
        "POL-001",
        "Information Security Policy",
        "policy",
        "approved",
    )
    assert (document.owner, document.approver, document.classification) == (
        "Information Security Manager",
        "Managing Director",
        "internal",
    )
    assert document.review_interval == ReviewInterval(12, "month")
    assert str(document.review_interval) == "12 months"
    assert document.claims == [
        Claim(STANDARD, "5.2", FIRST_CLAIM_LINE),
        Claim(STANDARD, "A.5.1", SECOND_CLAIM_LINE),
    ]
    assert document.lines["approver"] == LINE["approver"]
    assert (document.path, document.src_uri) == (PATH, PATH)
    assert check_documents([document], catalogues) == []


def test_a_byte_order_mark_does_not_hide_the_front_matter(tmp_path: Path) -> None:
    assert read_ok(tmp_path, "\ufeff" + page()).id == "POL-001"


# The page's own mistakes


def test_a_page_without_front_matter_says_how_to_start_one(tmp_path: Path) -> None:
    read_error(tmp_path, "# Policy\n\nBody text.\n", 1, "has no front matter", "Start the file with a '---' line")


def test_unclosed_front_matter_says_to_close_it(tmp_path: Path) -> None:
    read_error(tmp_path, page(close=False), 1, "front matter is never closed", "End it with a '---' line.")


def test_invalid_yaml_is_reported_on_the_file_line_not_the_front_matter_line(tmp_path: Path) -> None:
    text = page(owner="owner: Information Security Manager: deputy")
    read_error(tmp_path, text, LINE["owner"], "front matter is invalid YAML", "Fix the YAML syntax.")


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    read_error(tmp_path, page(owner=None), LINE["id"], "missing required field 'owner'.")


def test_a_mistyped_field_suggests_the_known_one(tmp_path: Path) -> None:
    document, problems = read(tmp_path, page(approver="aprover: Managing Director"))
    assert document is None
    unknown = [p for p in problems if "aprover" in p.message]
    assert_error(unknown, PATH, LINE["approver"], "unknown field 'aprover'.", "Did you mean 'approver' or")
    assert "missing required field 'approver'." in [p.message for p in problems]


def test_a_field_given_twice_names_the_second_line(tmp_path: Path) -> None:
    text = page(owner="owner: Information Security Manager\nowner: Managing Director")
    read_error(tmp_path, text, LINE["owner"] + 1, "'owner' is given twice (first on line 5); keep one.", "Fix the YAML")


def test_an_unknown_status_suggests_the_nearest(tmp_path: Path) -> None:
    read_error(
        tmp_path,
        page(status="status: aproved"),
        LINE["status"],
        "'status' is 'aproved', which is not one of: draft, approved, retired.",
        "Did you mean 'approved'?",
    )


@pytest.mark.parametrize("value", ["yearly", "0 months", "12", "12 fortnights"])
def test_a_review_interval_that_is_not_a_period_shows_examples(tmp_path: Path, value: str) -> None:
    read_error(
        tmp_path,
        page(review_interval=f"review_interval: {value}"),
        LINE["review_interval"],
        f"review_interval '{value}' is not a period.",
        "e.g. '12 months', '2 years', '90 days'",
    )


def test_a_clause_id_written_as_a_number_says_how_yaml_read_it_and_to_quote_it(tmp_path: Path) -> None:
    read_error(
        tmp_path,
        page(satisfies=f"satisfies:\n  {STANDARD}: [5.10]"),
        LINE["satisfies"] + 1,
        f"clause ID under '{STANDARD}' 5.10 is written as a number; YAML reads it as 5.1.",
        'Quote it: "5.10".',
    )


def test_a_record_without_a_record_block_says_what_to_add(tmp_path: Path) -> None:
    read_error(
        tmp_path,
        page(type="type: record"),
        LINE["id"],
        "a record needs a 'record:' block.",
        "Add record: {produced_by: <procedure id>, retention: ..., location: ..., access: ...}.",
    )


# Checks against the catalogues and the other documents


def test_an_unknown_standard_suggests_the_nearest(tmp_path: Path, catalogues: dict[str, Catalogue]) -> None:
    text = page(satisfies='satisfies:\n  iso27001:2013:\n    - "A.5.1"')
    claim_error(
        tmp_path,
        catalogues,
        text,
        FIRST_CLAIM_LINE,
        "unknown standard 'iso27001:2013'.",
        f"Did you mean '{STANDARD}'?",
    )


@pytest.mark.parametrize(
    ("written", "nearest"),
    [("A.5.111", "'A.5.11'"), ("A5.1", "'A.5.1'"), ("5.10", "'5.1'")],
)
def test_an_unknown_clause_suggests_the_nearest_ids(
    tmp_path: Path, catalogues: dict[str, Catalogue], written: str, nearest: str
) -> None:
    text = page(satisfies=FIELDS["satisfies"].replace('"A.5.1"', f'"{written}"'))
    claim_error(
        tmp_path,
        catalogues,
        text,
        SECOND_CLAIM_LINE,
        f"'{written}' is not a clause of ISO/IEC 27001:2022.",
        "Did you mean ",
        nearest,
    )


def test_claiming_a_parent_clause_lists_its_subclauses(tmp_path: Path, catalogues: dict[str, Catalogue]) -> None:
    text = page(satisfies=FIELDS["satisfies"].replace('"A.5.1"', '"A.5"'))
    claim_error(
        tmp_path,
        catalogues,
        text,
        SECOND_CLAIM_LINE,
        "ISO/IEC 27001:2022 A.5 has subclauses",
        "Claim one or more of: A.5.1, A.5.10, A.5.11.",
    )


def test_a_duplicate_document_id_names_both_files(tmp_path: Path, catalogues: dict[str, Catalogue]) -> None:
    first = read_ok(tmp_path, page(), "policies/security.md")
    second = read_ok(tmp_path, page(title="title: Access Control Policy"), "policies/access.md")
    assert_error(
        check_documents([first, second], catalogues),
        "policies/access.md",
        LINE["id"],
        "document id 'POL-001' is also used by policies/security.md.",
        "Give each document its own id.",
    )


def test_a_record_produced_by_an_unknown_document_suggests_the_nearest_id(
    tmp_path: Path, catalogues: dict[str, Catalogue]
) -> None:
    procedure = read_ok(tmp_path, page(id="id: PRC-010", type="type: procedure"), "procedures/audit.md")
    record = read_ok(tmp_path, page(id="id: AUDIT-LOG", type="type: record", record=RECORD), "records/audit.md")
    assert_error(
        check_documents([procedure, record], catalogues),
        "records/audit.md",
        RECORD_LINE + 1,  # the block's first field, `produced_by`
        "record is produced by 'PRC-001', which is no document's id.",
        "Did you mean 'PRC-010'?",
    )


def test_a_standard_given_twice_in_satisfies_is_an_error_not_a_lost_claim(tmp_path: Path) -> None:
    text = page(satisfies=f'satisfies:\n  {STANDARD}: ["5.2"]\n  {STANDARD}: ["A.5.1"]')
    document, problems = read(tmp_path, text)
    assert document is None
    assert [p.render() for p in problems] == [
        f"policies/security.md:{LINE['satisfies'] + 2}: front matter is invalid YAML: '{STANDARD}' is given twice "
        f"(first on line {LINE['satisfies'] + 1}); keep one. Fix the YAML syntax. [yaml-syntax]"
    ]


# Through the whole pipeline


def test_a_page_with_invalid_yaml_fails_the_project_and_is_not_silently_dropped(tmp_path: Path) -> None:
    write(tmp_path, "requirements_map/iso27001.yml", CATALOGUE)
    write(tmp_path, "policies/security.md", page())
    write(tmp_path, "policies/broken.md", page(id="id: POL-002", owner="owner: Information Security Manager: deputy"))
    (tmp_path / "procedures").mkdir()
    (tmp_path / "records").mkdir()

    project = load_project(Settings(root=tmp_path, standards=(STANDARD,)))

    assert not project.ok
    errors = [p for p in project.diagnostics if p.severity is Severity.ERROR]
    assert_error(errors, "policies/broken.md", LINE["owner"], "front matter is invalid YAML")
    assert [doc.id for doc in project.documents] == ["POL-001"]
