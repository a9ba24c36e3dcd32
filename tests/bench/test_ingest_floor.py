"""Smoke test of `bench.ingest_floor`: the floor stores exactly the rows `hub import` stored, batch by
batch, on SQLite (the SQLite pass) and PostgreSQL (the PostgreSQL pass)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench import ingest_floor
from bench.ingest import write_bundle
from bench.servers import use_hub_source
from hub.interop.importer import BATCH

pytestmark = [pytest.mark.bench]

N = 2 * BATCH + 17  # three batches, the last one short
ON_POSTGRESQL = os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgresql")


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables ingest writes, and the collections' `last_date_added`."""
    queries = {table: f"SELECT * FROM {table} ORDER BY 1, 2" for table in ingest_floor.TABLES}
    queries["collections"] = "SELECT id, last_date_added FROM collections ORDER BY id"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return {table: conn.execute(query).fetchall() for table, query in queries.items()}
    with psycopg.connect(url) as pg:
        return {table: pg.execute(query).fetchall() for table, query in queries.items()}


@pytest.mark.parametrize(
    "database",
    [
        pytest.param("sqlite", marks=pytest.mark.own_sqlite),
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not ON_POSTGRESQL, reason="the PostgreSQL pass runs the COPY floor"),
        ),
    ],
)
def test_the_floor_stores_what_the_import_stored_in_its_batches(tmp_path: Path, database: str) -> None:
    use_hub_source(tmp_path, "worktree")
    bundle = tmp_path / "bundle.json"
    write_bundle(bundle, N)
    with ingest_floor.databases(tmp_path, database, f"hub_floor_test_{os.getpid()}") as (env, urls):
        assert contents(urls[1])["object_versions"] == []  # the copies were taken before the import
        hub = ingest_floor.import_bundle(env, bundle, urls[0])
        written, floor, bare = ingest_floor.floors(database, urls)
        imported = contents(urls[0])
        assert len(imported["object_versions"]) == N and imported["observables"] and imported["search_text"]
        assert contents(urls[1]) == imported
        assert contents(urls[2]) == imported  # without foreign keys, the same rows
    assert len(written.batches) == 3 and len(written.last_added) == 3
    assert [len(batch["object_versions"]) for batch in written.batches] == [BATCH, BATCH, 17]
    assert written.rows_per_object(N)["object_versions"] == 1
    assert hub["seconds"] > 0 and floor["seconds"] > 0 and bare["seconds"] > 0
    if database == "postgresql":
        assert hub["server_cpu"] > 0 and floor["server_cpu"] > 0


def test_rows_not_tied_to_a_version_are_spread_over_the_batches() -> None:
    assert ingest_floor.batch_of([10, 11, 12], [], 3) == [0, 1, 2]
    assert ingest_floor.batch_of([0, 1, 2, 3], [], 2) == [0, 0, 1, 1]
    versions = list(range(100, 100 + 2 * BATCH))
    assert ingest_floor.batch_of([100, 100 + BATCH, 99 + 2 * BATCH], versions, 2) == [0, 1, 1]


def test_the_summary_gives_medians_and_every_rounds_ratio() -> None:
    one = {
        "database": "postgresql",
        "objects": 1000,
        "hub_objects_per_s": 5000,
        "floor_objects_per_s": 20000,
        "hub_to_floor": 0.25,
        "bare_objects_per_s": 30000,
        "floor_server_cpu_us": 40,
        "bare_server_cpu_us": 25,
        "rows_per_object": {"object_versions": 1.0, "observables": 1.0},
    }
    lite = {**one, "database": "sqlite", "floor_client_cpu_us": 60, "bare_client_cpu_us": 55}
    rows = ingest_floor.summary([one, {**one, "hub_to_floor": 0.35, "hub_objects_per_s": 7000}, lite])
    assert rows[2].startswith(
        "| postgresql | 1,000 | 6,000 | 20,000 | 0.30 (0.25, 0.35) | 30,000 | 40 (25) | 2.00 |"
    )
    assert rows[3] == "| sqlite | 1,000 | 5,000 | 20,000 | 0.25 (0.25) | 30,000 | 60 (55) | 2.00 |"
