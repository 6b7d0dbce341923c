"""One `git log` pass over real repositories with fixed dates, offsets, merges, renames and trailers."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest

from conftest import Repo
from imsdocs import (
    Baseline,
    ControlPolicy,
    Document,
    DocumentStatus,
    HistoryError,
    HistoryReader,
    Person,
    ReviewInterval,
    approval_checks,
    control_for,
    pull_request_number,
    read_history,
    review_state,
    versions,
)

BODY = "".join(f"Rule {n}: staff follow the access rules of section {n}.\n" for n in range(1, 21))


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "ims")
    r.write("policies/access.md", "v1\n" + BODY)
    r.write("policies/Politique d'accès é.md", "v1\n")
    r.write("notes.txt", "not a document\n")
    r.commit("Import the IMS", "2026-01-05T09:00:00+01:00")
    # A pull request merged with a merge commit and trailers.
    r.git("checkout", "-q", "-b", "feature")
    r.write("policies/access.md", "v2\n" + BODY)
    r.commit("Tighten MFA rule", "2026-02-01T10:00:00-05:00", author_date="2026-01-30T08:00:00+09:00")
    r.git("checkout", "-q", "main")
    r.git(
        "merge",
        "-q",
        "--no-ff",
        "feature",
        "-m",
        "Merge pull request #12 from kestrel/mfa\n\nApproved-by: Managing Director <md@kestrel.example>\n"
        "Reviewed-by: IMS Manager <ims@kestrel.example>",
        date="2026-02-03T16:30:00+00:00",
    )
    # A squash merge without trailers, then a rename with no edit, then a rename with edits.
    r.write("policies/access.md", "v3\n" + BODY)
    r.commit("Clarify break-glass accounts (#13)", "2026-03-01T12:00:00+02:00")
    r.git("mv", "policies/access.md", "policies/access-control.md")
    r.commit("Rename access policy", "2026-03-02T12:00:00+02:00")
    r.git("mv", "policies/access-control.md", "policies/access-control-policy.md")
    r.write("policies/access-control-policy.md", "v3\n" + BODY + "A new closing rule.\n")
    r.commit("Rename and extend", "2026-03-03T12:00:00+02:00")
    return r


def test_one_pass_finds_every_accepted_change_of_a_renamed_document(repo: Repo) -> None:
    history = read_history(repo.root, ["policies"])
    changes = history.of("policies/access-control-policy.md")
    assert [c.commit.subject for c in changes] == [
        "Import the IMS",
        "Merge pull request #12 from kestrel/mfa",
        "Clarify break-glass accounts (#13)",
        "Rename access policy",
        "Rename and extend",
    ]
    assert [c.path for c in changes][-3:] == [
        "policies/access.md",
        "policies/access-control.md",
        "policies/access-control-policy.md",
    ]
    assert "policies/access.md" not in history.changes and "notes.txt" not in history.changes


def test_merge_carries_approvers_reviewers_pr_and_the_committer_date(repo: Repo) -> None:
    merge = read_history(repo.root, ["policies"]).of("policies/access-control-policy.md")[1]
    commit = merge.commit
    assert commit.is_merge and commit.pull_request == "#12"
    assert commit.approvers == ("Managing Director <md@kestrel.example>",)
    assert commit.reviewers == ("IMS Manager <ims@kestrel.example>",)
    assert commit.committed_at == 1770136200  # 2026-02-03 16:30 UTC: when it reached main
    assert commit.committer_offset_minutes == 0


def test_squash_merge_has_a_pr_number_but_no_approval_evidence(repo: Repo) -> None:
    squash = read_history(repo.root, ["policies"]).of("policies/access-control-policy.md")[2]
    commit = squash.commit
    assert not commit.is_merge and commit.pull_request == "#13" and commit.approvers == ()
    assert commit.pull_request_claimed  # a subject line proves nothing
    assert commit.committer_offset_minutes == 120


def test_delete_and_restore_continues_the_same_history(repo: Repo) -> None:
    repo.git("rm", "-q", "policies/Politique d'accès é.md")
    repo.commit("Retire the French policy", "2026-04-01T09:00:00+01:00")
    repo.write("policies/Politique d'accès é.md", "restored\n")
    repo.commit("Restore the French policy", "2026-04-02T09:00:00+01:00")
    changes = read_history(repo.root, ["policies"]).of("policies/Politique d'accès é.md")
    assert [c.commit.subject for c in changes] == ["Import the IMS", "Restore the French policy"]


def test_a_document_moved_into_the_folders_starts_its_history_and_one_moved_out_ends_it(repo: Repo) -> None:
    repo.write("drafts/supplier.md", "Supplier rules\n" + BODY)
    repo.commit("Draft the supplier policy outside the IMS", "2026-04-01T09:00:00+01:00")
    repo.git("mv", "drafts/supplier.md", "policies/supplier.md")
    repo.commit("Adopt the supplier policy", "2026-04-02T09:00:00+01:00")
    (repo.root / "archive").mkdir()
    repo.git("mv", "policies/access-control-policy.md", "archive/access-control-policy.md")
    repo.commit("Archive the access policy", "2026-04-03T09:00:00+01:00")
    history = read_history(repo.root, ["policies"])
    adopted = history.of("policies/supplier.md")
    assert [(c.commit.subject, c.renamed_only) for c in adopted] == [("Adopt the supplier policy", False)]
    assert sorted(history.changes) == ["policies/Politique d'accès é.md", "policies/supplier.md"]


def test_a_long_history_read_by_several_git_processes_equals_one_pass(
    repo: Repo,
) -> None:
    current = "policies/access-control-policy.md"
    for n in range(1, 25):
        repo.write(f"policies/p{n % 5}.md", f"version {n}\n" + BODY)
        if n % 6 == 0:  # renames that straddle the points where the history is split
            repo.git("mv", current, f"policies/access-{n}.md")
            current = f"policies/access-{n}.md"
            repo.write(current, f"renamed at {n}\n" + BODY)
        repo.commit(f"Change {n} (#{100 + n})", f"2026-05-{n:02d}T09:00:00+02:00")
    one_pass = HistoryReader(processes=1).read(repo.root, ["policies"])
    reader = HistoryReader(processes=3, stretch_min_commits=2)
    in_stretches = reader.read(repo.root, ["policies"])
    assert in_stretches.changes == one_pass.changes
    renamed = in_stretches.of("policies/access-24.md")
    assert [c.commit.subject for c in renamed][:2] == ["Import the IMS", "Merge pull request #12 from kestrel/mfa"]
    assert [c.path for c in renamed][-4:] == [f"policies/access-{n}.md" for n in (6, 12, 18, 24)]


def test_shallow_clone_is_detected(repo: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True)
    history = read_history(clone, ["policies"])
    assert history.shallow
    assert len(history.of("policies/access-control-policy.md")) == 1  # what a shallow clone wrongly suggests
    assert not read_history(repo.root, ["policies"]).shallow


def test_a_folder_outside_git_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    with pytest.raises(HistoryError, match="is not in a git repository"):
        read_history(tmp_path, ["policies"])


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("Merge pull request #481 from kestrel/fix", "#481"),
        ("Update backup policy (#77)", "#77"),
        ("Merge branch 'x' into 'main'\n", None),
        ("Merged in feature/x (pull request #9)", "#9"),
    ],
)
def test_pull_request_numbers_from_forge_subjects(subject: str, number: str | None) -> None:
    assert pull_request_number(subject) == number


def test_a_merge_like_subject_on_a_commit_that_is_no_merge_names_no_pull_request() -> None:
    assert pull_request_number("Merge pull request #77 from x/y", is_merge=False) is None
    assert pull_request_number("Merged in x (pull request #9)", is_merge=False) is None
    assert pull_request_number("Update backup policy (#77)", is_merge=False) == "#77"  # a squash claim


def test_gitlab_merge_request_number_comes_from_the_body() -> None:
    assert (
        pull_request_number("Merge branch 'mfa' into 'main'", "Tighten MFA\n\nSee merge request kestrel/ims!42")
        == "!42"
    )


def test_gitlab_merge_commit_pr_number_is_read_from_the_body_in_the_pass(repo: Repo) -> None:
    message = "Merge branch 'gitlab' into 'main'\n\nReword rule 1\n\nSee merge request kestrel/ims!42"
    dates = ("2026-05-01T09:00:00+01:00", "2026-05-02T09:00:00+01:00")
    repo.merge_pull_request(
        "gitlab", "policies/access-control-policy.md", "v4\n" + BODY, "Reword rule 1", message, dates
    )
    latest = read_history(repo.root, ["policies"]).of("policies/access-control-policy.md")[-1]
    assert latest.commit.is_merge and latest.commit.pull_request == "!42"


# Document control derived from the pass: versions, approvals, review dates.

UTC = datetime.UTC
PEOPLE = [
    Person("Dana Whitfield", "md@kestrel.example", ("Managing Director",)),
    Person("Ada Author", "ada@kestrel.example", ("IMS Manager",)),
]


def policy(
    approver: str = "Managing Director", last_reviewed: datetime.date | None = None, every: str = "12 months"
) -> Document:
    amount, unit = every.split()
    return Document(
        id="POL-021",
        title="Access Control Policy",
        type="policy",
        owner="Information Security Manager",
        approver=approver,
        status=DocumentStatus.APPROVED,
        review_interval=ReviewInterval(int(amount), unit.rstrip("s")),
        classification="internal",
        claims=[],
        path="policies/access-control-policy.md",
        src_uri="policies/access-control-policy.md",
        lines={"approver": 6},
        last_reviewed=last_reviewed,
    )


def test_versions_count_accepted_changes_and_a_pure_rename_keeps_the_version(repo: Repo) -> None:
    repo.write("policies/access-control-policy.md", "v3\n" + BODY + "A new closing rule, reworded.\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Fix a typo\n\nChange-type: editorial", date="2026-03-04T12:00:00+02:00")
    changes = read_history(repo.root, ["policies"]).of("policies/access-control-policy.md")
    assert [r.version for r in versions(changes)] == ["1.0", "2.0", "3.0", "3.0", "4.0", "4.1"]


def test_approval_evidence_is_checked_from_the_baseline_on(repo: Repo) -> None:
    changes = read_history(repo.root, ["policies"]).of("policies/access-control-policy.md")
    baseline = Baseline(changes[1].commit.sequence, collapse=False)  # the import stays "imported"
    revisions = versions(changes, baseline)
    assert revisions[0].imported and not revisions[1].imported
    assert approval_checks(policy(), revisions[0], PEOPLE) == []
    assert approval_checks(policy(), revisions[1], PEOPLE) == []  # merged PR approved by the Managing Director
    squash = [p.code for p in approval_checks(policy(), revisions[2], PEOPLE)]
    assert squash == ["approval-missing"]  # a PR number, but nothing in git says who approved it
    direct = [p.render() for p in approval_checks(policy(), revisions[4], PEOPLE)]
    assert direct[0].startswith(
        f"policies/access-control-policy.md: version 4.0 ({changes[4].commit.sha[:10]}) has no recorded approver."
    )
    assert "reached the main branch without a pull request" in direct[1]


def test_the_wrong_approver_and_self_approval_are_warned(repo: Repo) -> None:
    merge = versions(read_history(repo.root, ["policies"]).of("policies/access-control-policy.md"))[1]
    mismatch = approval_checks(policy(approver="Head of People"), merge, PEOPLE)
    assert [p.code for p in mismatch] == ["approval-mismatch"]
    assert "not by the document's approver 'Head of People'" in mismatch[0].message and mismatch[0].line == 6
    message = "Merge pull request #20 from kestrel/own\n\nApproved-by: Ada Author <ada@kestrel.example>"
    dates = ("2026-06-01T09:00:00+01:00", "2026-06-02T09:00:00+01:00")
    repo.merge_pull_request("own", "policies/access-control-policy.md", "v5\n" + BODY, "Loosen rule 2", message, dates)
    own = versions(read_history(repo.root, ["policies"]).of("policies/access-control-policy.md"))[-1]
    ada_is_director = [Person("Ada Author", "ada@kestrel.example", ("Managing Director",))]
    assert [p.code for p in approval_checks(policy(), own, ada_is_director)] == ["approval-self"]


def test_next_review_is_the_later_of_change_and_review_plus_the_interval(repo: Repo) -> None:
    changes = read_history(repo.root, ["policies"]).of("policies/access-control-policy.md")
    rules = ControlPolicy(UTC, datetime.date(2026, 3, 1))
    control, _ = control_for(policy(every="1 months"), changes[:1], PEOPLE, rules)
    assert control.current is not None and control.current.version == "1.0"
    assert control.next_review == datetime.date(2026, 2, 5)  # 2026-01-05 09:00+01:00 is 08:00 UTC
    reviewed = policy(every="1 months", last_reviewed=datetime.date(2026, 1, 31))
    control, _ = control_for(reviewed, changes[:1], PEOPLE, rules)
    assert control.next_review == datetime.date(2026, 2, 28)  # month ends clamp, never fail
    assert review_state(control, datetime.date(2026, 3, 1), 30) == "overdue"
    assert review_state(control, datetime.date(2026, 2, 1), 30) == "due"
    assert review_state(control, datetime.date(2026, 1, 1), 30) == "ok"
