"""STIX pattern syntax checks: strict fast paths, then the stix2patterns grammar, cached by text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from hub.stix.validation.errors import InvalidStix

# The single comparison `[type:path = 'value']`, restricted so that every match is a valid STIX 2.1
# pattern for the ANTLR grammar in stix2patterns: a lower-case object type (IdentifierWithHyphen),
# lower-case unquoted path steps (IdentifierWithoutHyphen), `=`, and a string literal whose only
# escapes are \' and \\ (the grammar's StringLiteral), written unrolled as in
# `hub.stix.observables.extraction`. Spaces only as separators.
_FAST_PATTERN_RE: Final = re.compile(
    r"\[ *([a-z][a-z0-9]*(?:-[a-z0-9]+)*) *: *([a-z_][a-z0-9_]*(?: *\. *[a-z_][a-z0-9_]*)*)"
    r" *= *'[^'\\]*(?:\\['\\][^'\\]*)*' *\]"
)
# `[file:hashes.<ALGORITHM> = '<hex>']`, quoted or not: stix2patterns accepts exactly these when the value has
# the algorithm's length in hex digits (its `object_validator.HASHES_REGEX`), so they need no parse either.
_FAST_HASH_PATTERN_RE: Final = re.compile(
    r"\[ *file *: *hashes *\. *(?:'([A-Za-z0-9-]+)'|([A-Za-z0-9]+)) *= *'([0-9a-fA-F]+)' *\]"
)
_HEX_DIGITS_BY_ALGORITHM: Final = {"MD5": 32, "SHA1": 40, "SHA256": 64, "SHA512": 128}
# Lower-case words the lexer would read as literals, not identifiers.
_PATTERN_LOWER_KEYWORDS: Final = frozenset({"true", "false"})


# Results by pattern text, per process: about 190 bytes an entry with the text the cache keeps alive, so
# 65,536 entries held 12 MiB once a worker had ingested that many distinct patterns: the cache grew with N
# (bench/memory.py). 8,192 hold 1.5 MiB and still cover the repeats within an envelope or a bundle
# (tests/test_cache_bounds.py).
PATTERN_CACHE_SIZE = 8_192


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _pattern_error(pattern: str) -> str | None:
    """None if `pattern` is a valid STIX 2.1 pattern, else the parser's first message."""
    m = _FAST_PATTERN_RE.fullmatch(pattern)
    if m is not None:
        obj_type, path = m.group(1), m.group(2)
        steps = {s.strip() for s in path.split(".")}
        # `hashes` paths get a hash-format check in stix2patterns: leave those to the full parser.
        if (
            obj_type not in _PATTERN_LOWER_KEYWORDS
            and not (steps & _PATTERN_LOWER_KEYWORDS)
            and "hashes" not in steps
        ):
            return None
    if _is_fast_hash_pattern(pattern):
        return None
    from stix2patterns.validator import run_validator

    try:
        errors = run_validator(pattern, "2.1")
    except Exception as exc:  # the ANTLR runtime can fail on pathological input
        return f"the pattern parser failed: {exc}"
    if not errors:
        return None
    return str(errors[0]).removeprefix("FAIL: ")


def _is_fast_hash_pattern(pattern: str) -> bool:
    m = _FAST_HASH_PATTERN_RE.fullmatch(pattern)
    if m is None:
        return False
    algorithm = (m.group(1) or m.group(2)).upper().replace("-", "")
    return _HEX_DIGITS_BY_ALGORITHM.get(algorithm) == len(m.group(3))


def check_pattern(pattern: str) -> None:
    """Raise InvalidStix if `pattern` is not a valid STIX 2.1 pattern.

    Cached by text (functools.lru_cache of a bounded size); fast path for the common single-comparison
    shape `[type:path = 'value']` that is provably valid, full stix2patterns parse otherwise.
    """
    if not isinstance(pattern, str):
        raise InvalidStix("a STIX pattern must be a string", property="pattern")
    err = _pattern_error(pattern)
    if err is not None:
        raise InvalidStix(f"not a valid STIX pattern: {err}", property="pattern")
