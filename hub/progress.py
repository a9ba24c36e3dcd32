"""Progress of long operator commands (`hub import`, `hub export`, `hub feed sync`) on a terminal.

A 1M-object import takes minutes; an operator watching it needs objects done, the rate and the time left.
A script or a cron job needs silence: the display is drawn on standard error only when standard error is a
terminal, never when it is a pipe or a file, and never with `--quiet`. Standard output stays clean either way
(an export may be writing the bundle there). Rich draws it: a maintained library that handles terminal width,
redraws and non-terminal fallbacks, which a hand-written carriage-return line did not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _ObjectsColumn(ProgressColumn):
    """'12,345 objects, 8,120 obj/s': objects are what operators count, whatever the bar measures (bytes of
    a file, for an import)."""

    def render(self, task: Task) -> Text:
        done = int(task.fields.get("objects", 0))
        elapsed = task.elapsed or 0.0
        rate = done / elapsed if elapsed > 0 else 0.0
        return Text(f"{done:,} objects, {rate:,.0f} obj/s")


class Tracker:
    """What a long operation reports to: objects done and, when the whole is known, how far along it is."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task
        self.objects = 0
        self.started = time.monotonic()

    def advance(self, objects: int, position: int | None = None) -> None:
        """`objects` more are done; `position` is how far along the measured whole (e.g. the byte offset)."""
        self.objects += objects
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, objects=self.objects, completed=position)


def terminal_wanted(quiet: bool) -> bool:
    """True when a progress display should be drawn: asked for (not `--quiet`) and someone is watching."""
    return not quiet and Console(stderr=True).is_terminal


@contextmanager
def progress(label: str, total: int | None = None, quiet: bool = False) -> Iterator[Tracker]:
    """A progress display for one operation; `total` is the size of the measured whole (None: unknown, then
    only objects, rate and elapsed time are shown)."""
    if not terminal_wanted(quiet):
        yield Tracker(None, None)
        return
    columns: list[ProgressColumn | str] = [TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), TaskProgressColumn()]
    columns += [_ObjectsColumn(), TimeElapsedColumn()]
    if total is not None:
        columns += ["left", TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True)) as display:
        task = display.add_task(label, total=total, objects=0)
        yield Tracker(display, task)
