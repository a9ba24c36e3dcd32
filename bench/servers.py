"""The hub under test, started fresh on a free loopback port on SQLite or PostgreSQL, and what every server
under test shares (`Target`). The peers are in `bench.peers`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.procs import BENCH_PYTHON, LOOPBACK, free_port, peak_rss, run, start, stop, wait_http

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TAXII_ACCEPT = "application/taxii+json;version=2.1"
PASSWORD = "bench-password-" + "x" * 8


@dataclass
class Target:
    """One running server: where its collections are, how to authenticate, and its process."""

    name: str
    kind: str
    base_url: str
    api_root: str
    collections: list[str]
    headers: dict[str, str]
    auth: tuple[str, str] | None
    proc: subprocess.Popen[bytes]
    version: str = ""
    workers: int = 1
    lookup_url: str | None = None
    notes: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    database_url: str = ""

    def collection_url(self, index: int = 0) -> str:
        """The TAXII collection URL (with trailing slash) of collection number `index`."""
        return f"{self.base_url}{self.api_root}collections/{self.collections[index]}/"

    def memory(self) -> dict[str, float]:
        """Peak RSS of the server's processes so far."""
        return peak_rss(self.proc.pid)

    def analyse(self) -> bool:
        """Refresh PostgreSQL's planner statistics after the bulk load, as autovacuum soon would (untimed)."""
        if not self.database_url.startswith("postgresql"):
            return False
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return True

    def close(self) -> None:
        """Stop the server and drop what it created outside the work folder."""
        stop(self.proc)
        for database in self.cleanup:
            drop_database(database)


# --- the hub -----------------------------------------------------------------------------------------------


REPO = Path(__file__).resolve().parent.parent
_hub_source: dict[str, str] = {"path": "", "version": ""}


def hub_bin() -> str:
    """The `hub` command of the virtualenv running the benchmark (it imports `hub` from PYTHONPATH first)."""
    return str(BENCH_PYTHON.parent / "hub")


def use_hub_source(work: Path, source: str) -> str:
    """Run the hub from a commit (`HEAD` or any revision, exported into the work folder: what is measured is a
    commit, not a shared checkout in flux) or from the working tree as it is (`worktree`). Returns a
    description of the version."""
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD" if source == "worktree" else source],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    commit = rev.stdout.strip() or "?"
    if source == "worktree":
        _hub_source.update(path="", version=f"working tree at git {commit}")
        return _hub_source["version"]
    folder = work / f"hub-src-{commit}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit], capture_output=True, cwd=REPO, check=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    _hub_source.update(path=str(folder), version=f"git {commit}")
    return _hub_source["version"]


def run_database(stem: str) -> str:
    """A PostgreSQL database name of this run only (`<stem>_<pid>`): two benchmarks at once, or another
    engineer's, never drop each other's database."""
    return f"{stem}_{os.getpid()}"


def create_database(name: str) -> str:
    """A fresh PostgreSQL database on 127.0.0.1 (dropped first if it exists). Returns its URL."""
    drop_database(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@{LOOPBACK}:5432/{name}"


def drop_database(name: str) -> None:
    """Drop a benchmark database if it exists."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def discard_database(work: Path, database: str, name: str) -> None:
    """Remove a benchmark database at the end of a run: PostgreSQL's `name`, or on SQLite the file
    `<name>.sqlite3` in `work` with its WAL and shared-memory files."""
    if database == "postgresql":
        drop_database(name)
        return
    for suffix in ("", "-wal", "-shm"):
        (work / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)


def postgresql_memory(database_url: str) -> dict[str, Any]:
    """The server's cache settings and the database's size: at 1M objects the database (about 1.5 GB) is
    larger than PostgreSQL's default `shared_buffers` (128 MB), and a lookup of a value no request read
    since the last paging pass reads its pages from the operating system (`docs/scaling.md`), so a reading
    means little without them."""
    with psycopg.connect(database_url) as conn:
        ((shared_buffers, cache_size, size),) = conn.execute(
            "SELECT current_setting('shared_buffers'), current_setting('effective_cache_size'),"
            " pg_database_size(current_database())"
        ).fetchall()
    return {
        "shared_buffers": shared_buffers,
        "effective_cache_size": cache_size,
        "database_mib": round(int(size) / 2**20),
    }


def hub_env(work: Path, database_url: str) -> dict[str, str]:
    """Environment for hub commands and servers of one benchmark database."""
    env = dict(os.environ)
    env.update(
        HUB_DATABASE_URL=database_url,
        HUB_SECRET_KEY=secrets.token_urlsafe(32),
        HUB_INSTANCE_PATH=str(work / "hub-instance"),
    )
    if _hub_source["path"]:
        env["PYTHONPATH"] = _hub_source["path"]
    return env


@dataclass(frozen=True)
class HubSeed:
    """What the CLI seeding created: collection ids and the reader/writer token."""

    collections: list[str]
    token: str
    email: str


SEED_SCRIPT = """
import json, sys
from click.testing import CliRunner
from hub.cli import main

outputs = []
for argv, stdin in json.loads(sys.argv[1]):
    result = CliRunner().invoke(main, argv, input=stdin, catch_exceptions=False)
    if result.exit_code != 0:
        sys.exit(f"hub {' '.join(argv)} failed ({result.exit_code}): {result.output}")
    outputs.append(result.output.strip().splitlines()[-1] if result.output.strip() else "")
print(json.dumps(outputs))
"""


def adopt_hub_env(env: dict[str, str]) -> None:
    """Run the hub in this process as `hub serve` would run with `env`: its HUB_* settings, and the source
    tree of the revision under test first on the import path (benchmarks that profile the hub in-process)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("HUB_")})
    if env.get("PYTHONPATH"):
        sys.path.insert(0, env["PYTHONPATH"])


@contextmanager
def in_process_hub(work: Path, database: str, name: str, tag: str) -> Iterator[HubSeed]:
    """A seeded hub (one collection) whose settings this process adopts, for the benchmarks that run the hub
    in-process (bench.calls, bench.memory, bench.profile): on PostgreSQL the database `name`, created here
    and dropped at the end; on SQLite a file in `work`."""
    url = create_database(name) if database == "postgresql" else f"sqlite:///{work / f'{tag}.sqlite3'}"
    env = hub_env(work, url)
    try:
        seed = seed_hub(env, collections=1, tag=tag)
        adopt_hub_env(env)
        yield seed
    finally:
        if database == "postgresql":
            drop_database(name)


def seed_hub(env: dict[str, str], collections: int, tag: str = "bench") -> HubSeed:
    """Migrate, then create an organisation, a user, collections and a token with the hub's CLI commands
    (`hub db upgrade`, `hub org add`, `hub user add`, `hub collection add`, `hub token add`), run one
    after the other in one process so the app is imported once."""
    org, email = f"{tag}-org", f"{tag}@bench.invalid"
    commands: list[tuple[list[str], str | None]] = [
        (["db", "upgrade"], None),
        (["org", "add", org, "--type", "ngo", "--tier", "trusted"], None),
        (["user", "add", email, "--org", org, "--role", "member", "--password-stdin"], PASSWORD + "\n"),
    ]
    commands += [
        (
            [
                "collection",
                "add",
                f"{tag} {k}",
                "--read",
                f"org:{org}",
                "--write",
                f"org:{org}",
                "--default-tlp",
                "green",
            ],
            None,
        )
        for k in range(collections)
    ]
    commands.append((["token", "add", email, "--label", "benchmark"], None))
    out = run([str(BENCH_PYTHON), "-c", SEED_SCRIPT, json.dumps(commands)], env=env)
    outputs = json.loads(out.strip().splitlines()[-1])
    return HubSeed(outputs[3 : 3 + collections], outputs[-1], email)


def start_hub(
    work: Path,
    database: str,
    collections: int,
    workers: int,
    port: int | None = None,
    env: dict[str, str] | None = None,
    seed: HubSeed | None = None,
) -> Target:
    """Start the hub under gunicorn (`hub serve`) on a fresh SQLite file or PostgreSQL database."""
    cleanup: list[str] = []
    if env is None:
        if database == "postgresql":
            name = run_database("hub_bench")
            url = create_database(name)
            cleanup.append(name)
        else:
            path = work / f"hub-{uuid.uuid4().hex[:8]}.sqlite3"
            url = f"sqlite:///{path}"
        env = hub_env(work, url)
    if seed is None:
        seed = seed_hub(env, collections)
    port = port or free_port()
    proc = start(
        [hub_bin(), "serve", "--host", LOOPBACK, "--port", str(port), "--workers", str(workers)],
        work / f"hub-{database}-{port}.log",
        env=env,
    )
    base = f"http://{LOOPBACK}:{port}"
    target = Target(
        f"hub ({'PostgreSQL' if database == 'postgresql' else 'SQLite'})",
        "hub",
        base,
        "/taxii2/api/",
        seed.collections,
        {"Authorization": f"Bearer {seed.token}"},
        None,
        proc,
        version=hub_version(),
        workers=workers,
        cleanup=cleanup,
        database_url=env["HUB_DATABASE_URL"],
    )
    try:
        wait_http(f"{base}/taxii2/", proc)
    except Exception:
        target.close()
        raise
    target.lookup_url = f"{base}/api/v1/lookup"
    return target


def hub_version() -> str:
    """What hub code the benchmark runs: a commit, or the working tree."""
    return _hub_source["version"] or "working tree"
