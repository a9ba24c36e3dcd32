"""Polling by `added_after` while others write: `date_added` follows commit order, so nothing is skipped."""

from __future__ import annotations

import threading

import requests

from hub.policy.tlp import Tlp
from tests.factories import indicator
from tests.taxii.conftest import TAXII, TIMEOUT, member

WRITERS, ENVELOPES, PER_ENVELOPE = 3, 6, 5


def test_poller_following_date_added_last_misses_nothing_under_concurrent_writers(base_url, hub, session):
    writers = [hub.producer, *(member(session) for _ in range(WRITERS - 1))]
    objects_url = f"{base_url}/taxii2/api/collections/{hub.shared.id}/objects/"
    posted: list[str] = []
    done = threading.Event()
    failures: list[str] = []
    seen: list[str] = []
    cursor: list[str] = []
    cursor_moved = threading.Condition()

    def write(who):
        with requests.Session() as http:
            for envelope in range(ENVELOPES):
                # Envelope i waits until the poller's cursor has moved i times, so the polls interleave
                # with the writes however fast the writers run (else the test could be vacuous).
                with cursor_moved:
                    cursor_moved.wait_for(lambda i=envelope: len(cursor) >= i, timeout=TIMEOUT)
                batch = [indicator(Tlp.GREEN) for _ in range(PER_ENVELOPE)]
                response = http.post(
                    objects_url,
                    json={"objects": batch},
                    timeout=TIMEOUT,
                    headers={"Content-Type": TAXII, "Accept": TAXII, **who.headers},
                )
                if response.status_code != 202 or response.json()["success_count"] != PER_ENVELOPE:
                    failures.append(response.text)
                posted.extend(o["id"] for o in batch)

    def poll_once(http):
        params = {"added_after": cursor[-1]} if cursor else {}
        response = http.get(
            objects_url, params=params, timeout=TIMEOUT, headers={"Accept": TAXII, **hub.reader.headers}
        )
        assert response.status_code == 200
        seen.extend(o["id"] for o in response.json().get("objects", []))
        if "X-TAXII-Date-Added-Last" in response.headers:
            with cursor_moved:
                cursor.append(response.headers["X-TAXII-Date-Added-Last"])
                cursor_moved.notify_all()

    def poll():
        with requests.Session() as http:
            while not done.is_set():
                poll_once(http)
            poll_once(http)

    threads = [threading.Thread(target=write, args=(who,)) for who in writers]
    poller = threading.Thread(target=poll)
    poller.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    poller.join(60)
    assert not failures
    assert len(posted) == WRITERS * ENVELOPES * PER_ENVELOPE
    assert sorted(seen) == sorted(posted)
    assert len(cursor) >= ENVELOPES, "the poller should have run while the writers wrote"
