"""`hub import` of a generated bundle, timed, with the rate along the run; revisions side by side.

    python -m bench.ingest [--sizes 100000] [--databases sqlite,postgresql] [--revs HEAD~3,worktree]

Each size's bundle (`bench.data` indicators) is written once; every (database, revision) pair then imports it
into a fresh database (SQLite file, or PostgreSQL `<stem>_<pid>`, dropped afterwards), one after the other, so
the revisions share the machine's load as evenly as a shared machine allows. The rate along the run comes from
the stored `date_added` stamps (ingest stamps each row with the time it was stored), in tenths of the rows:
a flat run has ten equal rates. The load average is read before and after each import.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench import data
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

SLICES = 10


def write_bundle(path: Path, n: int) -> None:
    """A STIX bundle of `n` indicators, written in pieces (a million objects is ~400 MB)."""
    with path.open("wb") as out:
        out.write(b'{"type":"bundle","id":"bundle--6b1d3c1e-9d1c-4c55-9a51-0f3c3b7a2b10","objects":[')
        for i in range(n):
            out.write((b"," if i else b"") + orjson.dumps(data.indicator(i, "i")))
        out.write(b"]}")


def load() -> float:
    """The one-minute load average."""
    return os.getloadavg()[0]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """CPU time of the PostgreSQL backends serving one database, sampled while the import runs (the import's
    backend ends with it, so the last quarter second can be missed)."""

    def __init__(self, name: str) -> None:
        self.name, self.seen, self.done = name, dict[int, float](), threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            while not self.done.wait(0.25):
                query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                for (pid,) in conn.execute(query, (self.name,)).fetchall():
                    self.seen[pid] = max(self.seen.get(pid, 0.0), cpu_seconds(pid))

    def stop(self) -> float:
        """Stop sampling; the CPU seconds the backends used."""
        self.done.set()
        self.thread.join()
        return sum(self.seen.values())


def children_cpu() -> float:
    """CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stamps(url: str) -> list[int]:
    """Every stored `date_added`, in order."""
    query = "SELECT date_added FROM object_versions ORDER BY date_added"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [row[0] for row in conn.execute(query)]
    with psycopg.connect(url) as pg:
        return [row[0] for row in pg.execute(query)]


def rates_along(added: list[int]) -> list[int]:
    """Objects per second in each tenth of the rows, from their `date_added` stamps."""
    out = []
    for k in range(SLICES):
        first, last = k * len(added) // SLICES, (k + 1) * len(added) // SLICES - 1
        seconds = (added[last] - added[first]) / 1e6 if last > first else 0
        out.append(round((last - first) / seconds) if seconds > 0 else 0)
    return out


def one_import(work: Path, bundle: Path, n: int, database: str, stem: str) -> dict[str, Any]:
    """Import the bundle into a fresh database; the wall time, rates and load averages."""
    name = run_database(stem)
    url = create_database(name) if database == "postgresql" else f"sqlite:///{work / f'{name}.sqlite3'}"
    try:
        env = hub_env(work, url)
        seed = seed_hub(env, collections=1, tag="ingest")
        before, cpu = load(), children_cpu()
        backends = BackendCpu(name) if database == "postgresql" else None
        started = time.perf_counter()
        command = [hub_bin(), "import", str(bundle), "--as", seed.email, "--collection", seed.collections[0]]
        output = run([*command, "--quiet"], env=env)
        seconds = time.perf_counter() - started
        client = children_cpu() - cpu
        server = backends.stop() if backends else 0.0
        added = stamps(url)
        return {
            "objects": n,
            "stored": len(added),
            "seconds": round(seconds, 2),
            "objects_per_second": round(n / seconds),
            "store_rate": round((len(added) - 1) / ((added[-1] - added[0]) / 1e6)) if len(added) > 1 else 0,
            "rates_along": rates_along(added),
            "client_cpu_us_per_object": round(client / n * 1e6),
            "server_cpu_us_per_object": round(server / n * 1e6),
            "load_before": round(before, 2),
            "load_after": round(load(), 2),
            "summary": output.strip().splitlines()[-1] if output.strip() else "",
        }
    finally:
        discard_database(work, database, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--revs", default="HEAD", help="git revisions (or 'worktree'), comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--database-stem", default="hub_bench_ingest", help="PostgreSQL name: <stem>_<pid>")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hub-ingest-") as folder:
        work = Path(folder)
        for n in (int(size) for size in args.sizes.split(",")):
            bundle = work / f"bundle-{n}.json"
            write_bundle(bundle, n)
            for repeat in range(args.repeat):
                for database in args.databases.split(","):
                    for rev in args.revs.split(","):
                        version = use_hub_source(work, rev)
                        entry = {"rev": version, "database": database, "repeat": repeat}
                        entry.update(one_import(work, bundle, n, database, args.database_stem))
                        results.append(entry)
                        print(orjson.dumps(entry).decode(), flush=True)
            bundle.unlink()
    if args.out:
        Path(args.out).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
