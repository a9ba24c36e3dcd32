"""The per-object Python work of ingest, stage by stage, without a database: µs per object.

    python -m bench.ingest_cpu [--objects 20000] [--rounds 5] [--file bundle.json] [--stage all]

Stages, run on the same objects in the order ingest runs them:
  check      `hub.stix.ingest.check_objects` and `_check_all`: validation (structure, timestamps, pattern
             syntax), TLP, the observable index values (pattern extraction, normalisation, warning lists,
             keys), the stored JSON text;
  observables the observable index rows of each object, as `hub.stix.observable_index.index_stored` builds
             them from those values before inserting;
  search     the search rows (`hub.search.indexing`), before inserting.
The objects are the benchmark's indicators (`bench.data`, four observable kinds) or those of a STIX file
(`--file`). Every round starts from fresh copies with the pattern and timestamp caches emptied, as a file
of new objects finds them. Noisy on a shared machine: for a stable figure count instructions, one stage at
a time, under callgrind (`--stage check --rounds 1 --no-gc`, minus `--stage none`).
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench import data

STAGES = ("check", "observables", "search")


def objects_of(n: int, path: str | None) -> list[dict[str, Any]]:
    """`n` benchmark indicators, or the objects of a bundle or envelope file (repeated up to `n`)."""
    if path is None:
        return [data.indicator(i, "cpu") for i in range(n)]
    found = orjson.loads(Path(path).read_bytes())
    objects = found.get("objects", []) if isinstance(found, dict) else found
    return [objects[i % len(objects)] for i in range(n)] if objects else []


def stages() -> dict[str, Callable[[list[Any]], list[Any]]]:
    """Each stage as a function of the previous one's output."""
    from hub.orgs.models import Role, Tier
    from hub.policy.attribution import Identities
    from hub.policy.principal import Principal
    from hub.search.indexing import _rows as search_rows
    from hub.sharing.models import Collection
    from hub.stix.ingest import IngestOptions, _check_all, _Results, check_objects
    from hub.stix.observable_index import _rows_of

    p = Principal(user_id=1, org_id=1, role=Role.MEMBER, tier=Tier.TRUSTED, org_active=True)
    collection = Collection(id="00000000-0000-4000-8000-000000000000", default_tlp=2, rules=[])
    identities = Identities(frozenset(), None)

    def check(objects: list[Any]) -> list[Any]:
        checked = check_objects(objects, ()).checked
        return list(_check_all(p, collection, checked, IngestOptions(), _Results(), identities))

    def observables(candidates: list[Any]) -> list[Any]:
        flags: list[dict[str, str]] = []
        for number, candidate in enumerate(candidates):
            _rows_of(number, collection.id, candidate.stix_id, candidate.values, flags)
        return candidates

    def search(candidates: list[Any]) -> list[Any]:
        search_rows((number, candidate.obj) for number, candidate in enumerate(candidates))
        return candidates

    return {"check": check, "observables": observables, "search": search}


def clear_caches() -> None:
    """What a file of new objects finds: no pattern or timestamp seen before."""
    from hub.stix.observables import clear_cache
    from hub.stix.validation import patterns, timestamps

    clear_cache()
    patterns._pattern_error.cache_clear()
    for cached in (getattr(timestamps, "_parse_text", None), timestamps.format_timestamp):
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--file", default=None, help="a STIX bundle or TAXII envelope (default: indicators)")
    parser.add_argument("--stage", choices=("all", "none", *STAGES), default="all")
    parser.add_argument(
        "--no-gc", action="store_true", help="no cyclic garbage collection (for instruction counts by stage)"
    )
    args = parser.parse_args()
    if (
        args.no_gc
    ):  # a collection falls in whichever stage crosses the threshold: it would blur the differences
        gc.disable()
    source = objects_of(args.objects, args.file)
    steps = stages()
    wanted = (
        STAGES
        if args.stage == "all"
        else STAGES[: STAGES.index(args.stage) + 1]
        if args.stage in STAGES
        else ()
    )
    seconds: dict[str, list[float]] = {name: [] for name in wanted}
    for _ in range(args.rounds):
        clear_caches()
        value: list[Any] = copy.deepcopy(source)
        for name in wanted:
            timed = args.stage in ("all", name)
            started = time.perf_counter()
            value = steps[name](value)
            if timed:
                seconds[name].append(time.perf_counter() - started)
    per_object = {
        name: statistics.median(times) / len(source) * 1e6 for name, times in seconds.items() if times
    }
    total = sum(per_object.values())
    print(
        f"{len(source):,} objects, median of {args.rounds} rounds, load {os.getloadavg()[0]:.2f}: "
        + ", ".join(f"{name} {us:.1f} µs" for name, us in per_object.items())
        + (f"; total {total:.1f} µs/object = {1e6 / total:,.0f} objects/s" if total else "")
    )


if __name__ == "__main__":
    main()
