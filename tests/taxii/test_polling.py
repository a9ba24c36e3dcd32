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

    def write(who):
        with requests.Session() as http:
            for _ in range(ENVELOPES):
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

    seen: list[str] = []
    cursor: list[str] = []

    def poll_once(http):
        params = {"added_after": cursor[-1]} if cursor else {}
        response = http.get(
            objects_url, params=params, timeout=TIMEOUT, headers={"Accept": TAXII, **hub.reader.headers}
        )
        assert response.status_code == 200
        seen.extend(o["id"] for o in response.json().get("objects", []))
        if "X-TAXII-Date-Added-Last" in response.headers:
            cursor.append(response.headers["X-TAXII-Date-Added-Last"])

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
    assert len(cursor) > 1, "the poller should have run while the writers wrote"
