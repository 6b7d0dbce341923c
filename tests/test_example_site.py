"""The repository's own example IMS: the site a newcomer builds first."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, Built, build_env, build_example, example_repo


def rows(html: str, table: str = "") -> list[str]:
    """The body rows of the page's first table (or of the first after `table`, e.g. "data-ims-soa")."""
    html = html[html.index(table) :] if table else html
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r"<tr>.*?</tr>", body, re.S)


def test_example_site_builds_strict_without_warnings(example_site: Built) -> None:
    assert example_site.returncode == 0, example_site.output
    assert "WARNING" not in example_site.output


def test_statement_of_applicability_lists_all_93_controls(example_site: Built) -> None:
    soa = rows(example_site.html("compliance/statement-of-applicability/index.html"), "data-ims-soa")
    assert len(soa) == 93
    excluded = [row for row in soa if re.search(r"<td>No</td>", row)]
    assert len(excluded) == 2  # A.7.12 and A.8.30; A.7.11 applies (dual links, cabinet UPS)
    for row in excluded:
        justification = re.findall(r"<td>(.*?)</td>", row, re.S)[4]
        assert len(justification) > 40, row  # a real sentence, not a placeholder
    a531 = next(row for row in soa if "A.5.31</a>" in row)
    assert "legal" in a531 and "contractual" in a531 and "POL-005" in a531


def test_home_page_shows_coverage_per_standard(example_site: Built) -> None:
    home = example_site.html("index.html")
    assert re.search(
        r"ISO/IEC 27001:2022</a></td>\s*<td[^>]*>123</td>\s*<td[^>]*>121</td>\s*<td[^>]*>2</td>\s*<td[^>]*>0</td>", home
    )
    assert re.search(r"ISO/IEC 20000-1:2018</a></td>\s*<td[^>]*>57</td>\s*<td[^>]*>57</td>", home)


def test_integrated_view_shows_one_document_serving_document_control_in_all_standards(example_site: Built) -> None:
    topic = next(
        row
        for row in rows(example_site.html("compliance/integrated/index.html"))
        if "Control of documented information" in row
    )
    cells = re.findall(r"<td>(.*?)</td>", topic, re.S)
    assert "PRO-005" in cells[-2]  # the "documents serving every standard" column
    swapped = next(
        row for row in rows(example_site.html("compliance/integrated/index.html")) if "Continual improvement" in row
    )
    assert "#iso27001-2022-10-1" in swapped and "#iso20000-1-2018-10-2" in swapped


def test_properdocs_builds_the_example_strictly(tmp_path: Path) -> None:
    example_repo(tmp_path / "kestrel")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "properdocs"), "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=tmp_path / "kestrel",
        capture_output=True,
        text=True,
        env=build_env(),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site/compliance/statement-of-applicability/index.html").exists()


def test_turning_iso9001_on_reports_exactly_its_uncovered_clauses() -> None:
    """ISO 9001 is claimed but out of scope in the example; in scope, its real gaps appear by name."""
    from imsdocs import Settings, load_project

    in_scope = ("iso27001:2022", "iso20000-1:2018", "iso9001:2015")
    project = load_project(Settings(root=REPO, standards=in_scope, history=False))
    gaps = sorted(d.message.split(" '")[0] for d in project.diagnostics if d.code == "clause-not-covered")
    assert project.ok
    assert gaps == ["ISO 9001:2015 7.1.4", "ISO 9001:2015 8.5.4", "ISO 9001:2015 8.5.5"]
    assert project.coverage["iso9001:2015"].in_scope


def test_navigation_puts_documents_first_in_id_order_and_compliance_last(example_site: Built) -> None:
    labels = re.findall(r'md-ellipsis">\s*([^<]+?)\s*<', example_site.html("index.html"))
    sections = [label for label in labels if label in ("Policies", "Procedures", "Records", "Compliance")]
    assert sections == ["Policies", "Procedures", "Records", "Compliance"]
    policies = labels[labels.index("Policies") + 1 : labels.index("Procedures")]
    assert policies[:3] == [
        "Service Management Plan",
        "IMS Scope and Context Statement",
        "Integrated Management System Policy",
    ]


def cells(html: str) -> list[list[str]]:
    """The text of each row's cells, tags removed."""
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
    ]


def test_a_policy_shows_its_version_and_approval_from_the_merge_requests(example_site: Built) -> None:
    page = example_site.html("policies/access-control-policy/index.html")
    control = cells(page[: page.index("</table>")])
    assert control[0] == ["Document", "POL-021", "Version", "2.1"]  # 2.0 by MR !14, then an editorial MR
    fields = {row[2]: row[3] for row in control}
    assert fields["Effective"] == "2026-12-01"
    assert fields["Changed by"] == "Owen Pritchard"
    assert fields["Approved by"] == "Dana Whitfield, 2026-12-01"
    assert fields["Reference"] == "!15"
    assert fields["Next review"] == "2027-12-01"


def test_a_policy_ends_with_its_revision_history_newest_first(example_site: Built) -> None:
    page = example_site.html("policies/access-control-policy/index.html")
    table = page[page.index('id="revision-history"') :]
    history = cells(table[: table.index("</table>")])
    assert history[0] == ["Version", "Date", "Summary", "Author", "Approver", "Reference", "Signature"]
    assert history[1] == [
        "2.1",
        "2026-12-01",
        "Reword the supplier rule",
        "Owen Pritchard",
        "Dana Whitfield",
        "!15",
        "unsigned",
    ]
    assert history[2] == [
        "2.0",
        "2026-11-26",
        "Require hardware keys for supplier access",
        "Agnieszka Kowalczyk",
        "Dana Whitfield",
        "!14",
        "unsigned",
    ]
    # The imported history is one baseline version, approved as mkdocs.yml records: no development commits.
    assert history[3] == [
        "1.0",
        "2026-11-23",
        "Baseline: the approved document set as imported (1 imported change)",
        "imported",
        "Dana Whitfield",
        "REC-043",
        "-",
    ]
    assert len(history) == 4


def test_every_page_of_the_example_shows_an_approval(example_site: Built) -> None:
    pages = sorted(example_site.site.glob("*/*/index.html"))
    documents = [page for page in pages if page.parent.parent.name in ("policies", "procedures", "records")]
    assert len(documents) == 59  # the all-staff site: 69 documents, 10 of them confidential
    for page in documents:
        html = page.read_text(encoding="utf-8")
        control = cells(html[html.index("<table data-ims-control") : html.index("</table>")])
        approved = {row[2]: row[3] for row in control}["Approved by"]
        assert approved.startswith("Dana Whitfield, 20"), (page, approved)
        assert "not recorded" not in html, page


def test_the_example_needs_no_review_for_a_year_after_its_import(example_site: Built) -> None:
    home = example_site.html("index.html")
    assert "Reviews overdue" not in home and "Reviews due within" not in home
    register = {row[0]: row for row in cells(example_site.html("compliance/register/index.html"))}
    assert register["REC-006"][-1] == "2027-11-23"  # 12 months after the baseline approval
    assert register["POL-021"][-3:] == ["2.1", "2026-12-01", "2027-12-01"]  # 12 months after its last change


def test_a_year_on_every_unchanged_document_is_overdue_and_the_strict_build_says_how_to_fix_it(
    example_root: Path, tmp_path: Path
) -> None:
    later = build_example(example_root, tmp_path / "site", "2027-11-25T09:00:00+00:00")
    assert later.returncode == 1
    overdue = re.findall(r"imsdocs: (\S+\.md):\d+: (\S+) was due for review on (\S+) \(every 12 months\)", later.output)
    assert len(overdue) == 68  # every document but POL-021, changed by merge requests in December
    assert "requirements_map/applicability.yml:18: SOA-001 was due for review on 2027-11-23" in later.output
    assert ("records/nonconformity-log.md", "REC-006", "2027-11-23") in overdue
    assert "'last_reviewed: 2027-11-25'" in later.output

    home = later.html("index.html")
    overdue_rows = cells(home[home.index("Reviews overdue") :].split("</table>")[0])[1:]
    # The all-staff home page lists the published ones; the 10 confidential documents are warned about, not listed.
    assert len(overdue_rows) == 58 and all(row[2] == "2027-11-23" for row in overdue_rows)
    due = home[home.index("Reviews due within 30 days") :]
    assert [row[0].split()[0] for row in cells(due[: due.index("</table>")])[1:]] == ["POL-021"]
    register = {row[0]: row for row in cells(later.html("compliance/register/index.html"))}
    assert register["REC-006"][-1] == "2027-11-23 (overdue)"
    assert register["POL-021"][-1] == "2027-12-01 (due soon)"


def test_search_finds_a_document_by_its_text_not_by_its_control_block_or_history(example_site: Built) -> None:
    index = json.loads(example_site.html("search/search_index.json"))
    entries = {entry["location"]: entry for entry in index["docs"]}
    policy = entries["policies/access-control-policy/"]
    assert policy["title"] == "Access Control and Identity Policy"
    assert "POL-021" not in policy["text"] and "uncontrolled when printed" not in policy["text"]
    assert entries["policies/access-control-policy/#purpose"]["text"].startswith("<p>Kestrel engineers")
    # Nor by its revision history: "approved" or "Version" would otherwise match every document.
    assert entries["policies/access-control-policy/#revision-history"]["text"] == ""
    page = example_site.html("policies/access-control-policy/index.html")
    assert "Reword the supplier rule" in page[page.index('id="revision-history"') :]


def test_the_all_staff_site_leaves_out_confidential_documents_and_the_management_site_has_them(
    example_root: Path, example_site: Built, tmp_path: Path
) -> None:
    assert not (example_site.site / "records/risk-register").exists()
    matrix = example_site.html("compliance/matrix-iso27001-2022/index.html")
    row = matrix[matrix.index('id="iso27001-2022-6-1-2"') :].split("</tr>")[0]
    assert "a confidential document (REC-001)" in row and "Risk Register and Treatment Plan" not in matrix
    management = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=example_root,
        capture_output=True,
        text=True,
        env={**build_env(), "IMS_PUBLISH_UP_TO": "restricted"},
        check=False,
    )
    assert management.returncode == 0, management.stdout + management.stderr
    assert "Risk Register and Treatment Plan" in (tmp_path / "site/records/risk-register/index.html").read_text()


def test_without_its_risk_treatment_plan_the_example_fails_strict_naming_the_item(tmp_path: Path) -> None:
    root = tmp_path / "kestrel"
    repo = example_repo(root)
    register = root / "records/risk-register.md"
    register.write_text(
        register.read_text(encoding="utf-8").replace("iso27001:2022/risk-treatment-plan, ", ""), encoding="utf-8"
    )
    repo.commit("Drop the plan (#16)", "2026-12-02T09:00:00+00:00")
    built = build_example(root, tmp_path / "site")
    assert built.returncode == 1
    assert (
        "ISO/IEC 27001:2022 6.1.3 requires 'Risk treatment plan' (iso27001:2022/risk-treatment-plan); no approved "
        "document provides it." in built.output
    )


def test_with_record_checks_on_a_record_older_than_its_period_fails_the_example(tmp_path: Path) -> None:
    root = tmp_path / "kestrel"
    repo = example_repo(root)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("checks: {record-stale: info}", "checks: {}"), encoding="utf-8"
    )
    repo.commit("Record checks on (#17)", "2026-12-02T09:00:00+00:00")
    built = build_example(root, tmp_path / "site", "2027-01-15T09:00:00+00:00")
    assert built.returncode == 1
    stale = re.findall(r"imsdocs: (\S+):\d+: (\S+) is as at (\S+) and recurs", built.output)
    assert ("records/vulnerability-report-2026-10.md", "REC-042", "2026-10-31") in stale
