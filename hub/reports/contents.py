"""A report's sealed part and its thread, opened: shared by the reporter's side (intake) and the
responders' side (triage), so neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.reports.crypto import Sealer
from hub.reports.models import MessageKind, Report

MAX_TEXT = 20_000
MAX_CONTACT = 500
MAX_TRACES = 200
MAX_TRACE_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class Contents:
    """The sealed part of a report, opened; empty once retention purged it."""

    text: str = ""
    contact: str = ""
    traces: tuple[str, ...] = ()
    platform_other: str = ""
    purged: bool = False


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One opened message of a report's thread."""

    id: int
    author: str
    kind: str
    text: str
    created_at: datetime
    by: str | None = None


def open_contents(sealer: Sealer, report: Report) -> Contents:
    """The report's sealed part, opened (empty after retention)."""
    if report.sealed is None:
        return Contents(purged=True)
    value: dict[str, Any] = sealer.open(report.sealed)
    return Contents(
        text=value.get("text", ""),
        contact=value.get("contact", ""),
        traces=tuple(value.get("traces", ())),
        platform_other=value.get("platform_other", ""),
    )


def thread(sealer: Sealer, report: Report, *, with_notes: bool) -> list[ThreadMessage]:
    """The report's messages, opened; internal notes only when `with_notes`."""
    messages = []
    for message in report.messages:
        if message.kind == MessageKind.NOTE and not with_notes:
            continue
        text = sealer.open(message.sealed) if message.sealed is not None else ""
        by = None
        if message.user is not None:  # the reporter sees the helpline's name, responders see who wrote it
            by = f"{message.user.email} ({message.user.org.name})" if with_notes else message.user.org.name
        messages.append(ThreadMessage(message.id, message.author, message.kind, text, message.created_at, by))
    return messages
