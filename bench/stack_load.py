"""A loaded collection for `bench.stack`: N generated indicators stored by the hub's own ingest, either posted
through TAXII (envelopes of 500, the default) or written to a file and loaded with `hub import` (the same
`add_objects` path without HTTP, batches of 1,000), optionally kept as a template and copied for later runs.

A million objects take 15–40 minutes through TAXII on a shared machine; a template turns later loads into a
copy: `CREATE DATABASE … TEMPLATE …` on PostgreSQL, a file copy on SQLite. A template
is reused only for the same database, N and data series; `hub db upgrade` runs on every copy, and the
revision that stored the rows is recorded beside it and in the results. Every database this creates is named
after `name` (`hub_<name>_<n>` and `hub_<name>_tpl_<n>`), so runs with different names never drop each
other's databases.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench import data
from bench.procs import LOOPBACK, run
from bench.servers import (
    PG_ADMIN_URL,
    HubSeed,
    create_database,
    drop_database,
    hub_bin,
    hub_env,
    hub_version,
    seed_hub,
    start_hub,
)
from bench.workload import Client, ingest

SALT = "b0"
IMPORT_TIMEOUT = 4 * 3600


@dataclass
class Loaded:
    """A database holding one loaded collection, ready for `start_hub(env=..., seed=...)`."""

    database: str
    env: dict[str, str]
    seed: HubSeed
    load: dict[str, Any]
    drop: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Drop the PostgreSQL database of this run (a SQLite file goes with the work folder)."""
        for name in self.drop:
            drop_database(name)


def pg_url(name: str) -> str:
    """The URL of a PostgreSQL database on the loopback server."""
    return f"postgresql://postgres@{LOOPBACK}:5432/{name}"


def pg_exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _pg_copy(source: str, target: str) -> None:
    """A copy of a database no one is connected to (FILE_COPY: a checkpoint and a copy of the files)."""
    drop_database(target)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')


def _sqlite_copy(source: Path, target: Path) -> None:
    """A copy of a SQLite database no one has open (with its write-ahead log, if one was left)."""
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


class Templates:
    """Loaded databases kept for reuse: where each one is and the sidecar describing it."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name

    def sidecar(self, database: str, n: int) -> Path:
        """The JSON beside a template: seed (collection, token, user), series, load rate, revision."""
        return self.folder / f"{self.name}-{database}-{n}.json"

    def pg_name(self, n: int) -> str:
        """The template database's name on PostgreSQL."""
        return f"hub_{self.name}_tpl_{n}"

    def sqlite_path(self, n: int) -> Path:
        """The template file on SQLite."""
        return self.folder / f"{self.name}-{n}.sqlite3"

    def find(self, database: str, n: int) -> dict[str, Any] | None:
        """The sidecar of a usable template, or None."""
        path = self.sidecar(database, n)
        if not path.exists():
            return None
        meta: dict[str, Any] = orjson.loads(path.read_bytes())
        exists = pg_exists(self.pg_name(n)) if database == "postgresql" else self.sqlite_path(n).exists()
        return meta if exists and meta.get("salt") == SALT and meta.get("n") == n else None

    def keep(self, loaded: Loaded, n: int, where: str) -> None:
        """Copy a freshly loaded database (closed) into the template and write its sidecar last."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if loaded.database == "postgresql":
            _pg_copy(where, self.pg_name(n))
        else:
            _sqlite_copy(Path(where), self.sqlite_path(n))
        meta = {"n": n, "salt": SALT, "seed": vars(loaded.seed), "load": loaded.load}
        self.sidecar(loaded.database, n).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))

    def drop(self) -> None:
        """Remove every template of this name (databases, files, sidecars)."""
        for sidecar in self.folder.glob(f"{self.name}-*.json"):
            meta = orjson.loads(sidecar.read_bytes())
            if sidecar.name.startswith(f"{self.name}-postgresql-"):
                drop_database(self.pg_name(meta["n"]))
            else:
                self.sqlite_path(meta["n"]).unlink(missing_ok=True)
                Path(f"{self.sqlite_path(meta['n'])}-wal").unlink(missing_ok=True)
            sidecar.unlink()


def write_file(path: Path, n: int) -> None:
    """The benchmark's N indicators as one TAXII envelope, written object by object (never all in memory)."""
    with path.open("wb") as handle:
        handle.write(b'{"objects":[')
        for i in range(n):
            if i:
                handle.write(b",")
            handle.write(orjson.dumps(data.indicator(i, SALT)))
        handle.write(b"]}")


def import_load(work: Path, env: dict[str, str], seed: HubSeed, n: int) -> dict[str, Any]:
    """`hub import` of the N indicators; objects/s over the command's whole run (file writing excluded)."""
    path = work / f"indicators-{n}.json"
    write_file(path, n)
    try:
        argv = [hub_bin(), "import", str(path), "--as", seed.email, "--collection", seed.collections[0], "-q"]
        started = time.perf_counter()
        out = run(argv, env=env, timeout=IMPORT_TIMEOUT)
        seconds = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)
    expected = f"{n} objects: {n} stored, 0 already stored, 0 failed"
    if expected not in out:
        raise RuntimeError(f"hub import did not store all {n} objects: {out[-500:]}")
    return {"how": "import", "seconds": seconds, "objects_per_s": n / seconds}


def post_load(
    work: Path, database: str, env: dict[str, str], seed: HubSeed, n: int, workers: int
) -> dict[str, Any]:
    """TAXII POST of the N indicators to a hub started for the load only (stopped afterwards)."""
    hub = start_hub(work, database, 1, workers, env=env, seed=seed)
    client: Client | None = None
    try:
        client = Client(hub, 1e9, 600)
        loading = ingest(client, hub.collection_url(0), n, SALT)
    finally:
        if client is not None:  # an open keep-alive connection holds a stopping gunicorn worker
            client.http.close()
        hub.close()
    if loading["failures"]:
        raise RuntimeError(f"{loading['failures']} of {n} objects were refused")
    return {"how": "post", "seconds": loading["seconds"], "objects_per_s": loading["objects_per_s"]}


def prepare(
    work: Path, database: str, n: int, how: str, name: str, templates: Templates | None, workers: int = 2
) -> Loaded:
    """A database of this run holding the N indicators: copied from a template when there is one, else
    loaded by `how` ('post' or 'import') and, with `templates`, kept as one."""
    if database == "postgresql":
        where = f"hub_{name}_{n}"
        url, drop = pg_url(where), [where]
    else:
        where = str(work / f"{name}-{n}.sqlite3")
        url, drop = f"sqlite:///{where}", []
    env = hub_env(work, url)
    meta = templates.find(database, n) if templates else None
    if templates and meta:
        copying = time.perf_counter()
        if database == "postgresql":
            _pg_copy(templates.pg_name(n), where)
        else:
            _sqlite_copy(templates.sqlite_path(n), Path(where))
        run([hub_bin(), "db", "upgrade"], env=env)
        load = {**meta["load"], "copied_s": time.perf_counter() - copying, "template": True}
        return Loaded(database, env, HubSeed(**meta["seed"]), load, drop)
    if database == "postgresql":
        create_database(where)
    loaded = Loaded(database, env, seed_hub(env, 1), {}, drop)
    try:
        if how == "import":
            loaded.load = import_load(work, env, loaded.seed, n)
        else:
            loaded.load = post_load(work, database, env, loaded.seed, n, workers)
        loaded.load.update(stored_by=hub_version(), template=False)
        if templates:
            templates.keep(loaded, n, where)
    except BaseException:
        loaded.close()
        raise
    return loaded
