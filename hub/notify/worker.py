"""The delivery worker: expand events into deliveries, then send what is due, with retries and dead letters.

Both steps claim rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers run side by side without
taking the
same row; SQLite serialises writers and runs one worker. A claimed delivery gets a lease (its next attempt is
pushed `lease_seconds` ahead) before anything is sent, so a worker killed mid-delivery leaves it due again
for the
next worker, under the same id: delivery is at least once. Work is taken in batches, so memory stays bounded
however many events wait.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Table, Update, insert, select, update

from hub.db import begin_write, now_us
from hub.notify.audience import AnySession
from hub.notify.delivery import ChannelAdapter, Claimed, Outcome, Prepared, Verdict
from hub.notify.digest import queue_due_digests
from hub.notify.mail_channel import MailChannel
from hub.notify.models import Channel, Delivery, DeliveryStatus, Event, Webhook
from hub.notify.outbox import emit
from hub.notify.plan_events import PLANNERS
from hub.notify.settings import WorkerSettings, worker_settings
from hub.notify.webhook_channel import WebhookChannel
from hub.oneline import one_line

logger = logging.getLogger(__name__)
US = 1_000_000
CHANNELS: dict[str, ChannelAdapter] = {
    Channel.EMAIL.value: MailChannel(),
    Channel.WEBHOOK.value: WebhookChannel(),
}


@dataclass(slots=True)
class Stats:
    """What one pass did."""

    expanded: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    dropped: int = 0

    def busy(self) -> bool:
        """True when the pass found work (the loop then goes again at once)."""
        return bool(self.expanded or self.sent or self.retried or self.dead or self.dropped)


def backoff_seconds(attempts: int, settings: WorkerSettings) -> float:
    """Exponential backoff with "equal jitter": half the doubled delay, plus up to as much again at random."""
    delay = min(settings.backoff_cap_seconds, settings.backoff_seconds * 2 ** max(attempts - 1, 0))
    return float(delay / 2 + random.uniform(0, delay / 2))


def expand_pending(session: AnySession, settings: WorkerSettings) -> int:
    """Turn waiting events into deliveries, a batch at a time; returns how many events were expanded.

    An event whose planning fails is set aside for this pass and counted; the others go on (one bad event
    must not stop every notification). After `max_attempts` failed passes it waits for a coordinator's retry
    on the failed-deliveries page."""
    done = 0
    failed: set[int] = set()
    while True:
        begin_write(session)
        query = select(Event).where(Event.expanded.is_(False), Event.attempts < settings.max_attempts)
        if failed:
            query = query.where(Event.id.not_in(failed))
        events = session.scalars(
            query.order_by(Event.id).limit(settings.batch).with_for_update(skip_locked=True)
        ).all()
        if not events:
            session.commit()
            return done
        rows: list[dict[str, Any]] = []
        planned: list[int] = []
        with session.no_autoflush:
            for event in events:
                event_rows = _plan_apart(session, event)
                if event_rows is None:
                    failed.add(event.id)
                else:
                    rows.extend(event_rows)
                    planned.append(event.id)
        if planned:
            session.execute(update(Event).where(Event.id.in_(planned)).values(expanded=True))
        table: Table = Delivery.__table__  # type: ignore[assignment]
        for start in range(0, len(rows), 500):
            session.execute(insert(table), rows[start : start + 500])
        session.commit()
        done += len(planned)


def _plan_apart(session: AnySession, event: Event) -> list[dict[str, Any]] | None:
    """The event's deliveries, planned in a savepoint; None (and the failure counted) when planning fails."""
    event_id = event.id
    savepoint = session.begin_nested()
    try:
        rows = _plan(session, event)
    except Exception as exc:  # a bug or bad data in one event: keep it, count it, go on with the others
        savepoint.rollback()
        logger.exception("planning outbox event %s failed", event_id)
        session.execute(
            update(Event)
            .where(Event.id == event_id)
            .values(attempts=Event.attempts + 1, last_error=one_line(f"{type(exc).__name__}: {exc}", 500))
        )
        return None
    savepoint.commit()
    return rows


def _plan(session: AnySession, event: Event) -> list[dict[str, Any]]:
    planner = PLANNERS.get(event.kind)
    if planner is None:
        logger.error("outbox event %s has unknown kind %r; nobody is told", event.id, event.kind)
        return []
    stamp = now_us()
    return [
        {
            "id": str(uuid.uuid4()),
            "event_id": event.id,
            "channel": r.channel.value,
            "topic": r.topic,
            "user_id": r.user_id,
            "webhook_id": r.webhook_id,
            "address": r.address,
            "refs": orjson.dumps(r.refs).decode(),
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_us": stamp,
            "created_us": event.created_us,
        }
        for r in planner(session, orjson.loads(event.payload))
    ]


def claim_due(session: AnySession, due_before: int, settings: WorkerSettings) -> list[Claimed]:
    """Lease a batch of due deliveries (one more attempt each) and commit, before anything is sent."""
    begin_write(session)
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING.value, Delivery.next_attempt_us <= due_before)
        .order_by(Delivery.next_attempt_us, Delivery.id)
        .limit(settings.batch)
        .with_for_update(skip_locked=True)
    ).all()
    lease_end = now_us() + int(settings.lease_seconds * US)
    claimed = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_us = lease_end
        claimed.append(
            Claimed(
                id=row.id,
                channel=row.channel,
                topic=row.topic,
                refs=orjson.loads(row.refs),
                attempts=row.attempts,
                created_us=row.created_us,
                user_id=row.user_id,
                webhook_id=row.webhook_id,
                address=row.address,
            )
        )
    session.commit()
    return claimed


class _Senders:
    """The threads that send a batch's messages at once. Kept between batches, because each thread keeps its
    own keep-alive connections (`hub.notify.http`); one slow or dead receiver then holds up only its own
    messages, and a worker's throughput is not one round trip at a time."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._size = 0
        self._lock = threading.Lock()

    def send(self, prepared: list[Prepared | Outcome], concurrency: int) -> list[Outcome]:
        """Transmit every prepared message (outcomes already known pass through), in order of the input."""
        if concurrency <= 1 or len(prepared) <= 1:
            return [_transmit(item) for item in prepared]
        with self._lock:
            if self._pool is None or self._size != concurrency:
                if self._pool is not None:
                    self._pool.shutdown(wait=True)
                self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="hub-send")
                self._size = concurrency
            pool = self._pool
        return list(pool.map(_transmit, prepared))


def _transmit(item: Prepared | Outcome) -> Outcome:
    return item if isinstance(item, Outcome) else item.transmit()


SENDERS = _Senders()


def attempt_all(
    session: AnySession, batch: list[Claimed], concurrency: int = 1
) -> list[tuple[Claimed, Outcome]]:
    """Build the messages in one read transaction, end it, then send (`concurrency` at once): no transaction
    is held over the network.

    The batch's webhooks are loaded once and held (the session's identity map only keeps weak references)."""
    prepared: list[tuple[Claimed, Prepared | Outcome]] = []
    try:
        hook_ids = {c.webhook_id for c in batch if c.webhook_id is not None}
        hooks = session.scalars(select(Webhook).where(Webhook.id.in_(hook_ids))).all()  # held for the batch
        for claimed in batch:
            prepared.append((claimed, _prepare(session, claimed)))
        del hooks
    finally:
        session.rollback()
    outcomes = SENDERS.send([p for _, p in prepared], concurrency)
    return [(c, outcome) for (c, _), outcome in zip(prepared, outcomes, strict=True)]


def _prepare(session: AnySession, claimed: Claimed) -> Prepared | Outcome:
    adapter = CHANNELS.get(claimed.channel)
    if adapter is None:
        return Outcome(Verdict.DROPPED, "unknown channel")
    try:
        return adapter.prepare(session, claimed)
    except Exception as exc:  # a message that cannot be built is retried, then dead-lettered, never lost
        logger.exception("building delivery %s failed", claimed.id)
        session.rollback()  # a failed statement must not spoil the others' reads
        return Outcome(Verdict.RETRY, f"the hub could not build this message: {type(exc).__name__}")


def record(session: AnySession, results: list[tuple[Claimed, Outcome]], settings: WorkerSettings) -> Stats:
    """Store the outcomes; only rows still held under this worker's attempt are changed.

    Successes, the common case, are stored with one statement per attempt count; the rest row by row.
    """
    stats = Stats()
    begin_write(session)
    stats.sent = _record_sent(session, [(c, o) for c, o in results if o.verdict is Verdict.SENT])
    for claimed, outcome in results:
        if outcome.verdict is Verdict.SENT:
            continue
        values = _result_values(claimed, outcome, settings)
        result = session.execute(_held(claimed.attempts, [claimed.id]).values(**values))
        changed = result.rowcount  # type: ignore[attr-defined]
        if not changed:
            continue
        if outcome.verdict is Verdict.GONE and claimed.webhook_id is not None:
            _disable(session, claimed.webhook_id, outcome.error or "410 Gone")
        if values["status"] == DeliveryStatus.DEAD.value:
            stats.dead += 1
            emit(session, "delivery.dead", delivery_id=claimed.id)
        elif values["status"] == DeliveryStatus.DROPPED.value:
            stats.dropped += 1
        else:
            stats.retried += 1
    session.commit()
    return stats


def _held(attempts: int, ids: list[str]) -> Update:
    """An update of deliveries still pending under the given attempt (not re-claimed by another worker
    since)."""
    return update(Delivery).where(
        Delivery.id.in_(ids), Delivery.attempts == attempts, Delivery.status == DeliveryStatus.PENDING.value
    )


def _record_sent(session: AnySession, sent: list[tuple[Claimed, Outcome]]) -> int:
    by_attempt: dict[tuple[int, int | None], list[str]] = {}
    for claimed, outcome in sent:
        by_attempt.setdefault((claimed.attempts, outcome.status), []).append(claimed.id)
    stamp = now_us()
    changed = 0
    for (attempts, status_code), ids in by_attempt.items():
        values = {"status": DeliveryStatus.SENT.value, "sent_us": stamp, "last_error": None}
        statement = _held(attempts, ids).values(**values, last_status_code=status_code)
        changed += session.execute(statement).rowcount  # type: ignore[attr-defined]
    return changed


def _result_values(claimed: Claimed, outcome: Outcome, settings: WorkerSettings) -> dict[str, Any]:
    base: dict[str, Any] = {"last_error": outcome.error, "last_status_code": outcome.status}
    if outcome.verdict is Verdict.SENT:
        return {**base, "status": DeliveryStatus.SENT.value, "sent_us": now_us()}
    if outcome.verdict is Verdict.DROPPED:
        return {**base, "status": DeliveryStatus.DROPPED.value}
    if outcome.verdict is Verdict.GONE or claimed.attempts >= settings.max_attempts:
        return {**base, "status": DeliveryStatus.DEAD.value}
    delay = int(backoff_seconds(claimed.attempts, settings) * US)
    return {**base, "status": DeliveryStatus.PENDING.value, "next_attempt_us": now_us() + delay}


def _disable(session: AnySession, webhook_id: int, reason: str) -> None:
    """A 410 turns the endpoint off; what else waited for it is dropped (its admins see why)."""
    session.execute(
        update(Webhook).where(Webhook.id == webhook_id).values(is_active=False, disabled_reason=reason)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.webhook_id == webhook_id, Delivery.status == DeliveryStatus.PENDING.value)
        .values(status=DeliveryStatus.DROPPED.value, last_error="the endpoint was disabled after a 410")
    )


def run_once(session: AnySession, settings: WorkerSettings | None = None) -> Stats:
    """Expand what waits and send what is due now, once each; failures wait for their backoff."""
    settings = settings or worker_settings()
    queue_due_digests(session)
    stats = Stats(expanded=expand_pending(session, settings))
    started = now_us()
    while True:
        batch = claim_due(session, started, settings)
        if not batch:
            return stats
        done = record(session, attempt_all(session, batch, settings.concurrency), settings)
        stats.sent += done.sent
        stats.retried += done.retried
        stats.dead += done.dead
        stats.dropped += done.dropped


def run_forever(session: AnySession, stop: threading.Event, settings: WorkerSettings | None = None) -> None:
    """The `hub worker` loop: a pass, then a short sleep when there was nothing to do, until `stop` is set."""
    settings = settings or worker_settings()
    while not stop.is_set():
        try:
            busy = run_once(session, settings).busy()
        except Exception:  # the database went away for a moment: log, wait, and go on
            logger.exception("a worker pass failed; trying again shortly")
            session.rollback()
            busy = False
        if not busy:
            stop.wait(settings.poll_seconds)
