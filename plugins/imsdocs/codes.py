"""Every diagnostic code, declared once: its severity, whether `checks:` may lower it, what it means.

The README's list of codes is generated from this registry (`imsdocs codes --format markdown`);
a test keeps the two equal. Errors stop every build; warnings fail `--strict`; information never fails.
"""

from __future__ import annotations

from .diagnostics import REGISTRY, Code, Severity, declare

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741 - read as the log levels

# -- options (mkdocs.yml) ------------------------------------------------------------------------
OPTION_UNKNOWN = declare("option-unknown", E, "An imsdocs option in mkdocs.yml that does not exist (did you mean).")
OPTION_VALUE = declare(
    "option-value", E, "An imsdocs option with a value of the wrong type or outside its allowed set."
)
OPTION_PATH = declare("option-path", E, "A folder or file option that points outside the project.")
OPTION_TIMEZONE = declare("option-timezone", E, "`timezone` is not an IANA time zone name.")
OPTION_BASELINE = declare("option-baseline", E, "`approval_baseline` is neither a date nor a commit of the repository.")
OPTION_CHECKS = declare("option-checks", E, "`checks` names an unknown or non-adjustable code, or an unknown level.")
CONFIG_UNREADABLE = declare("config-unreadable", E, "mkdocs.yml cannot be read or is not valid YAML.")

# -- files and YAML --------------------------------------------------------------------------------
FILE_UNREADABLE = declare("file-unreadable", E, "A source file cannot be read (permissions, a folder, an I/O error).")
FILE_ENCODING = declare("file-encoding", E, "A source file is not UTF-8 text, or holds a NUL byte.")
YAML_SYNTAX = declare("yaml-syntax", E, "A YAML file or front matter is not valid YAML, or gives a key twice.")
YAML_SHAPE = declare("yaml-shape", E, "A YAML file's top level is not the mapping or list it must be.")
KEY_UNKNOWN = declare("key-unknown", E, "A key that the file's format does not have (did you mean).")
KEY_MISSING = declare("key-missing", E, "A required key is missing.")
REQUIREMENTS_MISSING = declare(
    "requirements-missing", E, "The requirements folder (applicability, people) does not exist."
)
SOURCE_MISSING = declare("source-missing", E, "A document folder named in `sources` does not exist.")
SOURCE_SYMLINK = declare("source-symlink", E, "A symbolic link in the document folders (its content is not under git).")
SOURCE_NOT_FILE = declare(
    "source-not-file", E, "Something in the document folders that is neither a file nor a folder."
)
SOURCE_NOT_DOCUMENT = declare(
    "source-not-document", E, "A Markdown file with another extension than `.md`: MkDocs would publish it uncontrolled."
)
SOURCE_UNCONTROLLED = declare(
    "source-uncontrolled", E, "A file in the document folders that is neither a document nor a listed attachment."
)
SOURCE_URL_CLASH = declare("source-url-clash", E, "Two files that would be published at the same address.")
ATTACHMENT_MISSING = declare("attachment-missing", E, "A document lists an attachment that does not exist.")
FILE_TOO_LARGE = declare(
    "file-too-large", E, "A source file, a line or a YAML structure beyond the limits the product reads."
)

# -- catalogues ----------------------------------------------------------------------------------------
CATALOGUE_SHAPE = declare("catalogue-shape", E, "A catalogue entry or its `clauses` list has the wrong shape.")
CATALOGUE_VALUE = declare("catalogue-value", E, "A catalogue's `standard`, `title` or a clause title is not text.")
CATALOGUE_EXCLUSION = declare("catalogue-exclusion", E, "An `exclusion` value other than never, justified or scope.")
CATALOGUE_OVERRIDDEN = declare(
    "catalogue-overridden", W, "A catalogue in requirements_map replaces one that ships with imsdocs.", adjustable=True
)
STANDARD_DUPLICATE = declare("standard-duplicate", E, "Two catalogue files define the same standard key.")
CLAUSE_DUPLICATE = declare("clause-duplicate", E, "A catalogue defines a clause ID twice.")
CLAUSE_PARENT = declare("clause-parent", E, "A clause names a parent that the catalogue does not define.")
CLAUSE_CYCLE = declare("clause-cycle", E, "Clauses are their own ancestors through their parents.")
CLAUSE_ID_NUMBER = declare(
    "clause-id-number", E, "A clause ID written as a number (YAML reads `5.10` as 5.1): quote it."
)
CLAUSE_ID_EMPTY = declare("clause-id-empty", E, "An empty clause ID.")
CLAUSE_ID_TYPE = declare("clause-id-type", E, "A clause ID that is not text.")
UNKNOWN_STANDARD = declare("unknown-standard", E, "A standard key that no catalogue defines.")
UNKNOWN_CLAUSE = declare("unknown-clause", E, "A clause ID that the standard's catalogue does not have (did you mean).")

# -- documents -----------------------------------------------------------------------------------------
FRONT_MATTER_MISSING = declare("front-matter-missing", E, "A document without YAML front matter.")
FRONT_MATTER_UNCLOSED = declare("front-matter-unclosed", E, "Front matter without its closing `---` line.")
FRONT_MATTER_SHAPE = declare("front-matter-shape", E, "Front matter that is not a mapping of fields.")
FRONT_MATTER_KEY = declare(
    "front-matter-key", E, "An unknown front-matter field (did you mean; or put it under `extra`)."
)
FRONT_MATTER_MISSING_KEY = declare("front-matter-missing-key", E, "A required front-matter field is missing.")
FRONT_MATTER_VALUE = declare(
    "front-matter-value", E, "A front-matter value that is empty, of the wrong type or not allowed."
)
SATISFIES_SHAPE = declare("satisfies-shape", E, "`satisfies` does not map standards to lists of clause IDs.")
CLAIM_NOT_LEAF = declare(
    "claim-not-leaf", E, "A document claims a clause that has subclauses; it must claim the subclauses."
)
RECORD_CONTROL = declare("record-control", E, "A `record:` block that is not a mapping or lacks a field.")
RECORD_CONTROL_MISSING = declare("record-control-missing", E, "A document of type record without its `record:` block.")
RECORD_PRODUCED_BY = declare("record-produced-by", E, "`record.produced_by` names no document's id.")
DOCUMENT_ID_DUPLICATE = declare("document-id-duplicate", E, "Two documents share one id.")
LINK_BROKEN = declare(
    "link-broken", W, "A relative link in a document that leads to no file of the site.", adjustable=True
)
REFERENCE_UNKNOWN = declare(
    "reference-unknown",
    W,
    "A document cites an id (POL-021, R-IS-03) that no document has and no record declares.",
    adjustable=True,
)
DECLARED_ID_DUPLICATE = declare(
    "declared-id-duplicate", E, "Two documents declare the same register entry, or one that is a document's id."
)
RECORD_UNDATED = declare(
    "record-undated",
    W,
    "An approved record does not say when its activity took place (as_at or period).",
    adjustable=True,
)
RECORD_STALE = declare(
    "record-stale", W, "A recurring record is older than its period: the next one is due.", adjustable=True
)
MANDATORY_MISSING = declare(
    "mandatory-missing",
    W,
    "Documented information an in-scope standard requires that no approved document provides.",
    adjustable=True,
)
MANDATORY_TYPE = declare(
    "mandatory-type",
    W,
    "A document provides an item of documented information but is not of a type that can be it.",
    adjustable=True,
)
MANDATORY_UNKNOWN = declare("mandatory-unknown", E, "`provides` names no item of documented information.")
CLAIM_DUPLICATE = declare("claim-duplicate", W, "A document claims the same clause twice.", adjustable=True)

# -- applicability ---------------------------------------------------------------------------------------
APPLICABILITY_NOT_LEAF = declare(
    "applicability-not-leaf", E, "The applicability file lists a clause that has subclauses; list the subclauses."
)
APPLICABILITY_BOTH = declare("applicability-both", E, "A clause is both included and excluded.")
INCLUSION_REASON = declare("inclusion-reason", E, "An inclusion without a reason, or with a reason not allowed.")
INCLUSION_STATUS = declare("inclusion-status", E, "An implementation status or target date that is not allowed.")
SOA_STATUS_MISSING = declare(
    "soa-status-missing", W, "An applicable control of the SoA has no implementation status.", adjustable=True
)
SOA_PLANNED_OVERDUE = declare(
    "soa-planned-overdue", W, "A control planned for a date that has passed (or planned with no date).", adjustable=True
)
SOA_UNCONTROLLED = declare(
    "soa-uncontrolled",
    W,
    "The applicability file has no `document:` block: the SoA has no id, owner or approver.",
    adjustable=True,
)
EXCLUSION_NOT_ALLOWED = declare("exclusion-not-allowed", E, "An exclusion of a clause that can never be excluded.")
EXCLUSION_UNJUSTIFIED = declare("exclusion-unjustified", E, "An exclusion without a justification.")
EXCLUSION_SCOPE_MISSING = declare(
    "exclusion-scope-missing", E, "An exclusion that only the scope statement may make names no `scope_statement`."
)
EXCLUSION_SCOPE_UNKNOWN = declare(
    "exclusion-scope-unknown", E, "An exclusion's `scope_statement` names no document's id."
)

# -- people ------------------------------------------------------------------------------------------------
PEOPLE_SHAPE = declare(
    "people-shape", E, "A person in the people file without a name, an email address or a list of roles."
)
PEOPLE_HANDLE = declare("people-handle", E, "A forge handle in the people file that the forge would not accept.")
CODEOWNERS_UNROUTED = declare(
    "codeowners-unrouted", E, "A role that approves documents has no holder with a handle on the forge (CODEOWNERS)."
)
PEOPLE_DUPLICATE = declare("people-duplicate", E, "Two people in the people file share a name or an email address.")

# -- coverage ------------------------------------------------------------------------------------------------
CLAUSE_NOT_COVERED = declare(
    "clause-not-covered",
    W,
    "A requirement of an in-scope standard that no approved document covers and that is not excluded.",
    adjustable=True,
)
CLAIM_EXCLUDED = declare("claim-excluded", W, "A document claims a clause that is excluded.", adjustable=True)

# -- document control from git ---------------------------------------------------------------------------------
APPROVAL_MISSING = declare(
    "approval-missing", W, "The current version of an approved document has no recorded approver.", adjustable=True
)
APPROVAL_MISMATCH = declare(
    "approval-mismatch", W, "The recorded approver is not the document's approver (by name or role).", adjustable=True
)
APPROVAL_SELF = declare("approval-self", W, "The author of a change approved it.", adjustable=True)
APPROVAL_NO_PULL_REQUEST = declare(
    "approval-no-pull-request", W, "A change reached the main branch without a pull request.", adjustable=True
)
HISTORY_UNAVAILABLE = declare(
    "history-unavailable", W, "No git history could be read: pages show no versions.", adjustable=True
)
HISTORY_SHALLOW = declare(
    "history-shallow", W, "The clone is shallow: versions and dates would be wrong.", adjustable=True
)
HISTORY_NO_MAIN_BRANCH = declare(
    "history-no-main-branch", W, "The configured main branch does not exist; HEAD was read.", adjustable=True
)
APPROVAL_UNSIGNED = declare(
    "approval-unsigned",
    W,
    "With `signatures: require`: a change to an approved document not signed by an allowed signer.",
    adjustable=True,
)
HISTORY_DATE_ORDER = declare(
    "history-date-order",
    W,
    "A change's committer date is earlier than the change before it on the main branch.",
    adjustable=True,
)
HISTORY_DATE_FUTURE = declare(
    "history-date-future", W, "A change's committer date is later than the build.", adjustable=True
)
SIGNERS_FILE = declare("signers-file", E, "The allowed signers file is missing or has a malformed line.")
REVIEW_OVERDUE = declare("review-overdue", W, "An approved document is past its next review date.", adjustable=True)
UNCOMMITTED_CHANGE = declare(
    "uncommitted-change",
    W,
    "A document has changes that are not committed (information in `mkdocs serve`).",
    adjustable=True,
)
PROPOSED_CHANGE = declare("proposed-change", I, "A document is changed on this branch and not yet on the main branch.")


def adjustable() -> list[str]:
    """The codes `checks:` may lower, sorted."""
    return sorted(name for name, code in REGISTRY.items() if code.adjustable)


def markdown_table() -> str:
    """The README's table of codes (generated: a test keeps the README equal to it)."""
    lines = ["| code | severity | `checks:` may lower it | what it means |", "| --- | --- | --- | --- |"]
    for code in sorted(REGISTRY.values(), key=lambda c: (c.severity.value != "error", c.severity.value, c.name)):
        lines.append(
            f"| `{code.name}` | {code.severity.value} | {'yes' if code.adjustable else 'no'} | {code.description} |"
        )
    return "\n".join(lines) + "\n"


__all__ = ["REGISTRY", "Code", "adjustable", "markdown_table"]
