"""A claimed delivery as plain values, and what became of it: the contract between the worker and a
channel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from hub.notify.audience import AnySession


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery the worker holds the lease on (plain values: nothing here touches the database)."""

    id: str
    channel: str
    topic: str
    refs: dict[str, Any]
    attempts: int
    created_us: int
    user_id: int | None = None
    webhook_id: int | None = None
    address: str | None = None


class Verdict(StrEnum):
    """How an attempt ended."""

    SENT = "sent"
    RETRY = "retry"  # a failure worth trying again (until the attempts run out)
    DROPPED = "dropped"  # nothing may be told any more (visibility changed, recipient gone)
    GONE = "gone"  # the webhook answered 410: disable the endpoint


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict, with the status code and error to show on the deliveries page."""

    verdict: Verdict
    error: str | None = None
    status: int | None = None


class Prepared(Protocol):
    """A message ready to leave, built inside a read transaction and sent outside any."""

    def transmit(self) -> Outcome:
        """Send it; never raises for a network failure."""


class ChannelAdapter(Protocol):
    """Builds the message of one channel for one claimed delivery."""

    def prepare(self, session: AnySession, claimed: Claimed) -> Prepared | Outcome:
        """The message, or an outcome when there is nothing to send."""
