"""Webhook delivery throughput and event-to-delivery latency, against a local receiver in its own process.

    .venv/bin/python -m bench.notify [--events 2000] [--objects 50]

Throughput: N events queued at once, one worker (`run_once`), deliveries per second to the receiver, for
each `--concurrency` (messages sent at once by the worker, `HUB_NOTIFY_CONCURRENCY`).
Latency: a worker runs its loop (`run_forever`) while objects are posted one by one through ingest; latency is
the receiver's arrival time minus the time the change committed its event. SQLite in a temporary folder unless
HUB_DATABASE_URL is set. A short run by design; the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RECEIVER = r"""
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
out = open(sys.argv[1], "a", buffering=1)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        created = json.loads(body)["created"]
        out.write(f"{self.headers['X-Hub-Delivery']} {created} {time.time()}\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _receiver(log: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(log)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{proc.stdout.readline().strip()}/hook"


def _arrivals(log: Path) -> list[tuple[str, float, float]]:
    rows = []
    for line in log.read_text().splitlines():
        delivery, created, arrived = line.split()
        from datetime import datetime

        rows.append(
            (delivery, datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp(), float(arrived))
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--objects", type=int, default=50)
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 8],
        help="sends at once per worker (HUB_NOTIFY_CONCURRENCY), each measured in turn",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-notify-"))
    os.environ.setdefault("HUB_DATABASE_URL", f"sqlite:///{folder / 'hub.sqlite3'}")
    os.environ.update(
        HUB_INSTANCE_PATH=str(folder), HUB_WEBHOOK_ALLOW_PRIVATE="1", HUB_NOTIFY_POLL_SECONDS="0.1"
    )

    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db
    from hub.notify.outbox import emit
    from hub.notify.settings import worker_settings
    from hub.notify.webhooks import add_webhook
    from hub.notify.worker import run_forever, run_once
    from hub.orgs import service as orgs
    from hub.policy.resolve import principal_for
    from hub.policy.tlp import Tlp
    from hub.sharing import service as sharing
    from hub.stix.ingest import add_objects
    from tests.factories import indicator

    app = create_app()
    results: dict[str, object] = {"database": os.environ["HUB_DATABASE_URL"].split(":")[0]}
    with app.app_context():
        upgrade()
        session = db.session()
        log = folder / "arrivals.txt"
        receiver, url = _receiver(log)
        try:
            platform = orgs.add_org(session, None, "Bench Platform", "platform", "vetted")
            poster_org = orgs.add_org(session, None, "Bench Helpline", "ngo", "vetted")
            poster = orgs.add_user(session, None, "poster@bench.example", poster_org, "member", None)
            channel = sharing.add_collection(
                session, None, "Bench", read=["tier:vetted"], write=["tier:vetted"]
            )
            hook, _ = add_webhook(session, platform, url, ["objects"])
            session.commit()
            results["throughput"] = {}
            for concurrency in args.concurrency:
                for _ in range(args.events):
                    emit(session, "webhook.test", webhook_id=hook.id)
                session.commit()
                settings = dataclasses.replace(worker_settings(), concurrency=concurrency)
                started = time.perf_counter()
                stats = run_once(session, settings)
                elapsed = time.perf_counter() - started
                results["throughput"][f"concurrency {concurrency}"] = {
                    "deliveries": stats.sent,
                    "seconds": round(elapsed, 2),
                    "per_second": round(stats.sent / elapsed, 1),
                }
            log.write_text("")
            stop = threading.Event()

            def loop() -> None:
                with app.app_context():
                    run_forever(db.session(), stop)

            worker = threading.Thread(target=loop)
            worker.start()
            p = principal_for(session, poster)
            for _ in range(args.objects):
                add_objects(session, p, channel.id, [indicator(Tlp.GREEN)])
                session.commit()
                time.sleep(0.05)
            deadline = time.time() + 30
            while len(log.read_text().splitlines()) < args.objects and time.time() < deadline:
                time.sleep(0.1)
            stop.set()
            worker.join()
            latencies = sorted(arrived - created for _, created, arrived in _arrivals(log))
            results["latency"] = {
                "deliveries": len(latencies),
                "p50_seconds": round(statistics.median(latencies), 3),
                "p95_seconds": round(latencies[int(len(latencies) * 0.95) - 1], 3),
            }
        finally:
            receiver.terminate()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
