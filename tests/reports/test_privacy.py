"""Nothing about the reporter leaks: no plaintext at rest, no network metadata in any table or log."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select, text

from hub import create_app
from hub.db import Base
from hub.extensions import db
from hub.orgs.service import set_password
from hub.ratelimits import RateLimitCounter
from hub.ratelimits import keyed_client_address as daily_client_key
from hub.reports.crypto import Sealer
from hub.reports.handles import new_nonce
from hub.reports.models import Report
from tests.conftest import _test_config
from tests.factories import PASSWORD
from tests.reports.conftest import SECRET_CONTACT, SECRET_TEXT, SECRET_TRACE, follow_up, nonce_of, send_report

REPORTER_IP = "198.51.100.77"
REPORTER_AGENT = "DistinctiveReporterBrowser/7.7"
REPORTER = {"REMOTE_ADDR": REPORTER_IP, "HTTP_USER_AGENT": REPORTER_AGENT}


def _dump_every_table(session) -> str:
    rows = []
    for table in Base.metadata.sorted_tables:
        rows.extend(repr(tuple(row)) for row in session.execute(text(f"SELECT * FROM {table.name}")))
    return "\n".join(rows)


def test_database_and_logs_hold_no_plaintext_and_no_network_metadata(app, session, world, caplog):
    caplog.set_level(logging.DEBUG)
    reporter = app.test_client()
    reporter.environ_base.update(REPORTER)
    form = {
        "category": "harassment",
        "platforms": [f"org:{world.platform.id}"],
        "text": SECRET_TEXT,
        "traces": SECRET_TRACE,
        "contact": SECRET_CONTACT,
        "sharing": "community",
        "may_escalate": "y",
    }
    receipt, code = send_report(reporter, form, lang="ar")
    nonce = nonce_of(receipt)  # the receipt handle in the session; the database holds only its hash
    follow_up(reporter, code, "They found my home address")

    responder = app.test_client()
    set_password(world.responder, PASSWORD)
    session.commit()
    responder.post("/login", data={"email": world.responder.email, "password": PASSWORD})
    report_id = session.scalar(select(Report.id))
    assert (
        responder.post(
            f"/reports/{report_id}/message", data={"kind": "reply", "text": "We are on it"}
        ).status_code
        == 303
    )
    assert (
        responder.post(
            f"/reports/{report_id}/escalate",
            data={"platform": str(world.platform.id), "request": "please remove the post"},
        ).status_code
        == 303
    )
    assert "We are on it" in follow_up(reporter, code)

    dump = _dump_every_table(session)
    for secret in (
        SECRET_TEXT,
        SECRET_CONTACT,
        SECRET_TRACE,
        "They found my home address",
        "We are on it",
        "please remove the post",
        code,
        code.replace("-", ""),
        nonce,
        REPORTER_IP,
        REPORTER_AGENT,
    ):
        assert secret not in dump, secret
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert REPORTER_IP not in logged and REPORTER_AGENT not in logged


def test_sealed_rows_cannot_be_opened_without_the_key(session, sealer, world):
    from cryptography.fernet import Fernet

    from tests.reports.conftest import file_report

    report, _ = file_report(session, sealer, world)
    stranger = Sealer([Fernet.generate_key().decode()])
    try:
        stranger.open(report.sealed)
    except ValueError:
        pass
    else:
        raise AssertionError("a different key opened the report")


def test_key_rotation_opens_old_rows_and_reseals_with_the_new_key(session, sealer, world):
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Sealer([old_key]).seal({"text": SECRET_TEXT})
    rotated = Sealer([new_key, old_key]).rotate(token)
    assert Sealer([new_key]).open(rotated) == {"text": SECRET_TEXT}


def test_development_key_file_is_owner_only(app, sealer):
    import os
    import stat
    from pathlib import Path

    mode = stat.S_IMODE(os.stat(Path(app.instance_path) / "reports_key").st_mode)
    assert mode == 0o600


def test_rate_limit_key_is_a_daily_keyed_hash_not_the_address(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": REPORTER_IP}):
        first = daily_client_key()
        again = daily_client_key()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.78"}):
        other = daily_client_key()
    assert first == again != other
    assert REPORTER_IP not in first and re.fullmatch(r"[0-9a-f]{64}", first)


def test_report_form_is_rate_limited_without_logging_the_address(app, world, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    limited = create_app(
        {**_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "RATELIMIT_ENABLED": True}
    )
    with limited.app_context():
        client = limited.test_client()
        client.environ_base.update(REPORTER)
        statuses = []
        for _ in range(11):
            statuses.append(
                client.post(
                    "/report", data={"category": "other", "text": "x", "nonce": new_nonce()}
                ).status_code
            )
            db.session.remove()  # each request has its own session, as when served (not one app context)
        keys = db.session.scalars(select(RateLimitCounter.key)).all()
        assert keys and not any(REPORTER_IP in key for key in keys)  # the shared counters hold no address
        db.session.remove()
    assert statuses[:10] == [303] * 10 and statuses[10] == 429
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "exceeded at endpoint: reporter.report_new" in logged and REPORTER_IP not in logged
