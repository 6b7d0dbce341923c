"""What a certification auditor asks for: a controlled SoA with implementation status, the
mandatory documented information present, records dated and fresh, cited ids that exist."""

from __future__ import annotations

import re

import pytest

from conftest import (
    DANA,
    SOA_DOCUMENT,
    DemoProject,
    Repo,
    control_block,
    document,
    imported_ims,
    revision_rows,
    text,
    warnings,
)

RECORD = "record: {{produced_by: POL-001, retention: 6 years, location: GitLab, access: IMS team{extra}}}\nsatisfies:"


def record(doc_id: str, title: str, extra: str = "", body: str = "Entries.") -> str:
    return (
        document(doc_id, "", title=title, body=body)
        .replace("type: policy", "type: record")
        .replace("satisfies:\n  demo:2024: []", RECORD.format(extra=extra) + " {}")
    )


@pytest.fixture
def ims(demo: DemoProject) -> tuple[DemoProject, Repo]:
    return imported_ims(demo, "      checks: {approval-missing: info, approval-no-pull-request: info}\n")


SOA_BLOCK = SOA_DOCUMENT
APPLICABILITY = (
    "demo:2024:\n"
    '  default_inclusion: {reasons: [risk], justification: "Treats assessed risks.", status: implemented}\n'
    '  excluded:\n    "A.1.2": {justification: "We have no premises of our own."}\n'
)


def test_the_soa_is_a_controlled_document_with_its_own_history_and_approval(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims  # the SoA's document block was imported with the rest
    catalogue = (demo.root / "requirements_map/demo.yml").read_text()
    repo.merge_pull_request(
        "catalogue",
        "requirements_map/demo.yml",
        catalogue.replace('title: "Physical entry"', 'title: "Physical entry controls"'),
        "Catalogue title",
        f"Merge pull request #4 from kestrel/catalogue\n\nCorrect a control title\n\nApproved-by: {DANA}",
        ("2026-02-01T09:00:00+00:00", "2026-02-02T09:00:00+00:00"),
    )
    built = demo.build()
    assert built.returncode == 0, built.output
    page = "compliance/statement-of-applicability/index.html"
    control = control_block(built, page)
    assert (control["Document"], control["Version"], control["Approved by"]) == (
        "SOA-001",
        "2.0",
        "Dana Whitfield, 2026-02-02",
    )
    assert [row[:3] for row in revision_rows(built, page)] == [
        ["2.0", "2026-02-02", "Correct a control title"],
        ["1.0", "2026-01-05", "Baseline: the approved document set as imported (1 imported change)"],
    ]
    register = text(built.html("compliance/register/index.html"))
    assert "SOA-001 Statement of Applicability register IMS Manager Managing Director approved internal 2.0" in register


def test_without_a_document_block_the_soa_is_warned_uncontrolled(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("requirements_map/applicability.yml", APPLICABILITY)
    assert [w.rsplit("[", 1)[1] for w in warnings(demo.build())] == ["soa-uncontrolled]"]


def test_implementation_status_is_required_and_a_planned_control_past_its_date_is_warned(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, _ = ims
    demo.write(
        "requirements_map/applicability.yml",
        SOA_BLOCK
        + APPLICABILITY.replace(", status: implemented", "")
        + '  included:\n    "A.1.3": {reasons: [legal], justification: "The law.", status: planned, target: 2026-02-01, '
        "risk: [R-IS-03, T-05]}\n",
    )
    demo.write(
        "requirements_map/demo.yml",
        (demo.root / "requirements_map/demo.yml").read_text()
        + '  - {id: "A.1.3", title: "Legal duties", parent: "A.1"}\n',
    )
    demo.write("policies/security.md", document("POL-002", '"A.1.1", "A.1.3"', title="Security Policy"))
    ims[1].commit("Status of the controls (#6)", "2026-01-07T09:00:00+00:00")
    built = demo.build()
    assert warnings(built) == [
        "requirements_map/applicability.yml: Demo Standard 2024 A.1.1 applies but has no implementation status. Give "
        "it 'status:' (implemented, partially implemented, planned, not implemented), or give 'default_inclusion' "
        "one. [soa-status-missing]",
        "requirements_map/applicability.yml: Demo Standard 2024 A.1.3 was planned for 2026-02-01. Update its status, "
        "or set a new target with the reason in the risk treatment plan. [soa-planned-overdue]",
    ]
    soa = built.html("compliance/statement-of-applicability/index.html")
    table = soa[soa.index("data-ims-soa") :]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], re.S)
    assert "planned (by 2026-02-01); R-IS-03, T-05" in rows[2]
    assert "<td>not recorded</td>" in rows[0]


def test_the_default_justification_is_stated_once_and_rows_that_use_it_say_so(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("requirements_map/applicability.yml", SOA_BLOCK + APPLICABILITY)
    soa = demo.build().html("compliance/statement-of-applicability/index.html")
    assert soa.count("Treats assessed risks.") == 1
    assert "<td>default</td><td>as above</td><td>implemented</td>" in soa


# -- mandatory documented information ----------------------------------------------------------------------

MANDATORY = """\
demo:2024:
  - {id: scope, name: "Scope statement", clauses: ["4.1"], kind: maintained, types: [policy]}
  - {id: policy-log, name: "Log of policies", clauses: ["A.1.1"], kind: retained, types: [record, register]}
  - {id: entry-log, name: "Entry log", clauses: ["A.1.2"], kind: retained, types: [record]}
"""


def test_a_missing_item_of_mandatory_documented_information_fails_strict_naming_it(demo: DemoProject) -> None:
    demo.write("requirements_map/mandatory.yml", MANDATORY)
    built = demo.build()
    assert built.returncode == 1
    assert warnings_of(built, "mandatory-missing") == [
        "Demo Standard 2024 4.1 requires 'Scope statement' (demo:2024/scope); no approved document provides it. Add "
        "'provides: [demo:2024/scope]' to the approved policy that is it; if it is held in another tool, that "
        "document says where with 'location:'. [mandatory-missing]",
        "Demo Standard 2024 A.1.1 requires 'Log of policies' (demo:2024/policy-log); no approved document provides "
        "it. Add 'provides: [demo:2024/policy-log]' to the approved record or register that is it; if it is held in "
        "another tool, that document says where with 'location:'. [mandatory-missing]",
    ]  # the entry log rests on an excluded control: not required


def warnings_of(built: object, code: str) -> list[str]:
    return [w for w in warnings(built) if w.endswith(f"[{code}]")]  # type: ignore[arg-type]


def test_items_provided_by_documents_of_the_right_type_are_listed_with_version_and_where_held(
    demo: DemoProject,
) -> None:
    demo.write("requirements_map/mandatory.yml", MANDATORY)
    demo.write(
        "policies/scope.md",
        document("POL-001", '"4.1", "4.2"', title="Scope Statement").replace(
            "satisfies:", "provides: [demo:2024/scope]\nsatisfies:"
        ),
    )
    demo.write(
        "records/log.md",
        record("REC-001", "Policy Log", ", as_at: 2026-01-05").replace(
            "satisfies:", "provides: [demo:2024/policy-log]\nlocation: Helix ITSM, project IMS\nsatisfies:"
        ),
    )
    built = demo.build()
    assert built.returncode == 0, built.output
    page = text(built.html("compliance/mandatory/index.html"))
    assert "4.1 Scope statement maintained POL-001 Scope Statement" in page
    assert "A.1.1 Log of policies retained REC-001 Policy Log - - by reference: Helix ITSM, project IMS" in page
    assert "A.1.2 Entry log retained not required (excluded)" in page


def test_a_wrong_type_does_not_satisfy_and_an_unknown_item_suggests_the_nearest(demo: DemoProject) -> None:
    demo.write("requirements_map/mandatory.yml", MANDATORY)
    demo.write(
        "policies/security.md",
        document("POL-002", '"A.1.1"', title="Security Policy").replace(
            "satisfies:", "provides: [demo:2024/policy-log, demo:2024/scopes]\nsatisfies:"
        ),
    )
    output = demo.check().stdout
    assert (
        "ERROR: policies/security.md:10: 'demo:2024/scopes' in 'provides' is no item of documented information. "
        "Did you mean 'demo:2024/scope' or" in output
    )


def test_a_wrong_type_is_named(demo: DemoProject) -> None:
    demo.write("requirements_map/mandatory.yml", MANDATORY)
    demo.write(
        "policies/security.md",
        document("POL-002", '"A.1.1"', title="Security Policy").replace(
            "satisfies:", "provides: [demo:2024/policy-log]\nsatisfies:"
        ),
    )
    assert (
        "WARNING: policies/security.md:10: POL-002 provides 'demo:2024/policy-log' but is a policy; that item is kept "
        "as record or register." in demo.check().stdout
    )


# -- records -----------------------------------------------------------------------------------------------


def test_a_recurring_record_older_than_its_period_fails_strict_and_is_listed_with_its_due_date(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, repo = ims
    demo.write("docs/index.md", "# Home\n\n<!-- imsdocs:attention -->\n")
    demo.write("records/review.md", record("REC-001", "Access Review", ", as_at: 2025-10-31, recurs: quarterly"))
    demo.write("records/budget.md", record("REC-002", "Budget", ", period: {from: 2026-01-01, to: 2026-12-31}"))
    demo.write("records/log.md", record("REC-003", "Undated Log"))
    repo.commit("Records (#5)", "2026-01-06T09:00:00+00:00")
    built = demo.build()
    assert built.returncode == 1
    assert warnings_of(built, "record-stale") == [
        "records/review.md:10: REC-001 is as at 2025-10-31 and recurs every 3 months: the next one was due on "
        "2026-01-31. Record the activity again (a new version of the record, or a new record) and update 'as_at'. "
        "[record-stale]"
    ]
    assert warnings_of(built, "record-undated") == [
        "records/log.md:10: REC-003 does not say when the activity it records took place. Add 'as_at: <date>' (or "
        "'period: {from: <date>, to: <date>}') to its record block. [record-undated]"
    ]
    home = text(built.html("index.html"))
    assert "Records due (recurring records whose next one is due) Record Owner As at Next one due" in home
    assert "REC-001 Access Review IMS Manager 2025-10-31 2026-01-31 (overdue)" in home


# -- cited ids -------------------------------------------------------------------------------------------------


def test_cited_ids_are_checked_and_linked_and_declared_entries_count(demo: DemoProject) -> None:
    demo.write(
        "records/risks.md",
        record("REC-001", "Risk Register", ", as_at: 2026-01-05").replace(
            "satisfies:", "declares: [R-IS-01, R-IS-02]\nsatisfies:"
        ),
    )
    demo.write(
        "policies/security.md",
        document(
            "POL-002",
            '"A.1.1"',
            title="Security Policy",
            body="See POL-001 and R-IS-02. R-IS-07 and POL-009 do not exist. `POL-777` is code. ISO-27001 is no id.",
        ),
    )
    built = demo.build(strict=False)
    assert warnings_of(built, "reference-unknown") == [
        "policies/security.md:15: 'R-IS-07' is cited here but is no document's id nor a declared register entry. "
        "Did you mean 'R-IS-02' or 'R-IS-01'? [reference-unknown]",
        "policies/security.md:15: 'POL-009' is cited here but is no document's id nor a declared register entry. "
        "Did you mean 'POL-002' or 'POL-001'? [reference-unknown]",
    ]
    page = built.html("policies/security/index.html")
    assert '<a href="../scope/" class="ims-reference">POL-001</a>' in page
    assert '<a href="../../records/risks/" class="ims-reference">R-IS-02</a>' in page
    assert "<code>POL-777</code>" in page and ">R-IS-07<" not in page


def test_an_entry_declared_twice_is_an_error_naming_both(demo: DemoProject) -> None:
    for number in (1, 2):
        demo.write(
            f"records/r{number}.md",
            record(f"REC-00{number}", f"Register {number}", ", as_at: 2026-01-05").replace(
                "satisfies:", "declares: [NC-2026-001]\nsatisfies:"
            ),
        )
    assert (
        "ERROR: records/r2.md:11: 'NC-2026-001' is declared here and is already declared by REC-001 (records/r1.md). "
        "Each register entry has one home: number it anew, or remove one declaration. [declared-id-duplicate]"
        in demo.check().stdout
    )
