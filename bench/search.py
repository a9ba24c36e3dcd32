"""The search box at size: p50/p95 of `hub.search.service.search` for a reader, on PostgreSQL (or SQLite).

    python -m bench.search [--sizes 100000] [--repeat 15] [--database hub_bench_search] [--sqlite]

Loads N indicators through the hub's own import (validation, the observable index, the search index), of
which 1 % indicate a malware named Pegasus through relationships, then ANALYZEs and times searches as a vetted
member of another organisation sees them: a domain value, a word in many names ("benchmark"), the threat
("pegasus", found through `indicates`), a rare word, and a word that is nowhere. Each size gets a fresh
database. The target (issue 12/16): p50 < 50 ms at 1M on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import data
from bench.servers import create_database, drop_database

STAMP = "2025-01-01T00:00:00.000Z"
BATCH = 5_000


def _objects(n: int) -> list[dict[str, Any]]:
    pegasus = {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": STAMP,
        "modified": STAMP,
        "name": "Pegasus",
        "is_family": True,
    }
    rows: list[dict[str, Any]] = [pegasus]
    for i in range(n):
        obj = data.indicator(i, "s")
        if i == n // 2:
            obj["name"] = "rare-needle campaign indicator"
        rows.append(obj)
        if i % 100 == 0:
            rows.append(
                {
                    "type": "relationship",
                    "spec_version": "2.1",
                    "id": f"relationship--{uuid.uuid4()}",
                    "created": STAMP,
                    "modified": STAMP,
                    "relationship_type": "indicates",
                    "source_ref": obj["id"],
                    "target_ref": pegasus["id"],
                }
            )
    return rows


def run_size(n: int, url: str, repeat: int) -> dict[str, Any]:
    """Load `n` indicators into a fresh database at `url` and time the searches."""
    os.environ["HUB_DATABASE_URL"] = url
    from flask_migrate import upgrade

    from hub import create_app
    from hub.db import refresh_planner_statistics
    from hub.extensions import db
    from hub.interop.importer import import_objects
    from hub.orgs import service as orgs
    from hub.policy.resolve import principal_for
    from hub.policy.tlp import Tlp
    from hub.search.service import SearchQuery, search
    from hub.sharing import service as sharing
    from hub.stix.ingest import IngestOptions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        session = db.session()
        producer_org = orgs.add_org(session, None, "Search Producer", "ngo", "trusted")
        reader_org = orgs.add_org(session, None, "Search Reader", "ngo", "vetted")
        producer = orgs.add_user(session, None, "producer@search.example", producer_org, "member", None)
        reader = orgs.add_user(session, None, "reader@search.example", reader_org, "member", None)
        channel = sharing.add_collection(session, None, "Search", read=["tier:vetted"], write=["tier:vetted"])
        session.commit()
        objects = _objects(n)
        started = time.perf_counter()
        p = principal_for(session, producer)
        for start in range(0, len(objects), BATCH):
            chunk = objects[start : start + BATCH]
            import_objects(session, p, channel.id, chunk, IngestOptions(tlp=Tlp.GREEN))
        load_seconds = time.perf_counter() - started
        refresh_planner_statistics(session)
        who = principal_for(session, reader)
        queries = {
            "a domain value": data.lookup_value(n // 3, "s"),
            "a word in every name (benchmark)": "benchmark",
            "the threat (pegasus, via indicates)": "pegasus",
            "a rare word": "rare-needle",
            "a word that is nowhere": "zyxwvut",
        }
        result: dict[str, Any] = {
            "objects": len(objects),
            "load_obj_per_s": round(len(objects) / load_seconds),
        }
        for label, text in queries.items():
            samples, total = [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                found = search(session, who, SearchQuery(text=text))
                samples.append(time.perf_counter() - t0)
                total = found.total
                session.rollback()
            samples.sort()
            result[label] = {
                "total": total,
                "p50_ms": round(1000 * statistics.median(samples), 2),
                "p95_ms": round(1000 * samples[max(0, int(len(samples) * 0.95) - 1)], 2),
            }
        db.session.remove()
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated numbers of indicators")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--database", default="hub_bench_search", help="PostgreSQL database (created, dropped)"
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="measure on SQLite in a temporary folder instead"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hub-search-") as folder:
        os.environ["HUB_INSTANCE_PATH"] = folder
        for n in (int(s) for s in args.sizes.split(",")):
            if args.sqlite:
                url = f"sqlite:///{Path(folder) / f'search-{n}.sqlite3'}"
                results[str(n)] = run_size(n, url, args.repeat)
                continue
            url = create_database(args.database)
            try:
                results[str(n)] = run_size(n, url, args.repeat)
            finally:
                drop_database(args.database)
            print(json.dumps({str(n): results[str(n)]}, indent=2), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
