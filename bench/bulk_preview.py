"""Bulk paste preview: the whole request for N pasted lines, as a member's browser sends it.

    .venv/bin/python -m bench.bulk_preview [--lines 1000] [--stored 10000] [--repeat 5]

Seeds a channel with `--stored` indicators through ingest (so half of the pasted values are already in the
hub and correlation has work to do), logs a member in through the login form, then times `--repeat` POSTs of
`/share/<channel>/bulk` with `--lines` values (defanged URLs, mixed-case domains with trailing dots, IPv4
addresses, SHA-256 hashes, one unrecognised line in fifty): reading, normalising, warning lists,
correlation under the visibility rule and the rendered preview table. SQLite in a temporary folder unless
HUB_DATABASE_URL is set. Prints JSON; the figures go to docs/performance.md (target: < 2 s for 1,000 lines).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path


def _lines(count: int) -> list[str]:
    """Values as analysts paste them; every second one is among the stored indicators."""
    lines = []
    for i in range(count):
        n = i if i % 2 == 0 else 100_000 + i
        kind = i % 4
        if i % 50 == 49:
            lines.append(f"note {i}: see the report")
        elif kind == 0:
            lines.append(f"Bench-{n}.Evil-Phish.NET.")
        elif kind == 1:
            lines.append(f"hxxps://bench-{n}[.]evil-phish[.]net/login")
        elif kind == 2:
            lines.append(
                f"198.18.{n // 256 % 256}.{n % 256}"
                if i % 20 == 2
                else f"45.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            )
        else:
            lines.append(hashlib.sha256(f"bench-{n}".encode()).hexdigest())
    return lines


def _stored(count: int) -> list[dict[str, object]]:
    from tests.factories import indicator

    objects = []
    for n in range(count):
        patterns = (
            f"[domain-name:value = 'bench-{n}.evil-phish.net']",
            f"[url:value = 'https://bench-{n}.evil-phish.net/login']",
            f"[ipv4-addr:value = '45.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}']",
            f"[file:hashes.'SHA-256' = '{hashlib.sha256(f'bench-{n}'.encode()).hexdigest()}']",
        )
        objects.append(indicator(None, pattern=patterns[n % 4], name=f"Bench {n}"))
    return objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-bulk-"))
    os.environ.setdefault("HUB_DATABASE_URL", f"sqlite:///{folder / 'hub.sqlite3'}")
    os.environ.update(HUB_INSTANCE_PATH=str(folder))

    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db
    from hub.orgs import service as orgs
    from hub.policy.resolve import principal_for
    from hub.policy.tlp import Tlp
    from hub.sharing import service as sharing
    from hub.stix.ingest import add_objects

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        session = db.session()
        org = orgs.add_org(session, None, "Bench Helpline", "ngo", "vetted")
        user = orgs.add_user(session, None, "poster@bench.example", org, "member", "bench-password-1234")
        channel = sharing.add_collection(
            session, None, "Bench", read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.GREEN
        )
        session.commit()
        p = principal_for(session, user)
        stored = _stored(args.stored)
        for start in range(0, len(stored), 500):
            add_objects(session, p, channel.id, stored[start : start + 500])
            session.commit()
        channel_id = channel.id
    client = app.test_client()
    client.post("/login", data={"email": "poster@bench.example", "password": "bench-password-1234"})
    form = {
        "values": "\n".join(_lines(args.lines)),
        "indicator_type": "malicious-activity",
        "valid_from": "2026-01-01",
        "tlp": "green",
        "action": "preview",
    }
    timings = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        response = client.post(f"/share/{channel_id}/bulk", data=form)
        timings.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    result = {
        "database": os.environ["HUB_DATABASE_URL"].split(":")[0],
        "lines": args.lines,
        "stored": args.stored,
        "already_in_the_hub": page.count("<details>"),
        "page_bytes": len(page.encode()),
        "seconds_p50": round(statistics.median(timings), 3),
        "seconds_max": round(max(timings), 3),
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=2))
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
