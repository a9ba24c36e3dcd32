"""A delivery worker's resident size over a burst of webhook deliveries, and over a long run.

    python -m bench.worker_rss [--sizes 100,5000,10000,20000] [--rounds 12 --round-events 1000]
                               [--concurrency 8]

Bursts: for each size N in turn, N `webhook.test` events are queued (one webhook, a local receiver in its own
process, HTTP/1.1 keep-alive), then one worker pass (`run_once`, as `hub worker --once` runs it) delivers them
in a fresh process, which prints its RSS and peak RSS (`VmRSS`, `VmHWM` of `/proc/self/status`) after the app
is set up and after the pass. Long run: one process alternates `--round-events` queued events (through a
session of its own) and a pass, `--rounds` times, as a long-running `hub worker` meets them; it prints the RSS
after each pass, so a leak grows linearly and freed-but-kept memory levels off. SQLite in a temporary folder
unless HUB_DATABASE_URL is set (then an empty database). Prints JSON; `docs/notifications.md` keeps the
results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

RECEIVER = r"""
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
server.daemon_threads = True
print(server.server_port, flush=True)
server.serve_forever()
"""

STATUS = r"""
def status():
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out
"""

ONE_PASS = (
    STATUS
    + r"""
import json
from hub import create_app
from hub.extensions import db
from hub.notify.worker import run_once
with create_app().app_context():
    session = db.session()
    before = status()
    stats = run_once(session)
    print(json.dumps({"sent": stats.sent, "before": before, "after": status()}))
"""
)

LONG_RUN = (
    STATUS
    + r"""
import json, sys
from sqlalchemy.orm import Session
from hub import create_app
from hub.extensions import db
from hub.notify.outbox import emit
from hub.notify.worker import run_once
hook_id, rounds, per_round = (int(a) for a in sys.argv[1:4])
with create_app().app_context():
    feeder = Session(db.engine)
    session = db.session()
    for _ in range(rounds):
        for _ in range(per_round):
            emit(feeder, "webhook.test", webhook_id=hook_id)
        feeder.commit()
        feeder.expunge_all()
        stats = run_once(session)
        print(json.dumps({"sent": stats.sent, **status()}), flush=True)
"""
)


def _python(code: str, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")], default=[100, 10_000])
    parser.add_argument("--rounds", type=int, default=0, help="long run: passes in one process (0: none)")
    parser.add_argument("--round-events", type=int, default=1000, help="long run: events queued per pass")
    parser.add_argument("--concurrency", type=int, default=8, help="HUB_NOTIFY_CONCURRENCY")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-worker-rss-"))
    os.environ.setdefault("HUB_DATABASE_URL", f"sqlite:///{folder / 'hub.sqlite3'}")
    os.environ.update(
        HUB_INSTANCE_PATH=str(folder),
        HUB_WEBHOOK_ALLOW_PRIVATE="1",
        HUB_NOTIFY_CONCURRENCY=str(args.concurrency),
    )
    os.environ.setdefault("HUB_SECRET_KEY", "bench")

    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db
    from hub.notify.outbox import emit
    from hub.notify.webhooks import add_webhook
    from hub.orgs import service as orgs

    results: dict[str, Any] = {
        "database": os.environ["HUB_DATABASE_URL"].split(":")[0],
        "concurrency": args.concurrency,
    }
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    assert receiver.stdout is not None
    url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}/hook"
    try:
        with create_app().app_context():
            upgrade()
            session = db.session()
            platform = orgs.add_org(session, None, "Bench Platform", "platform", "vetted")
            hook, _ = add_webhook(session, platform, url, ["objects"])
            session.commit()
            results["bursts"] = []
            for size in args.sizes:
                for _ in range(size):
                    emit(session, "webhook.test", webhook_id=hook.id)
                session.commit()
                (one,) = _python(ONE_PASS)
                one["events"] = size
                one["grew_mib"] = round(one["after"]["VmRSS"] - one["before"]["VmRSS"], 1)
                results["bursts"].append(one)
            if args.rounds:
                rounds = _python(LONG_RUN, str(hook.id), str(args.rounds), str(args.round_events))
                results["long_run"] = {
                    "events_per_pass": args.round_events,
                    "rss_after_each_pass_mib": [r["VmRSS"] for r in rounds],
                    "sent": sum(r["sent"] for r in rounds),
                }
    finally:
        receiver.terminate()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
