"""`hub demo` runs a worker in-process, with mail written to the log, so the demo shows notifications."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from hub.extensions import db
from hub.notify.worker import run_forever


def start_demo_worker(app: Flask) -> threading.Event:
    """Start the delivery loop in a daemon thread of this process; returns the event that stops it."""
    app.config["SMTP_HOST"] = ""  # the demo never sends real mail: every message goes to the log
    logging.getLogger("hub.notify").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            run_forever(db.session(), stop)

    threading.Thread(target=loop, name="hub-demo-worker", daemon=True).start()
    return stop
