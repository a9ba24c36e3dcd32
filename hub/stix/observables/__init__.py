"""Observable values extracted from STIX 2.1 patterns, normalised for indexed equality lookups.

At ingest the hub walks each indicator's pattern and stores every equality comparison as an
:class:`Observable` (kind + normalised value). A lookup runs what the user typed through
:func:`candidates`, which normalises it the same way, and then does an indexed ``IN``/``=`` query.
Everything here is pure: no Flask, no database.
"""

from __future__ import annotations

from hub.stix.observables.extraction import _parse_fast as _parse_fast
from hub.stix.observables.extraction import _parse_full as _parse_full
from hub.stix.observables.extraction import clear_cache, extract_observables
from hub.stix.observables.kinds import Kind, Observable
from hub.stix.observables.lookup import candidates, refang
from hub.stix.observables.normalisation import normalise

__all__ = ["Kind", "Observable", "candidates", "clear_cache", "extract_observables", "normalise", "refang"]
