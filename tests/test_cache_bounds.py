"""The per-process caches keyed by data (pattern texts, looked-up values) stay small whatever the hub holds.

A worker's memory must be flat in the number of objects (issue 16): the pattern caches held 65,536 entries,
about 36 MiB once a worker had ingested that many distinct patterns, and the lookup cache 32,768 values
(10 MiB). Each
cache's bytes per entry are measured here with tracemalloc (entries whose keys only the cache keeps alive, as
after an ingest) and multiplied by its bound.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bench import data
from hub.api import service
from hub.stix.observables import extraction
from hub.stix.validation import patterns, timestamps

LIMIT_MIB = 4
SAMPLE = 500

CACHES: dict[str, tuple[Any, Callable[[int], None]]] = {
    "pattern validation": (
        patterns._pattern_error,
        lambda i: patterns.check_pattern(data.pattern_for(i, "bound")),
    ),
    "observable extraction": (
        extraction._extract_cached,
        lambda i: extraction.extract_observables(data.pattern_for(i, "bound")),
    ),
    "lookup values": (service._read_as_cached, lambda i: service._read_as(data.lookup_value(4 * i, "bound"))),
    "timestamp parsing": (
        timestamps._parse_text,
        lambda i: timestamps.parse_timestamp(data.stamp(data.BASE_TIME + timedelta(seconds=i))),
    ),
    "timestamp formatting": (
        timestamps.format_timestamp,
        lambda i: timestamps.format_timestamp(i * 1_000_003),
    ),
}


def _bytes_per_entry(cache: Any, fill: Callable[[int], None]) -> float:
    cache.cache_clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(SAMPLE):
            fill(i)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        entries = cache.cache_info().currsize
        cache.cache_clear()
    assert entries == SAMPLE
    return held / entries


@pytest.mark.parametrize("name", list(CACHES))
def test_a_full_cache_holds_at_most_a_few_mib(name: str) -> None:
    cache, fill = CACHES[name]
    bound = cache.cache_info().maxsize
    assert bound is not None and bound >= SAMPLE
    full_mib = bound * _bytes_per_entry(cache, fill) / 2**20
    assert full_mib <= LIMIT_MIB, f"{name}: {bound:,} entries would hold {full_mib:.1f} MiB"
