"""Document control on built pages: real git histories, real `mkdocs build` runs, exact warnings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    CONFIG,
    DANA,
    DemoProject,
    Repo,
    build_env,
    control_block,
    document,
    free_port,
    imported_ims,
    revision_rows,
    text,
    wait_for,
    warnings,
)
from imsdocs import HistoryReader, Settings, load_project


@pytest.fixture
def ims(demo: DemoProject) -> tuple[DemoProject, Repo]:
    """The demo IMS in a git repository, imported on 5 January 2026, built on 1 March 2026."""
    return imported_ims(demo)


def test_a_merged_pull_request_gives_version_date_authors_approver_and_a_link(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("mkdocs.yml", CONFIG.format(extra="      timezone: America/New_York\n      date_format: '%d %b %Y'\n"))
    repo.commit("Dates in New York", "2026-01-06T09:00:00+00:00")
    repo.merge_pull_request(
        "scope",
        "policies/scope.md",
        document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Our scope covers the Leeds office."),
        "Add the Leeds office",
        f"Merge pull request #7 from kestrel/scope\n\nAdd the Leeds office to the scope\n\nApproved-by: {DANA}",
        # Written in Tokyo on 1 March; merged at 03:30 UTC on 2 March, which is still 1 March in New York.
        ("2026-03-01T18:00:00+09:00", "2026-03-02T03:30:00+00:00"),
    )
    demo.today = "2026-03-05T12:00:00+00:00"
    built = demo.build()
    assert built.returncode == 0, built.output
    control = control_block(built, "policies/scope/index.html")
    assert control["Version"] == "2.0"
    assert control["Effective"] == "01 Mar 2026"
    assert control["Changed by"] == "Ada Author"
    assert control["Approved by"] == "Dana Whitfield, 01 Mar 2026"
    assert control["Reference"] == "#7"
    assert control["Next review"] == "01 Mar 2027"
    assert 'href="https://github.com/kestrel/ims/pull/7"' in built.html("policies/scope/index.html")
    rows = revision_rows(built, "policies/scope/index.html")
    assert rows[0] == [
        "2.0",
        "01 Mar 2026",
        "Add the Leeds office to the scope",
        "Ada Author",
        "Dana Whitfield",
        "#7",
        "unsigned",
    ]
    # The history before the approval baseline reads as one baseline version (its approval not recorded here).
    assert rows[1] == [
        "1.0",
        "05 Jan 2026",
        "Baseline: the approved document set as imported (1 imported change)",
        "imported",
        "not recorded (imported)",
        "baseline",
        "-",
    ]


def test_a_direct_commit_after_the_baseline_is_warned_and_fails_strict(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Quick fix."))
    repo.commit("Quick fix", "2026-02-10T09:00:00+00:00")
    commit = repo.git("rev-parse", "--short=10", "HEAD").strip()
    built = demo.build()
    assert built.returncode == 1
    assert warnings(built) == [
        f"policies/scope.md: version 2.0 ({commit}) has no recorded approver. "
        "Merge through a pull request whose merge commit carries an 'Approved-by:' trailer. [approval-missing]",
        f"policies/scope.md: version 2.0 ({commit}) reached the main branch without a pull request. "
        "Protect the main branch so that changes arrive through reviewed pull requests. [approval-no-pull-request]",
    ]
    assert control_block(built, "policies/scope/index.html")["Approved by"] == "not recorded"


def test_a_squash_merge_without_trailers_has_no_approver_but_its_pull_request(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Squashed."))
    repo.commit("Narrow the scope (#8)", "2026-02-10T09:00:00+00:00")
    commit = repo.git("rev-parse", "--short=10", "HEAD").strip()
    built = demo.build(strict=False)
    assert warnings(built) == [
        f"policies/scope.md: version 2.0 ({commit}) has no recorded approver. "
        "Merge through a pull request whose merge commit carries an 'Approved-by:' trailer. [approval-missing]"
    ]
    control = control_block(built, "policies/scope/index.html")
    # A squash subject names a pull request, but only a signature could prove one was merged.
    assert (control["Approved by"], control["Reference"]) == ("not recorded", "#8 (pull request claimed, not verified)")


def test_the_wrong_approver_and_self_approval_are_warned(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    message = "Merge pull request #9 from kestrel/own\n\nApproved-by: Ada Author <ada@kestrel.example>"
    text_ = document("POL-002", '"A.1.1"', title="Security Policy", body="Ada wrote and approved this.")
    repo.merge_pull_request(
        "own", "policies/security.md", text_, "Own change", message, ("2026-02-10T09:00:00+00:00",) * 2
    )
    built = demo.build(strict=False)
    merge = repo.git("rev-parse", "--short=10", "HEAD").strip()
    assert warnings(built) == [
        f"policies/security.md:6: version 2.0 ({merge}) was approved by Ada Author <ada@kestrel.example>, not by the "
        "document's approver 'Managing Director'. Have the approver approve it, or correct 'approver' or the people file. "
        "[approval-mismatch]",
        f"policies/security.md: version 2.0 ({merge}): an author of the change approved it. Have someone who did "
        "not write or co-author the change approve it. [approval-self]",
    ]


def test_a_rename_keeps_the_history_and_the_version(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("mv", "policies/scope.md", "policies/scope-statement.md")
    repo.commit("Rename the scope statement (#10)", "2026-02-10T09:00:00+00:00")
    built = demo.build(strict=False)
    assert control_block(built, "policies/scope-statement/index.html")["Version"] == "1.0"
    rows = revision_rows(built, "policies/scope-statement/index.html")
    assert [row[:3] for row in rows] == [
        ["1.0", "2026-02-10", "Rename the scope statement (#10) (moved from policies/scope.md)"],
        ["1.0", "2026-01-05", "Baseline: the approved document set as imported (1 imported change)"],
    ]


def test_a_rename_with_edits_is_a_new_version_of_the_same_document(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.git("mv", "policies/scope.md", "policies/ims scope é.md")
    demo.write(
        "policies/ims scope é.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Now with Leeds.")
    )
    message = f"Merge pull request #11 from kestrel/rename\n\nRename and extend the scope\n\nApproved-by: {DANA}"
    repo.git("checkout", "-q", "-b", "rename")
    repo.commit("Rename and extend", "2026-02-10T09:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "rename", "-m", message, date="2026-02-11T09:00:00+00:00")
    built = demo.build()
    assert built.returncode == 0, built.output
    page = "policies/ims scope é/index.html"
    assert control_block(built, page)["Version"] == "2.0"
    assert [row[0] for row in revision_rows(built, page)] == ["2.0", "1.0"]


def test_an_uncommitted_change_is_a_draft_page_and_a_build_warning(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Being edited."))
    built = demo.build()
    assert built.returncode == 1
    assert warnings(built) == [
        "policies/scope.md: POL-001 has uncommitted changes (modified): its page is marked DRAFT. "
        "Commit it on a branch and merge it through a pull request. [uncommitted-change]"
    ]
    html = built.html("policies/scope/index.html")
    assert "This page shows uncommitted changes. The approved text is version 1.0." in text(html)
    assert "POL-001 Scope Statement, DRAFT: uncontrolled when printed" in text(html)
    assert control_block(built, "policies/scope/index.html")["Version"] == "1.0 (a draft of the next version)"


def test_an_uncommitted_change_is_only_information_while_serving(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Being edited."))
    settings = Settings(root=demo.root, standards=("demo:2024",))
    built = [d for d in load_project(settings).diagnostics if d.code == "uncommitted-change"]
    served = [d for d in load_project(settings, serving=True).diagnostics if d.code == "uncommitted-change"]
    assert [d.severity.value for d in built] == ["warning"]
    assert [d.severity.value for d in served] == ["info"]


def test_an_untracked_document_is_a_draft_with_no_version(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("procedures/new.md", document("PRO-001", '"4.1"', title="New Procedure"))
    built = demo.build()
    assert warnings(built) == [
        "procedures/new.md: PRO-001 is not committed yet: its page is marked DRAFT. "
        "Commit it on a branch and merge it through a pull request. [uncommitted-change]"
    ]
    assert control_block(built, "procedures/new/index.html")["Version"] == "none accepted yet"
    assert "a document that is not committed yet" in text(built.html("procedures/new/index.html"))


def test_a_change_on_a_branch_is_proposed_and_does_not_fail_the_pull_requests_build(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "proposal")
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Proposed."))
    repo.commit("Propose a wider scope", "2026-02-10T09:00:00+00:00")
    built = demo.build()
    assert built.returncode == 0, built.output
    assert (
        "INFO    -  imsdocs: policies/scope.md: POL-001 is changed on this branch and not yet on 'main'" in built.output
    )
    assert "This page shows changes made on a branch that are not yet accepted" in text(
        built.html("policies/scope/index.html")
    )
    assert control_block(built, "policies/scope/index.html")["Version"] == "1.0 (a draft of the next version)"


def test_a_shallow_clone_is_a_warning_that_says_how_to_fix_it(ims: tuple[DemoProject, Repo], tmp_path: Path) -> None:
    demo, repo = ims
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Direct."))
    repo.commit("A direct commit after the baseline", "2026-02-10T09:00:00+00:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{ims[0].root}", str(clone)], check=True)
    built = DemoProject(clone, today=ims[0].today).build()
    assert built.returncode == 1
    assert warnings(built) == [
        "the git clone is shallow: versions, effective dates and revision histories start at the clone's first "
        "commit and are wrong. Fetch the full history: 'git fetch --unshallow' (in GitHub Actions, 'fetch-depth: 0' "
        "on actions/checkout; in GitLab CI, 'GIT_DEPTH: 0'). [history-shallow]"
    ]  # and no approval warnings: in a shallow clone every document seems added by its first commit


def test_a_ci_checkout_without_a_local_main_branch_reads_origin_main(
    ims: tuple[DemoProject, Repo], tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"file://{ims[0].root}", str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "--detach"], cwd=clone, check=True)
    subprocess.run(["git", "branch", "-q", "-D", "main"], cwd=clone, check=True)
    built = DemoProject(clone, today=ims[0].today).build()
    assert built.returncode == 0, built.output
    assert control_block(built, "policies/scope/index.html")["Version"] == "1.0"


def test_a_folder_outside_git_builds_with_no_history_and_a_warning(demo: DemoProject) -> None:
    demo.write("mkdocs.yml", CONFIG.format(extra=""))
    built = demo.build(strict=False)
    assert built.returncode == 0
    assert warnings(built) == [
        f"no document history: {demo.root} is not in a git repository. Pages show 'no history' instead of versions "
        "and approvals. Build from a git clone of the repository (with its full history). [history-unavailable]"
    ]
    assert control_block(built, "policies/scope/index.html")["Version"] == "no history"
    assert demo.build().returncode == 1


def test_missing_git_objects_are_a_clear_message_not_a_traceback(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    tree = repo.git("rev-parse", "HEAD:policies").strip()
    (demo.root / ".git/objects" / tree[:2] / tree[2:]).unlink()
    built = demo.build(strict=False)
    assert "Traceback" not in built.output
    assert warnings(built) == [
        f"no document history: git failed (128): fatal: unable to read tree {tree}. Pages show 'no history' instead "
        "of versions and approvals. Build from a git clone of the repository (with its full history). "
        "[history-unavailable]"
    ]
    commit = repo.git("rev-parse", "HEAD").strip()
    (demo.root / ".git/objects" / commit[:2] / commit[2:]).unlink()
    assert "no document history: git failed (128): fatal: bad object HEAD." in demo.build(strict=False).output


def test_a_new_repository_shows_its_documents_as_drafts(demo: DemoProject) -> None:
    demo.write("mkdocs.yml", CONFIG.format(extra=""))
    Repo(demo.root)
    built = demo.build(strict=False)
    # The two documents, and the SoA: the applicability file that controls it is not committed either.
    assert len(warnings(built)) == 3 and all("is not committed yet" in w for w in warnings(built))
    assert control_block(built, "policies/scope/index.html")["Version"] == "none accepted yet"


def test_an_overdue_review_is_a_warning_until_reviewed_or_lowered(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("docs/index.md", "# Home\n\n<!-- imsdocs:attention -->\n")
    repo.commit("Home page lists what needs attention (#14)", "2026-01-06T09:00:00+00:00")
    demo.today = "2027-01-06T12:00:00+00:00"
    built = demo.build()
    assert built.returncode == 1
    assert warnings(built)[0] == (
        "policies/scope.md:8: POL-001 was due for review on 2027-01-05 (every 12 months). Review it: merge the "
        "changes it needs, or record a review that changed nothing with 'last_reviewed: 2027-01-06'. [review-overdue]"
    )
    home = text(built.html("index.html"))
    assert "Reviews overdue Document Owner Review was due POL-001 Scope Statement IMS Manager 2027-01-05" in home
    register = text(built.html("compliance/register/index.html"))
    assert "2027-01-05 (overdue)" in register
    demo.write("mkdocs.yml", CONFIG.format(extra="      checks: {review-overdue: info}\n"))
    assert demo.build().returncode == 0


def test_last_reviewed_moves_the_next_review(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    reviewed = document("POL-001", '"4.1", "4.2"', title="Scope Statement").replace(
        "review_interval: 12 months", "review_interval: 12 months\nlast_reviewed: 2026-02-20"
    )
    message = f"Merge pull request #12 from kestrel/review\n\nRecord the annual review\n\nChange-type: editorial\nApproved-by: {DANA}"
    repo.merge_pull_request(
        "review", "policies/scope.md", reviewed, "Review", message, ("2026-02-20T09:00:00+00:00",) * 2
    )
    built = demo.build()
    assert built.returncode == 0, built.output
    control = control_block(built, "policies/scope/index.html")
    assert (control["Version"], control["Last reviewed"], control["Next review"]) == ("1.1", "2026-02-20", "2027-02-20")


def test_history_is_read_once_until_head_moves(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    reader = HistoryReader()
    settings = Settings(root=demo.root, standards=("demo:2024",))
    load_project(settings, reader=reader)
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Edited."))
    edited = load_project(settings, reader=reader)
    assert reader.passes == 1  # the edit is seen (below) without reading the history again
    assert edited.controls["POL-001"].working_tree == "modified"
    repo.commit("Commit the edit (#13)", "2026-02-10T09:00:00+00:00")
    committed = load_project(settings, reader=reader)
    assert reader.passes == 2
    assert committed.controls["POL-001"].current is not None and committed.controls["POL-001"].current.version == "2.0"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "timezone: Europe/Lodnon",
            "mkdocs.yml: option 'timezone': unknown time zone 'Europe/Lodnon'. Did you mean 'Europe/London'",
        ),
        (
            "checks: {review-overdu: info}",
            "mkdocs.yml: option 'checks': unknown warning code 'review-overdu'. Did you mean 'review-overdue'?",
        ),
        (
            "approval_baseline: no-such-tag",
            "mkdocs.yml: approval_baseline: 'no-such-tag' is no commit of this repository.",
        ),
    ],
)
def test_bad_document_control_options_are_errors_that_name_the_option(
    ims: tuple[DemoProject, Repo], option: str, message: str
) -> None:
    demo, _ = ims
    demo.write(
        "mkdocs.yml",
        CONFIG.format(extra=f"      {option}\n").replace("      approval_baseline: 2026-01-31\n", "")
        if "baseline" in option
        else CONFIG.format(extra=f"      {option}\n"),
    )
    built = demo.build(strict=False)
    assert built.returncode == 1
    assert f"ERROR   -  imsdocs: {message}" in built.output


def test_git_not_installed_is_a_clear_message(ims: tuple[DemoProject, Repo], monkeypatch: pytest.MonkeyPatch) -> None:
    demo, _ = ims
    empty = demo.root / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(empty / "git"))
    monkeypatch.setenv("GIT_PYTHON_REFRESH", "quiet")
    built = demo.build(strict=False)
    assert "Traceback" not in built.output
    assert "no document history: the git command is not installed." in built.output


def test_the_check_command_reports_versions_and_reviews(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.today = "2026-12-10T12:00:00+00:00"  # within 30 days of the reviews due on 5 January 2027
    report = json.loads(demo.check("--format", "json").stdout)
    scope = next(row for row in report["document_control"] if row["id"] == "POL-001")
    assert (scope["version"], scope["next_review"], scope["review"], scope["draft"]) == (
        "1.0",
        "2027-01-05",
        "due",
        False,
    )
    assert "Reviews: 0 overdue, 2 due within 30 days, 0 on schedule" in demo.check().stdout


def test_mkdocs_serve_shows_an_edit_as_draft_then_its_approval_reading_git_only_when_head_moves(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, repo = ims
    port = free_port()
    log = demo.root.parent / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--verbose", "-a", f"127.0.0.1:{port}"],
            cwd=demo.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=build_env(demo.today or ""),
        )
    try:
        page = f"http://127.0.0.1:{port}/policies/scope/"
        assert "DRAFT" not in wait_for(page, lambda html: "POL-001" in html)
        edited = document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Editing.")
        demo.write("policies/scope.md", edited)
        assert "uncommitted changes" in wait_for(page, lambda html: "DRAFT" in html)
        # The control block kept from the last rebuild must not outlive the change it shows.
        repo.merge_pull_request(
            "scope",
            "policies/scope.md",
            edited,
            "Edit the scope",
            f"Merge pull request #8 from kestrel/scope\n\nEdit the scope\n\nApproved-by: {DANA}",
            ("2026-02-10T10:00:00+00:00", "2026-02-10T11:00:00+00:00"),
        )
        approved = wait_for(page, lambda html: "DRAFT" not in html)
        assert '<th scope="row">Version</th><td>2.0</td>' in approved
        assert "Dana Whitfield, " in approved
    finally:
        server.terminate()
        server.wait(timeout=10)
    output = log.read_text(encoding="utf-8")
    assert "INFO    -  imsdocs: policies/scope.md: POL-001 has uncommitted changes (modified)" in output
    assert "WARNING" not in output
    assert output.count("git history read (main)") == 2 and "git history reused (main)" in output
