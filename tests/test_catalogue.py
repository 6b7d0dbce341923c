"""Clause catalogues: a small one that loads, the mistakes an editor makes in one, and the shipped ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imsdocs import Catalogue, Diagnostic, Exclusion, Severity, load_catalogue, migration_map

PROJECT = Path(__file__).resolve().parent.parent
SHIPPED = PROJECT / "plugins" / "imsdocs" / "data" / "catalogues"  # package data: every project gets them
# Reference catalogues beside the project; a user's clone has none, so the comparison skips there.
REFERENCE = PROJECT.parent / "shared" / "reference"

DISPLAY = "requirements_map/test.yml"
HEADER = 'standard: "test:1"\ntitle: "Test Standard 1"\nexclusion: never\nclauses:\n'  # first entry on line 5


def entries(*lines: str) -> str:
    """A catalogue whose clause list holds `lines`, each a flow mapping on its own line (line 5 onwards)."""
    return HEADER + "".join(f"  - {line}\n" for line in lines)


def load(tmp_path: Path, text: str) -> tuple[Catalogue | None, list[Diagnostic]]:
    file = tmp_path / "test.yml"
    file.write_text(text, encoding="utf-8")
    return load_catalogue(file, DISPLAY)


def load_ok(tmp_path: Path, text: str) -> Catalogue:
    catalogue, problems = load(tmp_path, text)
    assert [p.render() for p in problems] == []
    assert catalogue is not None
    return catalogue


def the_error(tmp_path: Path, text: str, line: int, *fragments: str) -> Diagnostic:
    """Loading `text` fails with exactly one error on `line` of the file, saying all of `fragments`."""
    catalogue, problems = load(tmp_path, text)
    assert catalogue is None
    assert len(problems) == 1, [p.render() for p in problems]
    problem = problems[0]
    assert problem.severity is Severity.ERROR
    assert (problem.path, problem.line) == (DISPLAY, line), problem.render()
    rendered = problem.render()
    assert rendered.startswith(f"{DISPLAY}:{line}: ")
    for fragment in fragments:
        assert fragment in rendered
    return problem


def shipped(name: str) -> Catalogue:
    catalogue, problems = load_catalogue(SHIPPED / name, f"requirements_map/{name}")
    assert [p.render() for p in problems] == []
    assert catalogue is not None
    return catalogue


# A valid catalogue


def test_a_small_catalogue_loads_as_a_tree_with_inherited_exclusion(tmp_path: Path) -> None:
    catalogue = load_ok(
        tmp_path,
        entries(
            '{id: "4", title: "Context", parent: null}',
            '{id: "4.1", title: "Understanding the organization", parent: "4"}',
            '{id: "4.2", title: "Interested parties", parent: "4"}',
            '{id: "A.5", title: "Organizational controls", parent: null, exclusion: justified}',
            '{id: "A.5.1", title: "Policies", parent: "A.5"}',
            '{id: "A.5.2", title: "Roles", parent: "A.5", exclusion: never}',
            '{id: "A.5.2.1", title: "Deeper", parent: "A.5.2"}',
            '{id: "A.5.3", title: null, parent: "A.5"}',
        ),
    )

    assert (catalogue.key, catalogue.title, catalogue.path) == ("test:1", "Test Standard 1", DISPLAY)
    assert [c.id for c in catalogue.roots()] == ["4", "A.5"]
    assert [c.id for c in catalogue.leaves()] == ["4.1", "4.2", "A.5.1", "A.5.2.1", "A.5.3"]
    assert catalogue.clauses["4"].children == ["4.1", "4.2"]
    assert catalogue.clauses["A.5.1"].parent == "A.5"
    assert catalogue.clauses["A.5.1"].line == 9
    assert catalogue.leaves_under("A.5") == ["A.5.1", "A.5.2.1", "A.5.3"]
    assert [(c.id, depth) for c, depth in catalogue.walk()][:4] == [("4", 0), ("4.1", 1), ("4.2", 1), ("A.5", 0)]
    assert catalogue.clauses["A.5.3"].display_title == "(untitled paragraph)"
    # The theme says `justified` once; its controls inherit it unless they say otherwise.
    exclusions = {clause_id: clause.exclusion for clause_id, clause in catalogue.clauses.items()}
    assert exclusions == {
        "4": Exclusion.NEVER,
        "4.1": Exclusion.NEVER,
        "4.2": Exclusion.NEVER,
        "A.5": Exclusion.JUSTIFIED,
        "A.5.1": Exclusion.JUSTIFIED,
        "A.5.2": Exclusion.NEVER,
        "A.5.2.1": Exclusion.NEVER,
        "A.5.3": Exclusion.JUSTIFIED,
    }


def test_the_catalogue_default_exclusion_applies_where_no_entry_says_otherwise(tmp_path: Path) -> None:
    text = entries('{id: "4", title: "Context", parent: null}', '{id: "4.1", title: "Scope", parent: "4"}')
    catalogue = load_ok(tmp_path, text.replace("exclusion: never", "exclusion: scope"))
    assert {c.exclusion for c in catalogue.clauses.values()} == {Exclusion.SCOPE}


# Mistakes, each reported on its line


def test_a_duplicate_id_names_its_line_and_the_first_definition(tmp_path: Path) -> None:
    text = entries(
        '{id: "4", title: "Context", parent: null}',
        '{id: "4.1", title: "Understanding", parent: "4"}',
        '{id: "4.2", title: "Parties", parent: "4"}',
        '{id: "4.1", title: "Understanding again", parent: "4"}',
    )
    the_error(tmp_path, text, 8, "duplicate clause ID '4.1'", "first defined on line 6")


def test_an_unknown_parent_is_reported_on_the_parent_line_with_the_nearest_id(tmp_path: Path) -> None:
    text = HEADER + (
        '  - {id: "A.5", title: "Organizational controls", parent: null}\n'
        '  - id: "A.5.1"\n'
        '    title: "Policies"\n'
        '    parent: "A5"\n'
    )
    the_error(tmp_path, text, 8, "clause 'A.5.1' names an unknown parent 'A5'", "Did you mean 'A.5'?")


def test_an_unknown_parent_with_nothing_near_says_how_to_fix_it(tmp_path: Path) -> None:
    text = entries('{id: "4", title: "Context", parent: null}', '{id: "4.1", title: "Scope", parent: "Z"}')
    the_error(tmp_path, text, 6, "unknown parent 'Z'", "Define the parent first, or set parent: null.")


@pytest.mark.parametrize(
    ("lines", "cycle"),
    [
        (('{id: "4", title: "Context", parent: "4.1"}', '{id: "4.1", title: "Scope", parent: "4"}'), "4 -> 4.1 -> 4"),
        (('{id: "4", title: "Context", parent: "4"}',), "4 -> 4"),
    ],
    ids=["two clauses", "own parent"],
)
def test_a_cycle_of_parents_is_reported_with_its_path(tmp_path: Path, lines: tuple[str, ...], cycle: str) -> None:
    the_error(tmp_path, entries(*lines), 5, f"cycle through their parents: {cycle}.", "cannot be its own ancestor")


def test_an_id_written_as_a_number_says_how_yaml_read_it_and_to_quote_it(tmp_path: Path) -> None:
    text = entries('{id: "5", title: "Leadership", parent: null}', '{id: 5.10, title: "Roles", parent: "5"}')
    the_error(tmp_path, text, 6, "clause ID 5.10 is written as a number; YAML reads it as 5.1.", 'Quote it: "5.10".')


def test_a_parent_written_as_a_number_says_how_yaml_read_it_and_to_quote_it(tmp_path: Path) -> None:
    text = entries(
        '{id: "5", title: "Leadership", parent: null}',
        '{id: "5.10", title: "Roles", parent: "5"}',
        '{id: "5.10.1", title: "General", parent: 5.10}',
    )
    the_error(tmp_path, text, 7, "parent of '5.10.1' 5.10 is written as a number; YAML reads it as 5.1.", '"5.10"')


def test_invalid_yaml_names_the_line_of_the_mistake(tmp_path: Path) -> None:
    text = entries(
        '{id: "4", title: "Context", parent: null}',
        '{id: "4.1", title: "Scope" parent: "4"}',
        '{id: "4.2", title: "Parties", parent: "4"}',
    )
    the_error(tmp_path, text, 6, "invalid YAML", "Fix the YAML syntax.")


def test_an_unknown_clause_key_suggests_the_known_one(tmp_path: Path) -> None:
    text = entries('{id: "4", title: "Context", parent: null}', '{id: "4.1", titel: "Scope", parent: "4"}')
    the_error(tmp_path, text, 6, "unknown key 'titel' in a clause.", "Did you mean 'title'?")


def test_an_unknown_top_level_key_suggests_the_known_one(tmp_path: Path) -> None:
    text = entries('{id: "4", title: "Context", parent: null}').replace("exclusion:", "exclsion:")
    the_error(tmp_path, text, 3, "unknown key 'exclsion'.", "Did you mean 'exclusion'?")


def test_an_unknown_exclusion_value_suggests_the_allowed_one(tmp_path: Path) -> None:
    text = entries('{id: "A.5", title: "Controls", parent: null, exclusion: justifed}')
    the_error(tmp_path, text, 5, "exclusion must be one of never, justified, scope, not 'justifed'.", "'justified'?")


# The shipped catalogues


def test_iso27001_has_clauses_4_to_10_that_always_apply_and_93_excludable_annex_a_controls() -> None:
    catalogue = shipped("iso27001_2022.yml")
    assert (catalogue.key, catalogue.title) == ("iso27001:2022", "ISO/IEC 27001:2022")
    clauses = [c for c in catalogue.clauses.values() if not c.id.startswith("A.")]
    themes = ["A.5", "A.6", "A.7", "A.8"]
    controls = [c for c in catalogue.clauses.values() if c.id.startswith("A.") and c.id not in themes]

    assert len(clauses) == 41
    assert [c.id for c in catalogue.roots()] == [str(n) for n in range(4, 11)] + themes
    assert {c.exclusion for c in clauses} == {Exclusion.NEVER}

    assert len(controls) == 93
    assert {theme: len(catalogue.clauses[theme].children) for theme in themes} == {
        "A.5": 37,
        "A.6": 8,
        "A.7": 14,
        "A.8": 34,
    }
    assert all(c.parent in themes and catalogue.is_leaf(c.id) for c in controls)
    assert {c.exclusion for c in controls} == {Exclusion.JUSTIFIED}


def test_iso20000_has_77_entries_none_excludable_with_9_2_and_9_3_as_leaves() -> None:
    catalogue = shipped("iso20000-1_2018.yml")
    assert (catalogue.key, catalogue.title) == ("iso20000-1:2018", "ISO/IEC 20000-1:2018")
    assert len(catalogue.clauses) == 77
    assert [c.id for c in catalogue.roots()] == [str(n) for n in range(4, 11)]
    assert {c.exclusion for c in catalogue.clauses.values()} == {Exclusion.NEVER}
    assert catalogue.is_leaf("9.2")
    assert catalogue.is_leaf("9.3")


def test_iso9001_has_91_entries_excludable_only_through_the_scope() -> None:
    catalogue = shipped("iso9001_2015.yml")
    assert (catalogue.key, catalogue.title) == ("iso9001:2015", "ISO 9001:2015")
    assert len(catalogue.clauses) == 91
    assert [c.id for c in catalogue.roots()] == [str(n) for n in range(4, 11)]
    assert {c.exclusion for c in catalogue.clauses.values()} == {Exclusion.SCOPE}


@pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"no reference catalogues at {REFERENCE} (they sit beside the project, not in a clone)",
)
@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("iso27001_2022.yml", "iso27001_2022.yaml"),
        ("iso20000-1_2018.yml", "iso20000_1_2018.yaml"),
        ("iso9001_2015.yml", "iso9001_2015.yaml"),
        ("iso27001_2013.yml", "iso27001_2013_annexA.yaml"),
    ],
)
def test_shipped_ids_titles_and_parents_equal_the_reference(name: str, reference: str) -> None:
    expected = yaml.safe_load((REFERENCE / reference).read_text(encoding="utf-8"))
    catalogue = shipped(name)
    assert [(c.id, c.title, c.parent) for c in catalogue.clauses.values()] == [
        (entry["id"], entry["title"], entry["parent"]) for entry in expected
    ]


def test_the_2013_annex_a_ships_with_its_map_to_2022() -> None:
    old, new = shipped("iso27001_2013.yml"), shipped("iso27001_2022.yml")
    assert (old.key, len([c for c in old.clauses if c.count(".") == 3])) == ("iso27001:2013", 114)
    mapping = migration_map()
    assert sorted(mapping) == sorted(c for c in old.clauses if c.count(".") == 3)
    assert all(target in new and new.is_leaf(target) for targets in mapping.values() for target in targets)
    assert mapping["A.18.2.3"] == ("A.5.36", "A.8.8")  # one 2013 control became two


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"no reference mapping at {REFERENCE}")
def test_the_shipped_map_equals_the_reference_mapping() -> None:
    expected = yaml.safe_load((REFERENCE / "map_27001_2013_to_2022.yaml").read_text(encoding="utf-8"))
    assert migration_map() == {row["from"]: tuple(row["to"]) for row in expected["annex_a_2013_to_2022"]}


def test_a_second_clauses_list_is_an_error_not_a_silently_emptied_catalogue(tmp_path: Path) -> None:
    text = entries('{id: "4", title: "Context", parent: null}') + "clauses: []\n"
    the_error(tmp_path, text, 6, "invalid YAML: 'clauses' is given twice (first on line 4)")


def test_a_project_catalogue_that_replaces_a_shipped_one_is_named(tmp_path: Path) -> None:
    from imsdocs import Settings, load_project

    (tmp_path / "requirements_map").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "requirements_map/mine.yml").write_text((SHIPPED / "iso9001_2015.yml").read_text(), encoding="utf-8")
    project = load_project(Settings(root=tmp_path, standards=("iso27001:2022",), sources=("policies",), history=False))
    assert [d.render() for d in project.diagnostics if d.code == "catalogue-overridden"] == [
        "requirements_map/mine.yml:1: this file replaces the catalogue of 'iso9001:2015' that ships with imsdocs. "
        "Remove the file to use the shipped catalogue, or lower this check if the change is deliberate. "
        "[catalogue-overridden]"
    ]
    assert project.catalogues["iso27001:2022"].path == "imsdocs:catalogues/iso27001_2022.yml"  # shipped, no copy
