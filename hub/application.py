"""The hub's Flask class: Flask, with `ensure_sync` answered once per function instead of on every call.

Flask passes every hook, view and teardown function through `ensure_sync` on every request, and each pass
asks `inspect.iscoroutinefunction` (eight Python calls). A TAXII first page runs seventeen of them: about
140 of its calls, more than its page statement's result processing (docs/performance.md, "The fixed cost
per request"). The answer for a given function never changes, so it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

# Hooks, views, error handlers and teardowns: a fixed set an app registers when it is built. The bound only
# guards against a caller that passes a new callable per request (none does): past it, nothing is kept.
MAX_KEPT = 1024


class HubFlask(Flask):
    """Flask with a per-app memo of `ensure_sync`; behaviour is Flask's own (async views still run)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer for `func`, computed on its first pass."""
        try:
            return self._synced[func]
        except KeyError:
            synced = super().ensure_sync(func)
            if len(self._synced) < MAX_KEPT:
                self._synced[func] = synced
            return synced
        except TypeError:  # an unhashable callable: ask Flask every time
            return super().ensure_sync(func)
