"""`HubFlask.ensure_sync` keeps Flask's answer per function (issue 16): the same answers, asked once."""

from __future__ import annotations

import inspect
from typing import Any

from hub import application
from hub.application import HubFlask


def test_the_answer_is_flasks_and_is_asked_once(monkeypatch):
    """Failed before the memo: Flask asked `iscoroutinefunction` on every pass (twice here)."""
    asked: list[Any] = []
    real = inspect.iscoroutinefunction
    monkeypatch.setattr("flask.app.iscoroutinefunction", lambda func: asked.append(func) or real(func))
    app = HubFlask(__name__)

    def hook() -> None:
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]


def test_unhashable_callables_and_a_full_memo_are_asked_every_time(monkeypatch):
    monkeypatch.setattr(application, "MAX_KEPT", 1)
    app = HubFlask(__name__)

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> None:
            return None

    odd = Unhashable()
    assert app.ensure_sync(odd) is odd
    first, second = (lambda: None), (lambda: None)
    assert app.ensure_sync(first) is first
    assert app.ensure_sync(second) is second
    assert list(app._synced) == [first]
