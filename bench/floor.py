"""The floor: the same logical work as the TAXII workload with no web server and no hub code in the path.

Bulk insert of the rows into the hub's schema (created by `hub db upgrade`, one commit per envelope of 500
as the hub does), a keyset query of one page, paging through the collection, and JSON encoding of each page
by splicing the stored text. Every hub figure is also reported as a ratio to these.

    python -m bench.floor --sizes 1000,10000 [--databases sqlite,postgresql] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench import data
from bench.servers import create_database, drop_database, hub_env, run_database, seed_hub
from bench.workload import FIRST_PAGE, PAGE, median

COLUMNS = (
    "collection_id",
    "stix_id",
    "type",
    "spec_version",
    "version",
    "date_added",
    "tlp",
    "state",
    "producer_org_id",
    "author_id",
    "is_anonymous",
    "body",
)
STIX_EPOCH_US = 1_700_000_000_000_000


class Db:
    """A DB-API connection and its parameter marker."""

    def __init__(self, conn: Any, marker: str) -> None:
        self.conn, self.marker = conn, marker

    def q(self, sql: str) -> str:
        """SQL with `?` markers rewritten for this driver."""
        return sql.replace("?", self.marker)


@contextmanager
def database(kind: str, work: Path) -> Iterator[tuple[Db, str]]:
    """A migrated, seeded hub database of `kind`; yields the connection and the collection id."""
    name = run_database("hub_bench_floor")
    if kind == "postgresql":
        url = create_database(name)
    else:
        url = f"sqlite:///{work / 'floor.sqlite3'}"
        (work / "floor.sqlite3").unlink(missing_ok=True)
    seed = seed_hub(hub_env(work, url), collections=1, tag="floor")
    try:
        if kind == "postgresql":
            conn = psycopg.connect(url)
            db = Db(conn, "%s")
        else:
            conn = sqlite3.connect(work / "floor.sqlite3", isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            db = Db(conn, "?")
        yield db, seed.collections[0]
        conn.close()
    finally:
        if kind == "postgresql":
            drop_database(name)


def _ids(db: Db) -> tuple[int, int]:
    cur = db.conn.cursor()
    cur.execute("SELECT id, org_id FROM users LIMIT 1")
    user_id, org_id = cur.fetchone()
    return int(org_id), int(user_id)


def insert_all(db: Db, collection_id: str, n: int) -> float:
    """Decode each envelope and insert its rows, one transaction per envelope; returns seconds."""
    org_id, user_id = _ids(db)
    envelopes = [orjson.dumps(e) for e in data.envelopes(n, "b0")]
    sql = db.q(f"INSERT INTO object_versions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})")
    clock = STIX_EPOCH_US
    start = time.perf_counter()
    for raw in envelopes:
        rows = []
        for obj in orjson.loads(raw)["objects"]:
            clock += 1
            rows.append(
                (
                    collection_id,
                    obj["id"],
                    obj["type"],
                    obj["spec_version"],
                    clock,
                    clock,
                    1,
                    0,
                    org_id,
                    user_id,
                    False,
                    orjson.dumps(obj).decode(),
                )
            )
        cur = db.conn.cursor()
        if db.marker == "?":
            cur.execute("BEGIN")
        cur.executemany(sql, rows)
        db.conn.commit() if db.marker == "%s" else cur.execute("COMMIT")
    return time.perf_counter() - start


def analyse(db: Db) -> None:
    """Refresh the planner's statistics, as autovacuum would soon after a bulk load (not timed)."""
    cur = db.conn.cursor()
    cur.execute("ANALYZE object_versions")
    if db.marker == "%s":
        db.conn.commit()


def page(db: Db, collection_id: str, after: int, limit: int) -> tuple[bytes, int | None]:
    """One keyset page as a spliced TAXII envelope; returns the bytes and the position to continue from."""
    cur = db.conn.cursor()
    cur.execute(
        db.q(
            "SELECT date_added, body FROM object_versions WHERE collection_id = ? AND date_added > ? "
            "ORDER BY date_added LIMIT ?"
        ),
        (collection_id, after, limit + 1),
    )
    rows = cur.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    head = b'{"more":true,"next":"x","objects":[' if more else b'{"objects":['
    body = head + b",".join(r[1].encode() for r in rows) + b"]}"
    if db.marker == "%s":
        db.conn.commit()
    return body, (rows[-1][0] if more else None)


def page_all(db: Db, collection_id: str) -> int:
    """Page through the collection (limit=1000); returns the number of objects served."""
    count, after = 0, 0
    while True:
        body, after_next = page(db, collection_id, after, PAGE)
        count += body.count(b'"type":"indicator"')
        if after_next is None:
            return count
        after = after_next


def by_id(db: Db, collection_id: str, stix_id: str) -> bytes:
    """The latest version of one object, spliced into an envelope."""
    cur = db.conn.cursor()
    cur.execute(
        db.q(
            "SELECT body FROM object_versions WHERE collection_id = ? AND stix_id = ? "
            "ORDER BY version DESC LIMIT 1"
        ),
        (collection_id, stix_id),
    )
    row = cur.fetchone()
    if db.marker == "%s":
        db.conn.commit()
    return b'{"objects":[' + row[0].encode() + b"]}"


def measure(kind: str, n: int, repeat: int, work: Path) -> dict[str, Any]:
    """The floor's figures for one database and size."""
    with database(kind, work) as (db, collection_id):
        seconds = insert_all(db, collection_id, n)
        analyse(db)
        results: dict[str, Any] = {"ingest": {"objects_per_s": n / seconds, "seconds": seconds, "runs": 1}}
        samples = []
        for _ in range(max(repeat, 20)):  # cheap: more samples against the noise of a shared machine
            start = time.perf_counter()
            page(db, collection_id, 0, FIRST_PAGE)
            samples.append(time.perf_counter() - start)
        results["first_page_ms"] = 1000 * median(samples)
        samples, count = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            count = page_all(db, collection_id)
            samples.append(time.perf_counter() - start)
        results["paging"] = {
            "objects_per_s": count / median(samples),
            "seconds": median(samples),
            "count": count,
            "complete": count == n,
        }
        samples = []
        for j in range(max(repeat, 20)):
            stix_id = data.indicator((j * 7919) % n, "b0")["id"]
            start = time.perf_counter()
            by_id(db, collection_id, stix_id)
            samples.append(time.perf_counter() - start)
        results["object_ms"] = 1000 * median(samples)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-floor-") as folder:
        for n in [int(s) for s in args.sizes.split(",")]:
            for kind in args.databases.split(","):
                print(n, kind, orjson.dumps(measure(kind, n, args.repeat, Path(folder))).decode(), flush=True)


if __name__ == "__main__":
    main()
