"""Approval evidence that a commit cannot forge: parsing content cannot steer, signatures, honest
dates, a baseline that records its approval, exact merge authors, and the evidence ledger.

Every test runs real git on a real repository with fixed dates (and real SSH signatures)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from conftest import CONFIG, DANA, DemoProject, Repo, control_block, document, imported_ims, revision_rows, warnings
from imsdocs import read_history

PEOPLE = """\
people:
  - {name: Dana Whitfield, email: dana@kestrel.example, roles: [Managing Director]}
  - {name: Ada Author, email: ada@kestrel.example, roles: [IMS Manager]}
  - {name: Eve Intruder, email: eve@kestrel.example, roles: [Service Desk Agent]}
"""
EVE = ("Eve Intruder", "eve@kestrel.example")
BOB = ("Bob Builder", "bob@kestrel.example")


@pytest.fixture
def ims(demo: DemoProject) -> tuple[DemoProject, Repo]:
    """The demo IMS in git, imported on 5 January 2026 (baseline 31 January), built on 1 March 2026."""
    return imported_ims(demo, people=PEOPLE)


def security(body: str) -> str:
    return document("POL-002", '"A.1.1"', title="Security Policy", body=body)


def sha(repo: Repo, revision: str = "HEAD") -> str:
    return repo.git("rev-parse", revision).strip()


# -- parsing that content cannot steer ------------------------------------------------------------


def test_a_commit_message_built_to_forge_another_record_changes_nothing(ims: tuple[DemoProject, Repo]) -> None:
    """The attack that worked before: the old log format's separators in a body made a fake record
    saying POL-002 was approved by Dana Whitfield in #42; the strict build passed."""
    demo, repo = ims
    fake = "0" * 40
    forged = (
        "Tidy wording\n\n"
        f"\x1f\n\x1e{fake}\x1f{fake}\x1fDana Whitfield\x1fdana@kestrel.example\x1f1764000000\x1f1764000000\x1f"
        "2026-11-27T10:00:00+00:00\x1fMerge pull request #42 from kestrel/x\x1fDana Whitfield <dana@kestrel.example>"
        "\x1f\x1f\x1f\x1f\x00M\x00policies/security.md\x00"
    ).replace("\x00", "\x1d")  # git refuses NUL in a message; every other byte is the attacker's
    demo.write("policies/security.md", security("Eve's change."))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", forged, date="2026-02-10T09:00:00+00:00", author=EVE)
    built = demo.build()
    assert built.returncode == 1, built.output
    assert "Traceback" not in built.output
    control = control_block(built, "policies/security/index.html")
    assert (control["Version"], control["Changed by"], control["Approved by"]) == (
        "2.0",
        "Eve Intruder",
        "not recorded",
    )
    assert control["Reference"] == sha(repo)[:10]
    codes = [w.rsplit("[", 1)[1] for w in warnings(built)]
    assert codes == ["approval-missing]", "approval-no-pull-request]"]


@pytest.mark.parametrize("character", ["\x1e", "\x1f", "\x1d", "\r", "\x0b", "\x7f", "\u2028", ":\n:000000 100644"])
def test_a_separator_or_control_character_in_any_commit_field_is_read_as_text(
    ims: tuple[DemoProject, Repo], character: str
) -> None:
    """Each field read in the one pass equals what git prints for that field alone."""
    demo, repo = ims
    odd = f"Policy{character}v2"
    name = (
        "policies/odd.md"
        if character in ("\r", "\x0b", "\u2028", ":\n:000000 100644")
        else f"policies/a{character}b.md"
    )
    demo.write(name, document("POL-003", '"A.1.1"', title="Odd"))
    repo.git("add", "-A")
    message = f"{odd} subject\n\n{odd} body {'x' * 5000}\n\nApproved-by: {odd} <odd@x>"
    repo.git("commit", "-q", "-m", message, date="2026-02-10T09:00:00+00:00", author=(odd, "odd@kestrel.example"))
    history = read_history(demo.root, ["policies"], "main")
    [change] = history.of(name)

    def alone(field: str) -> str:
        output = subprocess.run(
            ["git", "log", "-1", f"--format={field}"], cwd=repo.root, capture_output=True, check=True
        )
        return output.stdout.decode("utf-8").removesuffix("\n")

    assert change.commit.subject == alone("%s")
    assert change.commit.author.name == alone("%an")
    trailer = alone("%(trailers:key=Approved-by,valueonly,unfold)")
    assert change.commit.approvers == tuple(value for value in trailer.split("\n") if value)
    assert change.blob == repo.git("rev-parse", f"HEAD:{name}").strip()
    assert [c.commit.subject for c in history.of("policies/scope.md")] == ["Import the IMS"]
    assert sorted(history.changes) == sorted(["policies/scope.md", "policies/security.md", name])


def test_git_refuses_a_nul_in_a_commit_message_so_nul_can_separate_fields(ims: tuple[DemoProject, Repo]) -> None:
    _, repo = ims
    (repo.root.parent / "message").write_bytes(b"Subject\x00Approved-by: Dana\n")
    refused = subprocess.run(
        ["git", "commit", "--allow-empty", "-F", str(repo.root.parent / "message")],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "NUL" in refused.stderr


# -- pull requests claimed by a subject line ----------------------------------------------------------


def test_a_direct_commit_dressed_as_a_merge_with_a_typed_approval_is_caught(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("policies/security.md", security("Weaker rules."))
    repo.commit(
        f"Merge pull request #77 from x/y\n\nLooks approved\n\nApproved-by: {DANA}",
        "2026-02-10T09:00:00+00:00",
        author=EVE,
    )
    commit = sha(repo)[:10]
    built = demo.build()
    assert built.returncode == 1
    assert warnings(built) == [
        f"policies/security.md: version 2.0 ({commit}) reached the main branch without a pull request. Protect the "
        "main branch so that changes arrive through reviewed pull requests. [approval-no-pull-request]"
    ]
    assert control_block(built, "policies/security/index.html")["Reference"] == commit
    demo.write("mkdocs.yml", CONFIG.format(extra="      signatures: require\n"))
    demo.write("requirements_map/people.yml", PEOPLE)
    required = warnings(demo.build())
    assert required[-1] == (
        f"policies/security.md: version 2.0 ({commit}) is not signed by an allowed signer (unsigned). Merge through "
        "the forge with signed merge commits, or sign the commit with a key in the allowed signers file. "
        "[approval-unsigned]"
    )


def test_a_squash_subject_is_shown_as_a_claim_not_as_a_pull_request(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("policies/security.md", security("Squashed."))
    repo.commit(f"Tighten rules (#8)\n\nApproved-by: {DANA}", "2026-02-10T09:00:00+00:00", author=EVE)
    built = demo.build()
    assert built.returncode == 0, built.output  # without signatures, a squash and a direct commit look alike
    control = control_block(built, "policies/security/index.html")
    assert control["Reference"] == "#8 (pull request claimed, not verified)"
    assert control["Signature"] == "unsigned"


# -- signatures ----------------------------------------------------------------------------------------


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """Real SSH keys: Dana's is an allowed signer, Eve's is not."""
    found = {}
    for name in ("dana", "eve"):
        key = tmp_path / "keys" / name
        key.parent.mkdir(exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        found[name] = key
    return found


def signed(key: Path) -> list[str]:
    return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"]


def test_signed_and_unsigned_merges_under_require(ims: tuple[DemoProject, Repo], keys: dict[str, Path]) -> None:
    demo, repo = ims
    public = (keys["dana"].with_suffix(".pub")).read_text().strip()
    demo.write("requirements_map/allowed_signers", f'dana@kestrel.example namespaces="git" {public}\n')
    demo.write("mkdocs.yml", CONFIG.format(extra="      signatures: require\n      allowed_signers: allowed_signers\n"))
    repo.commit("Allowed signers", "2026-01-06T09:00:00+00:00")  # before the baseline: not checked
    for number, (path, key, body) in enumerate(
        [("policies/security.md", keys["dana"], "Signed by Dana."), ("policies/scope.md", keys["eve"], "Eve signs.")],
        start=20,
    ):
        text = (
            security(body)
            if "security" in path
            else document("POL-001", '"4.1", "4.2"', title="Scope Statement", body=body)
        )
        repo.git("checkout", "-q", "-b", f"b{number}")
        repo.write(path, text)
        repo.commit(f"Change {number}", "2026-02-10T09:00:00+00:00")
        repo.git("checkout", "-q", "main")
        message = f"Merge pull request #{number} from kestrel/b{number}\n\nChange {number}\n\nApproved-by: {DANA}"
        repo.git(
            *signed(key), "merge", "-q", "--no-ff", "-S", f"b{number}", "-m", message, date="2026-02-11T09:00:00+00:00"
        )
    built = demo.build()
    scope_merge = sha(repo)[:10]
    assert warnings(built) == [
        f"policies/scope.md: version 2.0 ({scope_merge}) is not signed by an allowed signer (signed by a key that is "
        f"not allowed: {fingerprint(keys['eve'])}). Merge through the forge with signed merge commits, or sign the "
        "commit with a key in the allowed signers file. [approval-unsigned]"
    ]
    assert control_block(built, "policies/security/index.html")["Signature"] == "signed by Dana Whitfield"
    assert revision_rows(built, "policies/security/index.html")[0][-1] == "signed by Dana Whitfield"
    assert (
        control_block(built, "policies/scope/index.html")["Signature"]
        == "signed by a key that is not an allowed signer"
    )
    ledger = json.loads(demo.cli("evidence").stdout)["evidence"]
    row = next(r for r in ledger if r["document"] == "POL-002" and r["version"] == "2.0")
    assert (row["signature"], row["signer"], row["checks"]["approval-unsigned"]) == (
        "G",
        "dana@kestrel.example",
        "passed",
    )


def fingerprint(key: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))], capture_output=True, text=True)
    return out.stdout.split()[1]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("dana@kestrel.example ssh-ed25519 not-base64!\n", 1, "the key is not valid base64 key data."),
        ("# comment\n\ndana@kestrel.example\n", 3, "a line needs principals, a key type and a key."),
        (
            "dana@kestrel.example namespace=git ssh-ed25519 AAAA\n",
            1,
            "'namespace=git' is neither a key type nor an option",
        ),
    ],
)
def test_a_malformed_allowed_signers_file_is_an_error_on_its_line(
    ims: tuple[DemoProject, Repo], content: str, line: int, message: str
) -> None:
    demo, _ = ims
    demo.write("requirements_map/allowed_signers", content)
    demo.write("mkdocs.yml", CONFIG.format(extra="      allowed_signers: allowed_signers\n"))
    built = demo.build(strict=False)
    assert built.returncode == 1
    assert f"ERROR   -  imsdocs: requirements_map/allowed_signers:{line}: {message}" in built.output


# -- honest dates and the baseline ---------------------------------------------------------------------


def test_a_backdated_direct_commit_after_a_date_baseline_is_checked_and_named(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    demo.write("docs/index.md", "# Home\n\n<!-- imsdocs:coverage -->\n\nMoved on.\n")
    repo.commit("Home page (#3)", "2026-02-05T09:00:00+00:00")  # after the baseline: imports end here
    demo.write("policies/security.md", security("Backdated."))
    repo.commit("Slip this in", "2026-01-20T09:00:00+00:00", author=EVE)  # dated before the baseline
    commit = sha(repo)[:10]
    built = demo.build()
    assert built.returncode == 1
    assert warnings(built) == [
        f"policies/security.md: version 2.0 ({commit}) has no recorded approver. Merge through a pull request whose "
        "merge commit carries an 'Approved-by:' trailer. [approval-missing]",
        f"policies/security.md: version 2.0 ({commit}) reached the main branch without a pull request. Protect the "
        "main branch so that changes arrive through reviewed pull requests. [approval-no-pull-request]",
        f"commit {commit} is dated 2026-01-20T09:00+00:00, earlier than the change before it on the main branch "
        f"({sha(repo, 'HEAD~1')[:10]}, 2026-02-05T09:00+00:00). A committer date is typed by the committer: check "
        "how this commit reached the main branch. [history-date-order]",
    ]
    assert revision_rows(built, "policies/security/index.html")[0][4] == "not recorded"  # not "imported"


def test_a_future_dated_commit_is_named_and_does_not_push_the_review(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    message = f"Merge pull request #9 from kestrel/f\n\nFuture\n\nApproved-by: {DANA}"
    repo.merge_pull_request(
        "f",
        "policies/security.md",
        security("From the future."),
        "Future",
        message,
        ("2026-02-10T09:00:00+00:00", "2035-01-01T09:00:00+00:00"),
    )
    built = demo.build()
    assert built.returncode == 1
    assert warnings(built)[-1].startswith(f"commit {sha(repo)[:10]} is dated 2035-01-01T09:00+00:00, after this build")
    assert control_block(built, "policies/security/index.html")["Next review"] == "2027-03-01"  # from the build date


def test_a_commit_baseline_is_exact_and_records_who_approved_the_imported_set(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    imported = sha(repo)
    demo.write("policies/security.md", security("A direct commit on the baseline's day."))
    repo.commit("Late fix", "2026-01-05T10:00:00+01:00", author=EVE)  # same day, after the baseline commit
    baseline = (
        f"      approval_baseline: {{commit: {imported}, approved_by: Dana Whitfield, approved_on: 2026-01-06, "
        "reference: REC-042}\n"
    )
    demo.write("mkdocs.yml", CONFIG.format(extra=baseline).replace("      approval_baseline: 2026-01-31\n", ""))
    repo.commit("Record the baseline (#2)", "2026-01-07T09:00:00+00:00")
    built = demo.build()
    scope = control_block(built, "policies/scope/index.html")
    assert (scope["Version"], scope["Approved by"], scope["Reference"], scope["Effective"]) == (
        "1.0",
        "Dana Whitfield, 2026-01-06 (baseline)",
        "REC-042",
        "2026-01-06",
    )
    assert revision_rows(built, "policies/scope/index.html") == [
        [
            "1.0",
            "2026-01-06",
            "Baseline: the approved document set as imported (1 imported change)",
            "imported",
            "Dana Whitfield",
            "REC-042",
            "-",
        ]
    ]
    assert [w.rsplit("[", 1)[1] for w in warnings(built)] == ["approval-missing]", "approval-no-pull-request]"]
    assert control_block(built, "policies/security/index.html")["Version"] == "2.0"


def test_the_imported_commits_can_be_shown_instead_of_the_baseline_version(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write("mkdocs.yml", CONFIG.format(extra="      baseline_history: show\n"))
    rows = revision_rows(demo.build(), "policies/scope/index.html")
    assert [row[:5] for row in rows] == [
        ["1.0", "2026-01-05", "Import the IMS", "Ada Author", "not recorded (imported)"]
    ]


def test_a_baseline_approver_outside_the_people_file_is_an_error(ims: tuple[DemoProject, Repo]) -> None:
    demo, _ = ims
    demo.write(
        "mkdocs.yml",
        CONFIG.format(extra="").replace(
            "approval_baseline: 2026-01-31", "approval_baseline: {date: 2026-01-31, approved_by: Dana Whitfeld}"
        ),
    )
    built = demo.build(strict=False)
    assert built.returncode == 1
    assert (
        "mkdocs.yml: approval_baseline: approved_by 'Dana Whitfeld' is no one in the people file. "
        "Did you mean 'Dana Whitfield'? [option-baseline]" in built.output
    )


# -- who wrote a merged change --------------------------------------------------------------------------


def test_a_merge_lists_only_the_authors_of_what_it_brought_in(ims: tuple[DemoProject, Repo]) -> None:
    """Like `git log M^1..M^2`: Bob's commit reached main through an earlier merge, so it is not counted again."""
    demo, repo = ims
    repo.git("checkout", "-q", "-b", "shared")
    repo.write("procedures/notes.md", "Bob's groundwork\n")
    repo.commit("Groundwork", "2026-02-01T09:00:00+00:00", author=BOB)
    repo.git("checkout", "-q", "main")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "shared",
        "-m",
        "Merge pull request #5 from kestrel/shared",
        date="2026-02-02T09:00:00+00:00",
    )
    repo.git("checkout", "-q", "-b", "policy", "shared")
    repo.git("merge", "-q", "--no-ff", "main", "-m", "Update from main", date="2026-02-03T09:00:00+00:00")
    repo.write("policies/security.md", security("Eve's part."))
    repo.commit("Eve's part", "2026-02-04T09:00:00+00:00", author=EVE)
    repo.git("checkout", "-q", "main")
    message = f"Merge pull request #6 from kestrel/policy\n\nEve's part\n\nApproved-by: {DANA}"
    repo.git("merge", "-q", "--no-ff", "policy", "-m", message, date="2026-02-05T09:00:00+00:00")
    expected = sorted(set(repo.git("log", "--format=%an", "HEAD^1..HEAD^2").split()))
    assert expected == ["Ada", "Author", "Eve", "Intruder"]  # Eve's commit and the branch's own merge from main
    changes = read_history(demo.root, ["policies"], "main").of("policies/security.md")
    assert [a.name for a in changes[-1].commit.authors] == ["Ada Author", "Eve Intruder"]  # not Bob


def test_a_co_author_who_approves_is_self_approval(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    message = f"Merge pull request #7 from kestrel/co\n\nJoint work\n\nApproved-by: {DANA}"
    repo.git("checkout", "-q", "-b", "co")
    repo.write("policies/security.md", security("Written with Dana."))
    repo.commit(f"Joint work\n\nCo-authored-by: {DANA}", "2026-02-10T09:00:00+00:00", author=EVE)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "co", "-m", message, date="2026-02-11T09:00:00+00:00")
    built = demo.build()
    assert warnings(built) == [
        f"policies/security.md: version 2.0 ({sha(repo)[:10]}): an author of the change approved it. Have someone "
        "who did not write or co-author the change approve it. [approval-self]"
    ]
    assert control_block(built, "policies/security/index.html")["Changed by"] == "Dana Whitfield, Eve Intruder"


# -- faults ---------------------------------------------------------------------------------------------


def test_a_missing_object_outside_the_document_folders_does_not_lose_the_history(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    repo.write("tools/build/script.sh", "echo hi\n")
    repo.commit("Tools (#4)", "2026-02-01T09:00:00+00:00")
    tree = repo.git("rev-parse", "HEAD:tools/build").strip()
    (demo.root / ".git/objects" / tree[:2] / tree[2:]).unlink()
    built = demo.build()
    assert built.returncode == 0, built.output
    assert control_block(built, "policies/scope/index.html")["Version"] == "1.0"


def test_without_git_a_history_free_build_needs_no_git_and_others_say_so_once(
    ims: tuple[DemoProject, Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, _ = ims
    empty = demo.root / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    demo.write("mkdocs.yml", CONFIG.format(extra="      history: false\n"))
    quiet = demo.build(strict=False)
    assert quiet.returncode == 0 and "git" not in " ".join(warnings(quiet)), quiet.output
    demo.write("mkdocs.yml", CONFIG.format(extra=""))
    built = demo.build(strict=False)
    assert "Traceback" not in built.output
    assert warnings(built) == [
        "no document history: the git command is not installed. Pages show 'no history' instead of versions and "
        "approvals. Build from a git clone of the repository (with its full history). [history-unavailable]"
    ]
    ledger = demo.cli("evidence")
    assert ledger.returncode == 1 and "the git command is not installed" in ledger.stderr


# -- the evidence ledger ----------------------------------------------------------------------------------


def test_the_evidence_ledger_has_a_row_per_version_with_content_ids_and_checks(ims: tuple[DemoProject, Repo]) -> None:
    demo, repo = ims
    message = f"Merge pull request #7 from kestrel/mfa\n\nRequire MFA\n\nApproved-by: {DANA}"
    repo.merge_pull_request(
        "mfa", "policies/security.md", security("MFA."), "MFA", message, ("2026-02-10T09:00:00+00:00",) * 2
    )
    demo.write("policies/scope.md", document("POL-001", '"4.1", "4.2"', title="Scope Statement", body="Direct."))
    repo.commit("Direct edit", "2026-02-12T09:00:00+00:00", author=EVE)
    out = demo.root / "evidence.csv"
    assert demo.check().returncode == 1
    done = demo.cli("evidence", "--format", "csv", "--output", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["document"], r["version"], r["baseline"]) for r in rows] == [
        ("POL-001", "1.0", "true"),
        ("POL-001", "2.0", "false"),
        ("POL-002", "1.0", "true"),
        ("POL-002", "2.0", "false"),
    ]
    merged = rows[3]
    assert merged["blob"] == repo.git("rev-parse", "HEAD~1:policies/security.md").strip()
    assert (merged["pull_request"], merged["pull_request_verified"], merged["approvers"]) == ("#7", "true", DANA)
    assert merged["checks"] == (
        "approval-missing: passed; approval-mismatch: passed; approval-self: passed; approval-no-pull-request: passed"
    )
    assert rows[1]["authors"] == "Eve Intruder <eve@kestrel.example>"
    assert "approval-missing: failed" in rows[1]["checks"] and "approval-no-pull-request: failed" in rows[1]["checks"]
    report = json.loads(demo.check("--format", "json").stdout)
    assert [r["blob"] for r in report["evidence"]] == [r["blob"] for r in rows]


def test_a_merge_approved_by_several_people_shows_on_each_page_the_holder_of_its_approver_role(
    ims: tuple[DemoProject, Repo],
) -> None:
    demo, repo = ims
    message = (
        "Merge pull request #12 from kestrel/both\n\nTwo documents\n\n"
        f"Approved-by: Ada Author <ada@kestrel.example>\nApproved-by: {DANA}"
    )
    repo.git("checkout", "-q", "-b", "both")
    repo.write("policies/security.md", security("Changed with the scope."))
    repo.commit("Both", "2026-02-10T09:00:00+00:00", author=EVE)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "both", "-m", message, date="2026-02-11T09:00:00+00:00")
    built = demo.build()
    assert built.returncode == 0, built.output
    assert control_block(built, "policies/security/index.html")["Approved by"] == "Dana Whitfield, 2026-02-11"
