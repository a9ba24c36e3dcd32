"""The audit log as sentences (issue 12, item 12): names instead of ids, no JSON, filters by actor, target,
action and dates, paging, a CSV through hub.csvcells, and a sentence for every action code the hub records."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest

from hub.admin.audit_text import RECORDED
from hub.errors import PermissionDenied
from hub.policy.auditing import audit_readable
from hub.policy.resolve import principal_for
from tests.factories import make_org

HUB = Path(__file__).resolve().parents[2] / "hub"


def recorded_codes() -> set[str]:
    """Every literal action code passed to `record(...)` anywhere in the hub (conditional ones too)."""
    codes: set[str] = set()
    for path in HUB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            if isinstance(node, ast.Call) and getattr(func, "id", getattr(func, "attr", None)) == "record":
                if len(node.args) >= 3:
                    for part in ast.walk(node.args[2]):
                        if (
                            isinstance(part, ast.Constant)
                            and isinstance(part.value, str)
                            and "." in part.value.strip(".")
                        ):
                            codes.add(part.value)
    return (
        codes
        | {"user.activate", "user.deactivate", "org.suspend", "org.reinstate"}
        | {
            "proposal.approve",
            "proposal.reject",
            "proposal.stale",
        }
    )


def test_every_recorded_action_has_a_sentence():
    missing = sorted(recorded_codes() - set(RECORDED))
    assert not missing, f"add a sentence for {missing} to hub/admin/audit_text.py (SENTENCES)"


def test_only_coordinators_read_the_log(session, people):
    with pytest.raises(PermissionDenied):
        audit_readable(principal_for(session, people["admin_a"]))
    audit_readable(principal_for(session, people["coordinator"]))


def test_the_log_reads_as_sentences_with_names(as_role, people, session):
    coordinator = as_role("coordinator")
    org_b = people["org_b"]
    coordinator.post(f"/admin/orgs/{org_b.id}/tier", data={"tier": "trusted", "reason": "long record"})
    coordinator.post(f"/admin/orgs/{org_b.id}/tier", data={"tier": "registered", "reason": "lost a device"})
    isolated = coordinator.get("/admin/audit").get_data(as_text=True)
    assert "\u2068Org B\u2069" in isolated  # names keep their own direction inside the sentence
    page = isolated.replace("\u2068", "").replace("\u2069", "")
    email = people["coordinator"].email
    assert f"{email} raised Org B to trusted" in page and f"{email} lowered Org B to registered" in page
    assert "long record" in page and "{&#34;" not in page and "org.set-tier" not in page.split("<select")[0]
    arabic = coordinator.get("/admin/audit?lang=ar").get_data(as_text=True)
    assert "Org B" in arabic and "raised" not in arabic and "رفع" in arabic


def test_filters_by_actor_target_action_and_dates_and_pages(as_role, people, session):
    coordinator = as_role("coordinator")
    org_a, org_b = people["org_a"], people["org_b"]
    coordinator.post(f"/admin/orgs/{org_b.id}/tier", data={"tier": "trusted", "reason": "about B"})
    coordinator.post(f"/admin/orgs/{org_a.id}/suspend", data={"reason": "about A"})
    by_action = coordinator.get("/admin/audit?action=org.suspend").get_data(as_text=True)
    assert "about A" in by_action and "about B" not in by_action
    by_target = coordinator.get(f"/admin/audit?target={org_b.id}").get_data(as_text=True)
    assert "about B" in by_target and "about A" not in by_target
    by_actor = coordinator.get("/admin/audit?actor=nobody-like-this").get_data(as_text=True)
    assert "about A" not in by_actor and "No events." in by_actor
    assert "about A" not in coordinator.get("/admin/audit?until=2000-01-01").get_data(as_text=True)
    assert "about A" in coordinator.get("/admin/audit?since=2000-01-01").get_data(as_text=True)
    assert coordinator.get("/admin/audit?since=not-a-date").status_code == 200
    for n in range(55):
        coordinator.post(
            f"/admin/orgs/{org_b.id}/suspend" if n % 2 == 0 else f"/admin/orgs/{org_b.id}/reinstate",
            data={"reason": f"round {n}"},
        )
    first = coordinator.get("/admin/audit").get_data(as_text=True)
    assert "round 54" in first and 'rel="next"' in first and "about A" not in first


def test_the_csv_is_the_filtered_log_with_formula_names_neutralised(as_role, people, session):
    evil = make_org(session, '=HYPERLINK("http://evil.example","x")', "vetted")
    session.commit()
    coordinator = as_role("coordinator")
    coordinator.post(f"/admin/orgs/{evil.id}/suspend", data={"reason": "+danger"})
    coordinator.post(f"/admin/orgs/{people['org_b'].id}/suspend", data={"reason": "other"})
    response = coordinator.get("/admin/audit.csv?action=org.suspend&org=HYPERLINK")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["When (UTC)", "Who", "Their organisation", "What"]
    assert len(rows) == 2, rows
    sentence, reason = rows[1][3], rows[1][4]
    assert (
        sentence.startswith(people["coordinator"].email)
        and "suspended" in sentence
        and "HYPERLINK" in sentence
    )
    assert reason == "'+danger" and all(not cell.startswith(("=", "+", "-", "@")) for cell in rows[1])
    page = coordinator.get("/admin/audit?action=org.suspend").get_data(as_text=True)
    assert 'href="/admin/audit.csv?action=org.suspend"' in page
