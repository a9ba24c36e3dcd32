"""The floor of ingest on the hub's own stack: the database alone storing what a `hub import` stored.

    python -m bench.ingest_floor [--objects 100000] [--databases postgresql,sqlite] [--repeat 3]

The reads have a floor (`bench.stack_floor`); this is the same idea for `hub import`. Each round, per
database: a fresh database is migrated and seeded (`bench.servers.seed_hub`) and copied twice before
anything is imported (PostgreSQL `CREATE DATABASE … TEMPLATE`, SQLite's backup API). `hub import` then
stores a bundle of benchmark indicators into the first: the hub's figure. Every row that import wrote
(`TABLES`) is read back, and the floor writes the very same rows into a copy, in the import's transactions
(`BATCH` objects each, under the collection's row lock, `last_date_added` raised at the end): on
PostgreSQL one `COPY` per table of text prepared beforehand, on SQLite multi-row `INSERT`s of tuples
prepared beforehand. No file reading, validation, policy or per-object Python: what is left is what the
database itself does with the hub's schema (its indexes, foreign keys and, on SQLite, the search trigger).
The second copy takes the same rows with the foreign keys of those tables off, to show what they cost.

Reported per database: objects per second of the hub, of the floor, and their ratio; the database
server's CPU per object (PostgreSQL); the rows each object makes. The floor runs right after the hub in
each round, so both see the same machine; medians over rounds.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench.ingest import BackendCpu, children_cpu, cpu_seconds, load, write_bundle
from bench.procs import run
from bench.servers import (
    PG_ADMIN_URL,
    create_database,
    discard_database,
    hub_bin,
    hub_env,
    run_database,
    seed_hub,
    use_hub_source,
)
from hub.db import _insert_sqlite

BATCH = 1000  # objects per transaction, as `hub import` stores them (hub.interop.importer.BATCH)
# What a `hub import` of indicators writes, with the column that places a row in its batch: the version it
# belongs to, or (one row per batch or per slice of one) the row's own order.
TABLES = {
    "object_versions": "id",
    "observables": "version_id",
    "search_text": "version_id",
    "object_links": "version_id",
    "notify_events": None,
    "submissions": None,
}


@dataclass
class Written:
    """The rows an import wrote, split into its batches: per batch, per table, the rows (COPY text lines on
    PostgreSQL, tuples on SQLite), and the collection's `last_date_added` after each batch."""

    columns: dict[str, list[str]]
    batches: list[dict[str, list[Any]]]
    last_added: list[int]
    collection_id: str

    def rows_per_object(self, objects: int) -> dict[str, float]:
        return {
            table: round(sum(len(batch.get(table, ())) for batch in self.batches) / objects, 2)
            for table in self.columns
        }


def batch_of(keys: Sequence[int], version_ids: Sequence[int], batches: int) -> list[int]:
    """The batch of each row: by the position of its version among the import's versions (in id order), or
    for rows not tied to a version (`version_ids` empty), by its own position spread over the batches."""
    if not version_ids:
        return [min(batches - 1, i * batches // max(1, len(keys))) for i in range(len(keys))]
    position = {version_id: i for i, version_id in enumerate(version_ids)}
    return [position[key] // BATCH for key in keys]


def split(
    rows_of: dict[str, tuple[list[int], list[Any]]], version_ids: list[int]
) -> list[dict[str, list[Any]]]:
    """Every table's rows, grouped into the import's batches."""
    count = (len(version_ids) + BATCH - 1) // BATCH
    batches: list[dict[str, list[Any]]] = [{} for _ in range(count)]
    for table, (keys, rows) in rows_of.items():
        by_version = version_ids if TABLES[table] else []
        for k, row in zip(batch_of(keys, by_version, count), rows, strict=True):
            batches[k].setdefault(table, []).append(row)
    return batches


def columns_of(cursor: Any, table: str, database: str) -> list[str]:
    """The table's columns, in order."""
    if database == "postgresql":
        query = (
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " ORDER BY ordinal_position"
        )
        return [name for (name,) in cursor.execute(query, (table,)).fetchall()]
    return [row[1] for row in cursor.execute(f"PRAGMA table_info({table})").fetchall()]


def order_key(table: str) -> str:
    return TABLES[table] or "id"


def read_postgresql(url: str) -> Written:
    """The import's rows as COPY text lines, with each row's batch."""
    rows_of: dict[str, tuple[list[int], list[Any]]] = {}
    columns: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        cursor = conn.cursor()
        for table, key in TABLES.items():
            columns[table] = columns_of(cursor, table, "postgresql")
            order = f"{order_key(table)}, {columns[table][0]}"
            keys = [k for (k,) in cursor.execute(f"SELECT {key or 'id'} FROM {table} ORDER BY {order}")]
            text = b"".join(_copy_out(cursor, f"COPY (SELECT * FROM {table} ORDER BY {order}) TO STDOUT"))
            lines = [line + b"\n" for line in text.split(b"\n")[:-1]]  # COPY escapes newlines inside values
            rows_of[table] = (keys if key else list(range(len(keys))), lines)
        version_ids = rows_of["object_versions"][0]
        added = [a for (a,) in cursor.execute("SELECT date_added FROM object_versions ORDER BY id")]
        (collection_id,) = cursor.execute("SELECT collection_id FROM object_versions LIMIT 1").fetchone() or (
            "",
        )
    return Written(columns, split(rows_of, version_ids), _last_of_batches(added), collection_id)


def _copy_out(cursor: Any, statement: str) -> Iterator[bytes]:
    with cursor.copy(statement) as copy:
        for data in copy:
            yield bytes(data)


def read_sqlite(path: Path) -> Written:
    """The import's rows as tuples, with each row's batch."""
    rows_of: dict[str, tuple[list[int], list[Any]]] = {}
    columns: dict[str, list[str]] = {}
    with sqlite3.connect(path) as conn:
        for table, key in TABLES.items():
            columns[table] = columns_of(conn, table, "sqlite")
            order = f"{order_key(table)}, {columns[table][0]}"
            rows = conn.execute(f"SELECT {key or 'rowid'}, * FROM {table} ORDER BY {order}").fetchall()
            keys = [row[0] for row in rows] if key else list(range(len(rows)))
            rows_of[table] = (keys, [tuple(row[1:]) for row in rows])
        version_ids = rows_of["object_versions"][0]
        added = [a for (a,) in conn.execute("SELECT date_added FROM object_versions ORDER BY id")]
        found = conn.execute("SELECT collection_id FROM object_versions LIMIT 1").fetchone()
    return Written(columns, split(rows_of, version_ids), _last_of_batches(added), found[0] if found else "")


def _last_of_batches(added: list[int]) -> list[int]:
    return [added[min(len(added), start + BATCH) - 1] for start in range(0, len(added), BATCH)]


def floor_postgresql(url: str, written: Written) -> dict[str, float]:
    """Store the rows batch by batch as the import did; wall seconds, and the CPU seconds of the client
    and of its server backend."""
    with psycopg.connect(url) as conn:
        (backend,) = conn.execute("SELECT pg_backend_pid()").fetchone() or (0,)
        conn.commit()
        server, client, started = cpu_seconds(backend), time.process_time(), time.perf_counter()
        cursor = conn.cursor()
        for batch, last in zip(written.batches, written.last_added, strict=True):
            with conn.transaction():
                lock = "SELECT last_date_added FROM collections WHERE id = %s FOR UPDATE"
                cursor.execute(lock, (written.collection_id,))
                for table, lines in batch.items():
                    names = ", ".join(written.columns[table])
                    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        copy.write(b"".join(lines))
                raise_last = "UPDATE collections SET last_date_added = %s WHERE id = %s"
                cursor.execute(raise_last, (last, written.collection_id))
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "client_cpu": time.process_time() - client,
            "server_cpu": cpu_seconds(backend) - server,
        }


def floor_sqlite(path: Path, written: Written, foreign_keys: bool) -> dict[str, float]:
    """Store the rows batch by batch as the import did, with the hub's connection settings; wall seconds
    and the CPU seconds of this process (SQLite works in it)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        cursor = conn.cursor()
        client, started = time.process_time(), time.perf_counter()
        for batch, last in zip(written.batches, written.last_added, strict=True):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("SELECT last_date_added FROM collections WHERE id = ?", (written.collection_id,))
            for table, rows in batch.items():
                head = f"INSERT INTO {table} ({', '.join(written.columns[table])}) VALUES "
                _insert_sqlite(conn, cursor, head, rows)  # the hub's own multi-row INSERTs
            conn.execute(
                "UPDATE collections SET last_date_added = ? WHERE id = ?", (last, written.collection_id)
            )
            conn.execute("COMMIT")
        return {
            "seconds": time.perf_counter() - started,
            "client_cpu": time.process_time() - client,
            "server_cpu": 0.0,
        }
    finally:
        conn.close()


def drop_foreign_keys(url: str) -> None:
    """Drop the foreign keys of the tables ingest writes (a scratch copy only)."""
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid::regclass::text = ANY(%s)",
            (list(TABLES),),
        ).fetchall()
        for table, name in found:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


@contextmanager
def databases(work: Path, database: str, stem: str) -> Iterator[tuple[dict[str, str], list[str]]]:
    """A seeded database and two untouched copies of it: the hub's environment and the three URLs (or
    file paths on SQLite); dropped at the end."""
    names = [run_database(f"{stem}{suffix}") for suffix in ("", "_floor", "_bare")]
    if database == "postgresql":
        urls = [create_database(names[0])]
    else:
        urls = [f"sqlite:///{work / f'{name}.sqlite3'}" for name in names]
    try:
        env = hub_env(work, urls[0])
        seed = seed_hub(env, collections=1, tag="floor")
        env["FLOOR_SEED_EMAIL"], env["FLOOR_COLLECTION"] = seed.email, seed.collections[0]
        if database == "postgresql":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                for name in names[1:]:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')
            urls += [urls[0].rsplit("/", 1)[0] + f"/{name}" for name in names[1:]]
        else:
            with sqlite3.connect(urls[0].removeprefix("sqlite:///")) as source:
                for url in urls[1:]:
                    with sqlite3.connect(url.removeprefix("sqlite:///")) as copy:
                        source.backup(copy)
        yield env, urls
    finally:
        for name in names:
            discard_database(work, database, name)


def import_bundle(env: dict[str, str], bundle: Path, url: str) -> dict[str, float]:
    """`hub import` of the bundle into the seeded database: wall seconds, the command's CPU seconds and, on
    PostgreSQL, its server backend's."""
    backends = BackendCpu(url.rsplit("/", 1)[1]) if url.startswith("postgresql") else None
    cpu, started = children_cpu(), time.perf_counter()
    command = [hub_bin(), "import", str(bundle), "--as", env["FLOOR_SEED_EMAIL"]]
    run([*command, "--collection", env["FLOOR_COLLECTION"], "--quiet"], env=env)
    seconds, client = time.perf_counter() - started, children_cpu() - cpu
    return {"seconds": seconds, "client_cpu": client, "server_cpu": backends.stop() if backends else 0.0}


def floors(database: str, urls: list[str]) -> tuple[Written, dict[str, float], dict[str, float]]:
    """The import's rows (from the first database), then the floor with them into the second copy and the
    floor without foreign keys into the third."""
    if database == "postgresql":
        written = read_postgresql(urls[0])
        floor = floor_postgresql(urls[1], written)
        drop_foreign_keys(urls[2])
        return written, floor, floor_postgresql(urls[2], written)
    paths = [Path(url.removeprefix("sqlite:///")) for url in urls]
    written = read_sqlite(paths[0])
    floor = floor_sqlite(paths[1], written, foreign_keys=True)
    return written, floor, floor_sqlite(paths[2], written, foreign_keys=False)


def one_round(work: Path, bundle: Path, n: int, database: str, stem: str) -> dict[str, Any]:
    """The hub's import and the two floors, one after the other, in fresh copies of one seeded database."""
    before = load()
    with databases(work, database, stem) as (env, urls):
        hub = import_bundle(env, bundle, urls[0])
        written, floor, bare = floors(database, urls)
    return {
        "database": database,
        "objects": n,
        "hub_objects_per_s": round(n / hub["seconds"]),
        "hub_client_cpu_us": round(hub["client_cpu"] / n * 1e6),
        "hub_server_cpu_us": round(hub["server_cpu"] / n * 1e6),
        "floor_objects_per_s": round(n / floor["seconds"]),
        "floor_client_cpu_us": round(floor["client_cpu"] / n * 1e6),
        "floor_server_cpu_us": round(floor["server_cpu"] / n * 1e6),
        "bare_objects_per_s": round(n / bare["seconds"]),
        "bare_client_cpu_us": round(bare["client_cpu"] / n * 1e6),
        "bare_server_cpu_us": round(bare["server_cpu"] / n * 1e6),
        "hub_to_floor": round(floor["seconds"] / hub["seconds"], 3),
        "rows_per_object": written.rows_per_object(n),
        "load_before": round(before, 2),
        "load_after": round(load(), 2),
    }


def summary(results: list[dict[str, Any]]) -> list[str]:
    """Markdown rows: medians per database over the rounds, with the rounds' ratios."""
    rows = [
        "| database | objects | hub import obj/s | floor obj/s | hub / floor (rounds)"
        " | floor without foreign keys obj/s | database CPU µs/object: floor (without keys)"
        " | rows per object |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for database in dict.fromkeys(r["database"] for r in results):
        mine = [r for r in results if r["database"] == database]

        def median(key: str, of: list[dict[str, Any]] = mine) -> float:
            return float(statistics.median(r[key] for r in of))

        ratios = ", ".join(f"{r['hub_to_floor']:.2f}" for r in mine)
        per_object = sum(mine[0]["rows_per_object"].values())
        side = "server" if database == "postgresql" else "client"  # SQLite works in the floor's process
        rows.append(
            f"| {database} | {mine[0]['objects']:,} | {median('hub_objects_per_s'):,.0f} | "
            f"{median('floor_objects_per_s'):,.0f} | {median('hub_to_floor'):.2f} ({ratios}) | "
            f"{median('bare_objects_per_s'):,.0f} | {median(f'floor_{side}_cpu_us'):.0f} "
            f"({median(f'bare_{side}_cpu_us'):.0f}) | {per_object:.2f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hub-source", default="HEAD", help="a commit to run, or `worktree`")
    parser.add_argument("--database-stem", default="hub_bench_floor", help="PostgreSQL name: <stem>_<pid>")
    parser.add_argument("--json", default=None, help="write every round here")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hub-ingest-floor-") as folder:
        work = Path(folder)
        print("hub:", use_hub_source(work, args.hub_source), flush=True)
        bundle = work / "bundle.json"
        write_bundle(bundle, args.objects)
        for _ in range(args.repeat):
            for database in args.databases.split(","):
                result = one_round(work, bundle, args.objects, database, args.database_stem)
                results.append(result)
                print(orjson.dumps(result).decode(), flush=True)
    print("\n".join(summary(results)))
    if args.json:
        Path(args.json).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
