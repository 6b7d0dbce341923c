"""Approval through pull requests: the compliance diff a reviewer reads, CODEOWNERS that routes the
approval, approvals recorded in git notes (GitHub) or trailers (GitLab), and the build stamp.

Real repositories, real branches and merges, real `imsdocs` and `mkdocs` runs."""

from __future__ import annotations

import json
import re

import pytest

from conftest import DANA, DemoProject, Repo, control_block, document, imported_ims

PEOPLE = """\
people:
  - {name: Dana Whitfield, email: dana@kestrel.example, roles: [Managing Director], handles: {github: dana-w, gitlab: dana.whitfield}}
  - {name: Ada Author, email: ada@kestrel.example, roles: [IMS Manager], handles: {github: ada-a, gitlab: ada}}
"""
SCOPE = ("POL-001", '"4.1", "4.2"')


@pytest.fixture
def ims(demo: DemoProject) -> tuple[DemoProject, Repo]:
    """The demo IMS in git: imported on 5 January 2026 (baseline 31 January), built on 1 March 2026."""
    return imported_ims(demo, "      codeowners_requirements: [Managing Director]\n", people=PEOPLE)


def scope(claims: str = '"4.1", "4.2"', body: str = "Our scope.") -> str:
    return document("POL-001", claims, title="Scope Statement", body=body)


def test_a_pull_request_that_drops_a_claim_is_caught_then_approved_and_published(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "narrow-scope")
    demo.write("policies/scope.md", scope('"4.1"', "Narrower."))
    repo.commit("Narrow the scope", "2026-02-10T09:00:00+00:00")

    report = demo.cli("diff", "main", "HEAD", "--format", "json")
    assert report.returncode == 1, report.stderr
    data = json.loads(report.stdout)
    assert [(c["standard"], c["clause"], c["before"], c["after"]) for c in data["uncovered"]] == [
        ("demo:2024", "4.2", "covered", "not covered")
    ]
    [change] = data["documents"]
    assert (change["id"], change["kind"], change["version_before"], change["version_after"]) == (
        "POL-001",
        "changed",
        "1.0",
        "2.0",
    )
    assert change["claims_removed"] == {"demo:2024": ["4.2"]}
    assert (change["approver"], change["approvers"], change["author_approves"]) == (
        "Managing Director",
        ["Dana Whitfield"],
        False,
    )
    assert (change["review_before"], change["review_after"]) == ("2027-01-05", "2027-03-01")
    comment = demo.cli("diff", "main", "--format", "markdown")
    assert comment.returncode == 1
    assert "**This change needs attention.**" in comment.stdout
    assert "| Demo Standard 2024 | 4&#46;2 | Interested parties | covered |" in comment.stdout
    assert "<details><summary>Documents &#40;1&#41;</summary>" in comment.stdout
    assert demo.build().returncode == 1  # the pull request's own strict build fails too

    demo.write("policies/scope.md", scope(body="Narrower wording, same clauses."))
    repo.commit("Keep 4.2", "2026-02-11T09:00:00+00:00")
    fixed = demo.cli("diff", "main", "HEAD")
    assert fixed.returncode == 0, fixed.stdout
    assert "CHANGED POL-001 Scope Statement (policies/scope.md): 1.0 -> 2.0" in fixed.stdout
    repo.git("checkout", "-q", "main")
    message = f"Merge branch 'narrow-scope' into 'main'\n\nReword the scope\n\nSee merge request kestrel/ims!12\n\nApproved-by: {DANA}"
    repo.git("merge", "-q", "--no-ff", "narrow-scope", "-m", message, date="2026-02-12T09:00:00+00:00")
    built = demo.build()
    assert built.returncode == 0, built.output
    control = control_block(built, "policies/scope/index.html")
    assert (control["Version"], control["Approved by"], control["Reference"]) == (
        "2.0",
        "Dana Whitfield, 2026-02-12",
        "!12",
    )


def test_github_approvals_recorded_in_a_git_note_count_and_say_who_recorded_them(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.merge_pull_request(
        "mfa",
        "policies/security.md",
        document("POL-002", '"A.1.1"', title="Security Policy", body="MFA."),
        "Require MFA",
        "Merge pull request #7 from kestrel/mfa\n\nRequire MFA",
        ("2026-02-10T09:00:00+00:00", "2026-02-11T09:00:00+00:00"),
    )
    merge = repo.git("rev-parse", "HEAD").strip()
    assert demo.build().returncode == 1  # no approval recorded yet
    note = f"Approved-by: {DANA}\nPull-request: #7\nRecorded-by: imsdocs record-approvals (GitHub API)\n"
    repo.git(
        "notes", "--ref", "approvals", "add", "-m", note, merge, author=("github-actions[bot]", "bot@github.example")
    )
    built = demo.build()
    assert built.returncode == 0, built.output
    assert control_block(built, "policies/security/index.html")["Approved by"] == (
        "Dana Whitfield (recorded in a git note by github-actions[bot]), 2026-02-11"
    )


def test_the_diff_compares_commits_whether_or_not_the_head_is_checked_out(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "narrow-scope")
    demo.write("policies/scope.md", scope('"4.1"', "Narrower."))
    repo.commit("Narrow the scope", "2026-02-10T09:00:00+00:00")
    checked_out = demo.cli("diff", "main", "HEAD", "--format", "json")  # the clean clone of a CI job
    assert checked_out.returncode == 1, checked_out.stderr
    # Uncommitted work is not the change: an edit that restores the claim, and a stray file that
    # would be an error in a build, are not seen.
    demo.write("policies/scope.md", scope(body="Restored in the working tree only."))
    demo.write("policies/notes.txt", "scratch")
    dirty = demo.cli("diff", "main", "HEAD", "--format", "json")
    (demo.root / "policies/notes.txt").unlink()
    repo.git("checkout", "-q", "--", "policies/scope.md")
    repo.git("checkout", "-q", "main")
    elsewhere = demo.cli("diff", "main", "narrow-scope", "--format", "json")  # the head is not checked out
    reports = [json.loads(run.stdout) for run in (checked_out, dirty, elsewhere)]
    for report in reports:
        assert [(c["clause"], c["after"]) for c in report["uncovered"]] == [("4.2", "not covered")]
        assert [(c["id"], c["kind"], c["version_after"]) for c in report["documents"]] == [
            ("POL-001", "changed", "2.0")
        ]
        assert report["errors"] == []
    assert reports[0] == reports[1] == reports[2]


def test_a_rename_and_an_edit_on_one_branch_are_both_reported(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "tidy")
    repo.git("mv", "policies/scope.md", "policies/scope-statement.md")
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', title="Security Policy", body="Edited."))
    repo.commit("Rename the scope, edit security\n\nChange-type: editorial", "2026-02-10T09:00:00+00:00")
    report = json.loads(demo.cli("diff", "main", "--format", "json").stdout)
    changes = {c["id"]: c for c in report["documents"]}
    assert (changes["POL-001"]["kind"], changes["POL-001"]["old_path"], changes["POL-001"]["version_after"]) == (
        "renamed",
        "policies/scope.md",
        "1.0",
    )
    assert (changes["POL-002"]["kind"], changes["POL-002"]["version_after"]) == ("changed", "1.1")  # editorial
    assert report["uncovered"] == [] and report["failing"] is False


def test_a_change_of_catalogue_and_applicability_is_listed(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "catalogue")
    catalogue = (demo.root / "requirements_map/demo.yml").read_text()
    demo.write("requirements_map/demo.yml", catalogue + '  - {id: "4.3", title: "Scope", parent: "4"}\n')
    demo.write(
        "requirements_map/applicability.yml",
        'demo:2024:\n  default_inclusion: {reasons: [risk], justification: "Treats assessed risks."}\n',
    )
    repo.commit("New clause; A.1.2 applies after all", "2026-02-10T09:00:00+00:00")
    result = demo.cli("diff", "main", "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["catalogues"] == {"demo:2024": {"added": ["4.3"], "removed": []}}
    assert [(c["clause"], c["before"]) for c in report["uncovered"]] == [("4.3", None), ("A.1.2", "excluded")]
    assert [(a["clause"], a["change"]) for a in report["applicability"]] == [("A.1.2", "exclusion removed")]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("no-such-branch",), "imsdocs diff: 'no-such-branch' is no commit of this repository"),
        (("--output=x", "HEAD"), "imsdocs diff: '--output=x' is no commit of this repository"),
    ],
)
def test_a_diff_from_an_unknown_base_is_a_clear_error(
    ims: tuple[DemoProject, Repo], arguments: tuple[str, ...], message: str
) -> None:
    demo, _ = ims
    done = demo.cli("diff", "--", *arguments)
    assert done.returncode == 2 and done.stderr.strip() == message and "Traceback" not in done.stderr


def test_a_base_outside_the_changes_history_is_an_error_unless_compared_from_the_merge_base(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "proposal")
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', title="Security Policy", body="Proposal."))
    repo.commit("Proposal", "2026-02-10T09:00:00+00:00")
    repo.git("checkout", "-q", "main")
    demo.write("docs/index.md", "# Home\n\nMoved on.\n")
    repo.commit("Main moves on (#9)", "2026-02-11T09:00:00+00:00")
    repo.git("checkout", "-q", "proposal")
    done = demo.cli("diff", "main")
    assert done.returncode == 2
    assert "'main' is not in the history of 'HEAD'" in done.stderr and "--merge-base" in done.stderr
    merged = demo.cli("diff", "main", "--merge-base", "--format", "json")
    assert [c["id"] for c in json.loads(merged.stdout)["documents"]] == ["POL-002"]


def test_the_diff_comment_cannot_format_link_or_mention(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "hostile")
    title = "@kestrel/board <img src=x> [click](https://evil.example) #1 *bold*"
    demo.write("policies/security.md", document("POL-002", '"A.1.1"', title=json.dumps(title), body="x"))
    repo.commit("Hostile title", "2026-02-10T09:00:00+00:00")
    comment = demo.cli("diff", "main", "--format", "markdown").stdout
    assert "@kestrel" not in comment and "<img" not in comment and "](" not in comment and "*bold*" not in comment
    assert "&#64;kestrel/board &#60;img src&#61;x&#62;" in comment


# -- CODEOWNERS ------------------------------------------------------------------------------------------


def test_codeowners_routes_each_document_to_its_approver_and_check_catches_a_changed_role(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, repo = ims
    done = demo.cli("codeowners")
    assert done.returncode == 0, done.stdout
    owners = (demo.root / ".github/CODEOWNERS").read_text()
    assert [line for line in owners.splitlines() if line and not line.startswith("#")] == [
        "/policies/scope.md @dana-w",
        "/policies/security.md @dana-w",
        "/requirements_map/ @dana-w",
        "/mkdocs.yml @dana-w",
        "/.github/CODEOWNERS @dana-w",
    ]
    assert demo.cli("codeowners", "--check").returncode == 0
    demo.write(
        "policies/security.md",
        document("POL-002", '"A.1.1"', title="Security Policy").replace(
            "approver: Managing Director", "approver: IMS Manager"
        ),
    )
    stale = demo.cli("codeowners", "--check")
    assert stale.returncode == 1
    assert "-/policies/security.md @dana-w\n+/policies/security.md @ada-a\n" in stale.stdout
    gitlab = demo.cli("codeowners", "--forge", "gitlab")
    assert "/policies/security.md @ada" in (demo.root / ".gitlab/CODEOWNERS").read_text() and gitlab.returncode == 0


def test_a_role_without_a_handle_and_a_bad_handle_are_named_errors(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write(
        "requirements_map/people.yml",
        PEOPLE.replace("handles: {github: dana-w, gitlab: dana.whitfield}", "handles: {gitlab: dana.whitfield}"),
    )
    done = demo.cli("codeowners")
    assert done.returncode == 1
    assert (
        "ERROR: requirements_map/people.yml: no one holding 'Managing Director' has a github handle, so no one would "
        "be asked to approve policies/scope.md, policies/security.md, requirements_map." in done.stdout
    )
    demo.write("requirements_map/people.yml", PEOPLE.replace("github: dana-w", "github: 'dana w; rm -rf'"))
    assert (
        "requirements_map/people.yml:2: 'dana w; rm -rf' is not a valid github handle." in demo.cli("codeowners").stdout
    )


def test_a_file_name_is_escaped_in_codeowners(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("policies/odd name #1.md", document("POL-009", '"4.1"', title="Odd"))
    assert demo.cli("codeowners").returncode == 0
    assert "/policies/odd\\ name\\ \\#1.md @dana-w" in (demo.root / ".github/CODEOWNERS").read_text()


# -- the build stamp -------------------------------------------------------------------------------------


def test_every_page_and_the_ledger_say_what_they_were_built_from(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    head = repo.git("rev-parse", "HEAD").strip()
    built = demo.build()
    stamp = f"Built from commit {head[:10]} (working tree clean) on 2026-03-01 12:00 UTC by imsdocs "
    for page in ("index.html", "policies/scope/index.html", "compliance/register/index.html"):
        assert stamp in built.html(page), page
    ledger = json.loads(demo.cli("evidence").stdout)
    assert (ledger["build"]["commit"], ledger["build"]["clean"]) == (head, True)
    demo.write("policies/scope.md", scope(body="Edited."))
    assert "(with uncommitted changes)" in demo.build(strict=False).html("index.html")
    assert re.search(r"by imsdocs \d+\.\d+", built.html("index.html"))
