"""Adapters call services only: no view, TAXII module, web module or command reads rows itself.

Every read of STIX objects must start from the visibility rule (`hub.policy.visibility.visible`), which the
services apply; an adapter that queries the database could forget it. The scan ignores comments and strings.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[1] / "hub"
FORBIDDEN = {
    "select(ObjectVersion": re.compile(r"\bselect\s*\(\s*ObjectVersion\b"),
    "db.session.execute(": re.compile(r"\bdb\s*\.\s*session\s*\.\s*execute\s*\("),
    ".query(": re.compile(r"\.\s*query\s*\("),
}


def adapter_files() -> list[Path]:
    """Views (`views.py`, `org_views.py`...), commands, and everything in the TAXII and web packages."""
    files = {*HUB.rglob("*views.py"), *HUB.rglob("cli.py")}
    for package in ("taxii", "web"):
        files.update((HUB / package).rglob("*.py"))
    return sorted(files)


def code_only(source: str) -> str:
    """The source with comments and string literals blanked out, so that prose never counts."""
    kept: list[str] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
            kept.append(" ")
        else:
            kept.append(token.string)
    return " ".join(kept)


def violations(source: str) -> list[str]:
    """Which forbidden forms the code uses."""
    code = code_only(source)
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(code)]


def test_the_scan_covers_the_adapters():
    names = {path.relative_to(HUB).as_posix() for path in adapter_files()}
    assert {"cli.py", "orgs/cli.py", "sharing/cli.py"} <= names


@pytest.mark.parametrize("path", adapter_files(), ids=lambda p: p.relative_to(HUB).as_posix())
def test_adapter_calls_services_instead_of_querying(path):
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        (
            "rows = db.session.scalars(select(ObjectVersion).where(ObjectVersion.tlp == 0))",
            ["select(ObjectVersion"],
        ),
        ("rows = db.session.execute(text('select * from object_versions'))", ["db.session.execute("]),
        ("user = User.query.filter_by(email=email).first()\nx = db.session.query(User)", [".query("]),
        ("q = select(\n    ObjectVersion.id)", ["select(ObjectVersion"]),
    ],
)
def test_scanner_catches_a_bypass(sample, found):
    assert violations(sample) == found


def test_scanner_ignores_prose():
    prose = '"""Never call db.session.execute( here."""\n# select(ObjectVersion) is for services\n'
    assert violations(prose) == []


# --- the reporter's side stands apart --------------------------------------------------------------------
# The anonymous reporter's pages share no module, blueprint or base template with the people who read reports
# (SecureDrop keeps source_app and journalist_app apart for the same reason): they cannot learn who is logged
# in, and a change on the responders' side cannot leak into them.

REPORTER_MODULES = ("reports/reporter_views.py", "reports/reporter_forms.py", "reports/intake.py")
REPORTER_FORBIDDEN_IMPORTS = (
    "flask_login",
    "hub.web.auth",
    "hub.accounts",
    "hub.policy",
    "hub.reports.triage",
)
REPORTER_TEMPLATES = HUB / "templates" / "reporter"


def imported_modules(source: str) -> set[str]:
    """Every name a source imports, dotted: `import x.y` as `x.y`, `from x.y import z` as `x.y.z`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reporter_violations(source: str) -> list[str]:
    """The forbidden modules a reporter-side source imports."""
    return sorted(
        name
        for name in imported_modules(source)
        if any(name == bad or name.startswith(bad + ".") for bad in REPORTER_FORBIDDEN_IMPORTS)
    )


@pytest.mark.parametrize("module", REPORTER_MODULES)
def test_reporter_side_imports_no_login_policy_or_triage(module):
    assert reporter_violations((HUB / module).read_text(encoding="utf-8")) == []


def test_reporter_scan_catches_a_forbidden_import():
    sample = (
        "from hub.web.auth import current_principal\nimport flask_login\nfrom hub.reports import triage\n"
        "from hub.policy.visibility import visible\n"
    )
    assert reporter_violations(sample) == [
        "flask_login",
        "hub.policy.visibility.visible",
        "hub.reports.triage",
        "hub.web.auth.current_principal",
    ]


def test_reporter_templates_have_their_own_base_without_member_navigation():
    templates = sorted(REPORTER_TEMPLATES.glob("*.html"))
    assert {path.name for path in templates} >= {
        "base.html",
        "report_new.html",
        "receipt.html",
        "thread.html",
    }
    for path in templates:
        text = path.read_text(encoding="utf-8")
        expressions = " ".join(re.findall(r"\{[{%](.*?)[}%]\}", text, re.S))
        assert not re.search(r"\b(current_user|principal|nav)\b", expressions), path.name
        if path.name != "base.html":
            assert '{% extends "reporter/base.html" %}' in text, path.name


def test_reporter_blueprint_is_only_the_reporter_pages(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reporter.")}
    assert rules == {"/report", "/report/receipt", "/report/follow-up", "/transparency", "/transparency.csv"}


# Write decisions (issue #15): `hub.policy.writing` is their one home. Outside `hub/policy`, no module reads
# the principal's writable collections or compares tiers to decide a write; it asks `writing` (may_write,
# allowed_tlps, tlp_refusal, initial_state, may_add_version, may_delete...). A copy of a rule drifts: /share
# once offered AMBER that ingest then refused.
WRITE_RULE_FORMS = {
    ".writable": re.compile(r"\.\s*writable\b"),
    "Tier.REGISTERED": re.compile(r"\bTier\s*\.\s*REGISTERED\b"),
    "State.QUARANTINED if": re.compile(r"\bState\s*\.\s*QUARANTINED\s+if\b"),
    "producer_org_id != p.org_id": re.compile(r"producer_org_id\s*[!=]=\s*\w+\s*\.\s*org_id\b"),
}
# Where a form is allowed for another reason than a write decision.
WRITE_RULE_EXCEPTIONS = {
    "orgs/models.py": {"Tier.REGISTERED"},  # the column default: a new organisation starts registered
    "orgs/service.py": {"Tier.REGISTERED"},  # the same default, for `add_org`
    "sharing/audience.py": {"Tier.REGISTERED"},  # who *reads* a level: the read rule's tiers
    "web/labels.py": {"Tier.REGISTERED"},  # the word people read for the tier, in their language
}


def write_rule_violations(source: str) -> list[str]:
    """Which write-rule forms the code re-derives."""
    code = code_only(source)
    return [name for name, pattern in WRITE_RULE_FORMS.items() if pattern.search(code)]


def non_policy_files() -> list[Path]:
    return sorted(path for path in HUB.rglob("*.py") if path.relative_to(HUB).parts[0] != "policy")


@pytest.mark.parametrize("path", non_policy_files(), ids=lambda p: p.relative_to(HUB).as_posix())
def test_write_decisions_live_only_in_the_policy_package(path):
    allowed = WRITE_RULE_EXCEPTIONS.get(path.relative_to(HUB).as_posix(), set())
    found = set(write_rule_violations(path.read_text(encoding="utf-8"))) - allowed
    assert not found, f"{sorted(found)}: ask hub.policy.writing instead of re-deriving a write rule"


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        ("if collection.id not in p.writable or not p.org_active:", [".writable"]),
        ("levels = [Tlp.GREEN] if p.tier == Tier.REGISTERED else list(Tlp)", ["Tier.REGISTERED"]),
        ("state = State.QUARANTINED if registered else State.PUBLISHED", ["State.QUARANTINED if"]),
        ("if owner.producer_org_id != p.org_id:", ["producer_org_id != p.org_id"]),
    ],
)
def test_write_rule_scanner_catches_a_copy(sample, found):
    assert write_rule_violations(sample) == found


def test_admin_names_only_the_ui_package():
    """One meaning per word (issue #15): `hub/admin/` is the admins' and coordinators' pages; services are
    named for what they manage (`hub/orgs/members.py`, `hub/sharing/channels.py`)."""
    named_admin = [path.relative_to(HUB).as_posix() for path in HUB.rglob("admin.py")]
    assert named_admin == [], named_admin


# Services own load-and-authorise (issue #15): an adapter that loads a row by id (`db.session.get(...)`) or
# reads rows itself (`.scalars(`) re-derives who may see it. Flask's cookie `session.get("lang")` is no read.
ROW_READS = {
    "db.session.get(": re.compile(
        r"\b(?:db\s*\.\s*session|db_session\s*\(\s*\)|session\s*\(\s*\))\s*\.\s*get\s*\("
    ),
    ".scalars(": re.compile(r"\.\s*scalars\s*\("),
}


def row_reads(source: str) -> list[str]:
    """Which row-reading forms the code uses."""
    code = code_only(source)
    return [name for name, pattern in ROW_READS.items() if pattern.search(code)]


@pytest.mark.parametrize("path", adapter_files(), ids=lambda p: p.relative_to(HUB).as_posix())
def test_adapters_leave_loading_rows_to_the_services(path):
    assert row_reads(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        ("user = db.session.get(User, user_id)", ["db.session.get("]),
        ("rows = db_session().scalars(select(Report))", [".scalars("]),
        ("lang = session.get('lang')", []),
    ],
)
def test_row_read_scanner(sample, found):
    assert row_reads(sample) == found


# One commit point per request (issue #15 item 5): `hub.unit_of_work` commits a successful request once and
# rolls back a refused one. Adapters never commit or roll back by hand; a view that shows a refusal calls
# `discard_writes()`, and one that must keep a failure calls `commit_now("why")`, where a reader sees it.
TRANSACTION_CALLS = re.compile(r"\.\s*(?:commit|rollback)\s*\(")


def request_adapter_files() -> list[Path]:
    """Everything that answers a request: the adapters above, and every module of the surface packages."""
    files = {*adapter_files(), *HUB.rglob("*_views.py")}
    for package in ("admin", "api"):
        files.update((HUB / package).rglob("*.py"))
    return sorted(path for path in files if path.name != "cli.py")


@pytest.mark.parametrize("path", request_adapter_files(), ids=lambda p: p.relative_to(HUB).as_posix())
def test_adapters_leave_committing_to_the_unit_of_work(path):
    found = TRANSACTION_CALLS.findall(code_only(path.read_text(encoding="utf-8")))
    assert not found, "use hub.unit_of_work: discard_writes() for a refusal, commit_now('why') to keep one"


def test_the_commit_scan_covers_the_request_surfaces():
    names = {path.relative_to(HUB).as_posix() for path in request_adapter_files()}
    assert {
        "web/account.py",
        "admin/join.py",
        "api/cases.py",
        "reports/reporter_views.py",
        "taxii/http.py",
    } <= names


@pytest.mark.parametrize(
    ("sample", "found"),
    [("db.session.commit()", 1), ("session().rollback()", 1), ("commit_now('a failed login is counted')", 0)],
)
def test_commit_scanner(sample, found):
    assert len(TRANSACTION_CALLS.findall(code_only(sample))) == found
