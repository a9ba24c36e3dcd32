"""The search box at size: p50/p95 of `hub.search.service.search` for a reader, on PostgreSQL (or SQLite).

    python -m bench.search [--sizes 100000] [--repeat 15] [--database hub_bench_search] [--sqlite]
                           [--load 100000] [--keep] [--template NAME | --existing NAME] [--kinds value,...]

Loads N indicators through the hub's own import (validation, the observable index, the search index), of
which 1 % indicate a malware named Pegasus through relationships, then ANALYZEs and times searches as a vetted
member of another organisation sees them: a domain value, a word in many names ("benchmark"), the threat
("pegasus", found through `indicates`), a rare word, and a word that is nowhere. Each size gets a fresh
database. The target (issue 12/16): p50 < 50 ms at 1M on PostgreSQL.

Importing a million objects through the hub takes most of an hour on the shared machine, so `--load M`
imports only M of the N indicators through the hub and copies the stored rows in SQL (PostgreSQL only) until
there are N: every copy gets fresh version ids, fresh STIX ids (in the body too), later `date_added`, and its
own values (names `benchmark indicator rK-i`, domains `c2-rK-i…`, IPs `10+K.…`, other hashes), with the
observable index's keys computed by the hub's own `observable_key`, and the links' `source_added` moved with
their sources' dates. The copies' relationships indicate the same Pegasus, so the threat has 1 % of N
indicators; the rare word stays rare. `--keep` leaves the database in place and `--template NAME` measures a
fresh copy (`CREATE DATABASE … TEMPLATE NAME`) of one so kept; `--existing NAME` measures that database itself
(searches write nothing), for before/after runs side by side with another checkout's hub on `PYTHONPATH`.
`--kinds` picks some of the searches (value, everywhere, threat, rare, miss). On a machine shared with other
loads, `--explain` adds what the times hide: each search's statements run once more under `EXPLAIN (ANALYZE,
BUFFERS)`, reporting how many there are, the pages they touch (shared hit + read) and the database's own
execution time.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench import data
from bench.servers import PG_ADMIN_URL, create_database, drop_database

STAMP = "2025-01-01T00:00:00.000Z"
BATCH = 5_000
READER = "reader@search.example"


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


def load(n: int, url: str) -> float:
    """Create the schema, two organisations, a reader and a channel, and import `n` indicators through the
    hub. Returns the import's objects per second."""
    os.environ["HUB_DATABASE_URL"] = url
    from flask_migrate import upgrade

    from hub import create_app
    from hub.extensions import db
    from hub.interop.importer import import_objects
    from hub.orgs import service as orgs
    from hub.policy.resolve import principal_for
    from hub.policy.tlp import Tlp
    from hub.sharing import service as sharing
    from hub.stix.ingest import IngestOptions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        session = db.session()
        producer_org = orgs.add_org(session, None, "Search Producer", "ngo", "trusted")
        reader_org = orgs.add_org(session, None, "Search Reader", "ngo", "vetted")
        producer = orgs.add_user(session, None, "producer@search.example", producer_org, "member", None)
        orgs.add_user(session, None, READER, reader_org, "member", None)
        channel = sharing.add_collection(session, None, "Search", read=["tier:vetted"], write=["tier:vetted"])
        session.commit()
        objects = _objects(n)
        started = time.perf_counter()
        p = principal_for(session, producer)
        for start in range(0, len(objects), BATCH):
            chunk = objects[start : start + BATCH]
            import_objects(session, p, channel.id, chunk, IngestOptions(tlp=Tlp.GREEN))
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return len(objects) / seconds


# One copy K of the imported indicators and relationships (PostgreSQL). `:k` the copy, `:off` the id offset.
_NEW_ID = "split_part({0}, '--', 1) || '--' || md5({0} || ':' || %(k)s)::uuid"
_RENAME = (
    "replace(replace(replace({0}, ' s-', ' r' || %(k)s || '-'), '-s-', '-r' || %(k)s || '-'),"
    " 'rare-needle', 'rare-r' || %(k)s)"
)
_NEW_VALUE = (
    "CASE o.kind WHEN 'ipv4' THEN (10 + %(k)s) || substr(o.value, 3)"
    " WHEN 'domain' THEN {r} WHEN 'url' THEN {r}"
    " ELSE md5(o.value || %(k)s) || md5(%(k)s || o.value) END"
).format(r=_RENAME.format("o.value"))
_COPY = [
    f"""INSERT INTO object_versions (id, collection_id, stix_id, type, spec_version, version, date_added, tlp,
        state, producer_org_id, author_id, is_anonymous, via_feed, is_latest, body)
    SELECT v.id + %(off)s, v.collection_id, {_NEW_ID.format("v.stix_id")}, v.type, v.spec_version, v.version,
        v.date_added + %(k)s * %(span)s, v.tlp, v.state, v.producer_org_id, v.author_id, v.is_anonymous,
        v.via_feed, v.is_latest,
        CASE WHEN l.source_ref IS NOT NULL
            THEN replace(replace(v.body, v.stix_id, {_NEW_ID.format("v.stix_id")}),
                         l.source_ref, {_NEW_ID.format("l.source_ref")})
            ELSE replace({_RENAME.format(f"replace(v.body, v.stix_id, {_NEW_ID.format('v.stix_id')})")},
                         coalesce(o.value, ''), coalesce({_NEW_VALUE}, '')) END
    FROM object_versions v
    LEFT JOIN object_links l ON l.version_id = v.id
    LEFT JOIN observables o ON o.version_id = v.id
    WHERE v.id <= %(last)s AND v.type IN ('indicator', 'relationship')""",
    f"""INSERT INTO observables (version_id, collection_id, kind, value, key, warning)
    SELECT o.version_id + %(off)s, o.collection_id, o.kind, {_NEW_VALUE}, ''::bytea, o.warning
    FROM observables o WHERE o.version_id <= %(last)s""",
    f"""INSERT INTO search_text (version_id, text)
    SELECT t.version_id + %(off)s, {_RENAME.format("t.text")} FROM search_text t
    JOIN object_versions v ON v.id = t.version_id
    WHERE t.version_id <= %(last)s AND v.type IN ('indicator', 'relationship')""",
    f"""INSERT INTO object_links (version_id, relationship_type, source_ref, target_ref, source_added)
    SELECT l.version_id + %(off)s, l.relationship_type, {_NEW_ID.format("l.source_ref")}, l.target_ref,
        CASE WHEN l.source_added > 0 THEN l.source_added + %(k)s * %(span)s ELSE 0 END
    FROM object_links l WHERE l.version_id <= %(last)s""",
]


def replicate(url: str, n: int, loaded: int) -> None:
    """Copy the imported indicators (and their relationships) in SQL until there are `n` of them."""
    from hub.stix.observable_index import observable_key

    with psycopg.connect(url) as conn:
        last, first_added, last_added = conn.execute(
            "SELECT max(id), min(date_added), max(date_added) FROM object_versions"
        ).fetchone()
        span = last_added - first_added + 1
        for k in range(1, -(-n // loaded)):
            params = {"k": k, "off": k * last, "last": last, "span": span}
            for statement in _COPY:
                conn.execute(statement, params)
            conn.commit()
        rows = conn.execute("SELECT id, kind, value FROM observables WHERE key = ''::bytea").fetchall()
        conn.execute("CREATE TEMPORARY TABLE keys (id bigint, key bytea)")
        with conn.cursor().copy("COPY keys (id, key) FROM STDIN") as copy:
            for row_id, kind, value in rows:
                copy.write_row((row_id, observable_key(kind, value)))
        conn.execute("UPDATE observables o SET key = keys.key FROM keys WHERE keys.id = o.id")
        for table in ("object_versions", "observables"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


KINDS = ("value", "everywhere", "threat", "rare", "miss")


def _explained(session: Any, engine: Any, run: Any) -> dict[str, Any]:
    """Run `run()` once, then each SELECT it sent under EXPLAIN (ANALYZE, BUFFERS): statements, pages
    touched and execution time, summed."""
    from sqlalchemy import event

    sent: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    session.rollback()
    pages, ms, count = 0, 0.0, 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, params in sent:
            if statement.lstrip().startswith("SET LOCAL"):  # a planner setting of the search's transaction
                cursor.execute(statement, params)
            if not statement.lstrip().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params)
            plan = cursor.fetchone()[0][0]
            top = plan["Plan"]
            pages += top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
            ms += plan["Execution Time"]
            count += 1
        raw.rollback()
    finally:
        raw.close()
    return {"statements": count, "pages": pages, "db_ms": round(ms, 2)}


def measure(
    url: str, n: int, loaded: int, repeat: int, kinds: tuple[str, ...] = KINDS, explain: bool = False
) -> dict[str, Any]:
    """Time the searches of a reader on the database at `url` (`loaded` of its `n` indicators imported)."""
    os.environ["HUB_DATABASE_URL"] = url
    from hub import create_app
    from hub.db import refresh_planner_statistics
    from hub.extensions import db
    from hub.orgs.models import User
    from hub.policy.resolve import principal_for
    from hub.search.service import SearchQuery, search

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        session = db.session()
        refresh_planner_statistics(session)
        reader = session.query(User).filter_by(email=READER).one()
        who = principal_for(session, reader)
        every = {
            "value": ("a domain value", data.lookup_value(loaded // 3, "s")),
            "everywhere": ("a word in every name (benchmark)", "benchmark"),
            "threat": ("the threat (pegasus, via indicates)", "pegasus"),
            "rare": ("a rare word", "rare-needle"),
            "miss": ("a word that is nowhere", "zyxwvut"),
        }
        queries = dict(every[kind] for kind in kinds)
        result: dict[str, Any] = {"indicators": n}
        for label, text in queries.items():
            samples, total = [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                found = search(session, who, SearchQuery(text=text))
                samples.append(time.perf_counter() - t0)
                total = f"{found.total}+" if getattr(found, "capped", False) else found.total
                session.rollback()
            samples.sort()
            result[label] = {
                "total": total,
                "p50_ms": round(1000 * statistics.median(samples), 2),
                "p95_ms": round(1000 * samples[max(0, int(len(samples) * 0.95) - 1)], 2),
            }
            if explain:
                run = functools.partial(search, session, who, SearchQuery(text=text))
                result[label].update(_explained(session, db.engine, run))
        result["load_average"] = os.getloadavg()
        db.session.remove()
        db.engine.dispose()
    return result


def _from_template(name: str, template: str) -> str:
    drop_database(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def _postgresql(args: argparse.Namespace, n: int) -> dict[str, Any]:
    kinds = tuple(args.kinds.split(","))
    if args.existing:
        url = f"postgresql://postgres@127.0.0.1:5432/{args.existing}"
        return measure(url, n, int(args.load or n), args.repeat, kinds, args.explain)
    if args.template:
        url = _from_template(args.database, args.template)
        loaded = int(args.load or n)
        result: dict[str, Any] = {}
    else:
        url = create_database(args.database)
        loaded = min(n, int(args.load or n))
        result = {"import_obj_per_s": round(load(loaded, url))}
        if loaded < n:
            started = time.perf_counter()
            replicate(url, n, loaded)
            result["replicate_s"] = round(time.perf_counter() - started)
    try:
        result.update(measure(url, n, loaded, args.repeat, kinds, args.explain))
    finally:
        if not args.keep:
            drop_database(args.database)
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
    parser.add_argument("--load", type=int, help="import this many through the hub, copy the rest in SQL")
    parser.add_argument("--keep", action="store_true", help="leave the PostgreSQL database in place")
    parser.add_argument("--template", help="measure a copy of this kept database instead of loading")
    parser.add_argument("--existing", help="measure this kept database itself (nothing is written)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="which searches to time")
    parser.add_argument("--explain", action="store_true", help="also pages touched per search (PostgreSQL)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hub-search-") as folder:
        os.environ["HUB_INSTANCE_PATH"] = folder
        for n in (int(s) for s in args.sizes.split(",")):
            if args.sqlite:
                url = f"sqlite:///{Path(folder) / f'search-{n}.sqlite3'}"
                rate = load(n, url)
                results[str(n)] = {"import_obj_per_s": round(rate), **measure(url, n, n, args.repeat)}
                continue
            results[str(n)] = _postgresql(args, n)
            print(json.dumps({str(n): results[str(n)]}, indent=2), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
