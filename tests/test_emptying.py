"""The fixture that empties the database between tests (and between the property tests' examples) leaves it
as a fresh one: every table empty, the audit log included, and the next ids at 1."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditEvent
from hub.audit.service import record
from hub.db import Base
from hub.policy.tlp import Tlp
from tests.conftest import delete_every_row
from tests.factories import indicator, make_collection, make_org, make_user, post


def _rows(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def test_every_table_is_emptied_and_ids_start_again_at_one(session: Session) -> None:
    for _ in range(2):  # the second round shows the ids restarted, not only the rows gone
        org = make_org(session, "Helpline")
        user = make_user(session, org)
        channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
        post(session, user, channel, [indicator(Tlp.GREEN)])
        record(session, None, "org.set-tier", "organisation", org.id)
        session.commit()
        assert org.id == 1 and user.id == 1
        assert session.scalar(select(func.min(AuditEvent.id))) == 1
        written = _rows(session)
        assert written["audit_events"] >= 1 and written["object_versions"] == 1
        delete_every_row(session.connection())
        session.commit()
        assert set(_rows(session).values()) == {0}
