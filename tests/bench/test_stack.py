"""Smoke tests of the stack-floor benchmark (bench/stack.py) at a tiny size: the hub and the floor app under
gunicorn on the same database, measured side by side, with the collection loaded through TAXII, through
`hub import`, or copied from a template kept by an earlier run."""

from __future__ import annotations

import argparse
from pathlib import Path

import psycopg
import pytest

from bench import stack
from bench.servers import postgresql_memory, use_hub_source
from bench.stack_load import Templates, pg_exists, prepare

pytestmark = pytest.mark.bench

N = 40


def _args(**kw: object) -> argparse.Namespace:
    base = {
        "rounds": 1,
        "samples": 2,
        "passes": 1,
        "workers": 1,
        "load": "post",
        "name": "t",
        "templates": "",
    }
    return argparse.Namespace(**{**base, **kw})


def _entry() -> dict[str, object]:
    """A run's entry as `stack.measure` returns it, with one round of made-up figures."""
    names = ("hub_first_ms", "floor_first_ms", "first_ratio", "hub_paging_obj_s", "floor_paging_obj_s")
    names += ("paging_share", "lookup_ms", "lookup_ratio", "batch_ms", "load_average")
    return {
        "rounds": [dict.fromkeys(names, 1.0)],
        "server": {},
        "hub_memory": {"worker_mib": 90},
        "floor_memory": {"worker_mib": 100},
    }


@pytest.mark.own_sqlite
def test_the_floor_serves_the_same_objects_and_every_ratio_is_reported(tmp_path: Path) -> None:
    use_hub_source(tmp_path, "worktree")
    entry = stack.measure(tmp_path, "sqlite", N, _args())  # raises if the two serve different objects
    (one,) = entry["rounds"]
    assert one["first_ratio"] > 0 and one["paging_share"] > 0 and one["lookup_ratio"] > 0
    assert one["batch_ms"] > 0
    assert entry["load"]["how"] == "post" and not entry["load"]["template"]
    assert entry["hub_memory"]["workers"] == 1 and entry["floor_memory"]["worker_mib"] > 0
    text = stack.table({"runs": {f"sqlite:{N}": entry}})
    assert f"| sqlite | {N} |" in text and text.count("\n") == 2
    assert entry["server"] == {}  # PostgreSQL's cache settings only


@pytest.mark.own_sqlite
def test_an_import_is_kept_as_a_template_and_a_later_run_copies_it(tmp_path: Path) -> None:
    use_hub_source(tmp_path, "worktree")
    args = _args(load="import", templates=str(tmp_path / "templates"))
    first = prepare(tmp_path, "sqlite", N, "import", "t", Templates(tmp_path / "templates", "t"), 1)
    first.close()
    assert first.load["how"] == "import" and not first.load["template"]
    again = stack.measure(tmp_path, "sqlite", N, args)  # the copy serves the same objects as the floor
    assert again["load"]["template"] and again["load"]["how"] == "import"
    Templates(tmp_path / "templates", "t").drop()
    assert not list((tmp_path / "templates").iterdir())


@pytest.mark.own_sqlite
def test_a_mismatch_between_hub_and_floor_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_hub_source(tmp_path, "worktree")
    original = stack.Reader.digest

    def floor_differs(self: stack.Reader) -> tuple[int, str]:
        count, digest = original(self)
        return (count, digest) if self.http.headers.get("Authorization") else (count, digest[::-1])

    monkeypatch.setattr(stack.Reader, "digest", floor_differs)
    with pytest.raises(RuntimeError, match="different objects"):
        stack.measure(tmp_path, "sqlite", N, _args())


def test_a_postgresql_run_names_its_databases_and_drops_them(tmp_path: Path) -> None:
    try:
        pg_exists("postgres")
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server on 127.0.0.1: {exc}")
    use_hub_source(tmp_path, "worktree")
    loaded = prepare(tmp_path, "postgresql", N, "import", "t_bench_stack", None, 1)
    assert loaded.env["HUB_DATABASE_URL"].endswith("/hub_t_bench_stack_40") and pg_exists(
        "hub_t_bench_stack_40"
    )
    server = postgresql_memory(loaded.env["HUB_DATABASE_URL"])
    with psycopg.connect(loaded.env["HUB_DATABASE_URL"]) as conn:
        assert server["shared_buffers"] == conn.execute("SHOW shared_buffers").fetchone()[0]  # type: ignore[index]
    assert server["database_mib"] > 0
    loaded.close()
    assert not pg_exists("hub_t_bench_stack_40")
    results = {"runs": {f"postgresql:{N}": {**_entry(), "server": server}, f"sqlite:{N}": _entry()}}
    assert stack.table(results).splitlines()[-1] == (
        f"PostgreSQL of postgresql:{N}: shared_buffers {server['shared_buffers']}, effective_cache_size "
        f"{server['effective_cache_size']}, database {server['database_mib']:,} MiB"
    )
