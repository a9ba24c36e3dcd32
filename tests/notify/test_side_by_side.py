"""Workers side by side (FOR UPDATE SKIP LOCKED on PostgreSQL; serialised writers on SQLite): every delivery
arrives, none twice."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy.orm import Session

from hub.extensions import db
from hub.notify.outbox import emit
from hub.notify.worker import run_once
from tests.factories import make_org
from tests.notify.conftest import Receiver
from tests.notify.helpers import hook_for


def test_two_workers_deliver_every_message_exactly_once(
    notify_app: Flask, session: Session, receiver: Receiver
):
    hook_id, _ = hook_for(session, make_org(session, "Platform", org_type="platform"), receiver.url)
    for _ in range(300):
        emit(session, "webhook.test", webhook_id=hook_id)
    session.commit()
    notify_app.config["NOTIFY_BATCH"] = 20  # small batches, so the two workers interleave
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with notify_app.app_context():
                run_once(db.session())
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    run_once(session)  # anything a worker left (none expected) goes now
    ids = [r.headers["X-Hub-Delivery"] for r in receiver.requests]
    assert len(ids) == 300 and len(set(ids)) == 300
