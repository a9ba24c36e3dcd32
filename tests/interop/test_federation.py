"""Two hubs on loopback, each with its own database, federating over TAXII 2.1 in both directions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from hub.cli import main
from hub.extensions import db
from hub.interop.feeds import sync as sync_module
from hub.interop.feeds.client import RemoteCollection
from hub.interop.feeds.models import Feed
from hub.orgs.tokens import issue_token
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.interop.peers import peer_database, peer_hub, served

LEVELS = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.RED)


@dataclass
class Peer:
    """Hub B: a producer posting at every TLP into `outbound`, an account for hub A, `inbound`."""

    app: Flask
    api_root: str
    outbound: str
    inbound: str
    token_for_a: str
    producer_identity: str

    def run(self, *args: object, input: str | None = None):
        """`hub ...` on hub B (Flask's CLI reuses the current app context, so B's is pushed first)."""
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(main, [str(a) for a in args], input=input)

    def versions(self, collection_id: str) -> list[ObjectVersion]:
        with self.app.app_context():
            rows = list(
                db.session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == collection_id))
            )
            db.session.expunge_all()
            return rows


@pytest.fixture(scope="session")
def peer_url(_migrated, tmp_path_factory) -> Iterator[str]:
    with peer_database(_migrated, tmp_path_factory.mktemp("peer")) as url:
        yield url


@pytest.fixture
def peer(peer_url, tmp_path) -> Iterator[Peer]:
    with peer_hub(peer_url, tmp_path) as app, served(app) as server:
        with app.app_context():
            s = db.session
            producer_org = make_org(s, name="Peer Producer", tier="vetted")
            producer = make_user(s, producer_org, email="producer@peer.example")
            hub_a = make_user(s, make_org(s, name="Hub A", tier="vetted"), email="hub-a@peer.example")
            outbound = make_collection(
                s,
                read=["tier:vetted", "user:producer@peer.example"],
                write=["org:Peer Producer"],
                title="outbound",
            )
            inbound = make_collection(s, read=["tier:vetted"], write=["org:Hub A"], title="inbound")
            token = issue_token(s, None, hub_a, "federation").secret
            s.commit()
            post(
                s,
                producer,
                outbound,
                [
                    indicator(
                        level,
                        value=f"b-{level.name.lower()}.example",
                        created_by_ref=producer_org.identity_id,
                    )
                    for level in LEVELS
                ],
            )
            peer = Peer(app, server.api_root, outbound.id, inbound.id, token, producer_org.identity_id)
        yield peer


def _add_feed(hub, member, peer: Peer, *extra: object, name: str = "peer"):
    result = hub(
        "feed",
        "add",
        name,
        "--url",
        peer.api_root,
        "--collection",
        peer.outbound,
        "--into",
        member.collection.id,
        "--as",
        member.email,
        "--user",
        "hub-a@peer.example",
        "--password-stdin",
        *extra,
        input=peer.token_for_a + "\n",
    )
    assert result.exit_code == 0, result.output
    return result


def _local(session, collection_id: str) -> list[ObjectVersion]:
    session.expire_all()
    return list(session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == collection_id)))


def test_pull_keeps_producer_identity_and_tlp_and_refuses_above_tlp_max(hub, session, member, peer):
    _add_feed(hub, member, peer, "--tlp-max", "green")
    result = hub("feed", "sync", "peer")
    assert result.exit_code == 0, result.output
    assert (
        "peer: 1 pages, 2 objects: 2 stored, 0 already stored, 0 failed, 1 refused above the feed's TLP"
        in result.output
    )
    rows = _local(session, member.collection.id)
    assert sorted(row.tlp for row in rows) == [Tlp.CLEAR, Tlp.GREEN]
    assert all(peer.producer_identity in row.body for row in rows)
    assert "b-red.example" not in "".join(row.body for row in rows)


def test_sync_again_fetches_only_what_is_new_and_never_duplicates(hub, session, member, peer):
    _add_feed(hub, member, peer, "--tlp-max", "amber")
    assert hub("feed", "sync").exit_code == 0
    assert len(_local(session, member.collection.id)) == 3
    with peer.app.app_context():
        from hub.orgs.models import User
        from hub.sharing.models import Collection

        producer = db.session.scalar(select(User).where(User.email == "producer@peer.example"))
        post(
            db.session,
            producer,
            db.session.get(Collection, peer.outbound),
            [indicator(Tlp.CLEAR, value="new.example")],
        )
    again = hub("feed", "sync")
    assert "1 objects: 1 stored, 0 already stored" in again.output
    assert len(_local(session, member.collection.id)) == 4


def test_interrupted_sync_resumes_without_loss_or_duplicates(hub, session, member, peer, monkeypatch):
    with peer.app.app_context():
        from hub.orgs.models import User
        from hub.sharing.models import Collection

        producer = db.session.scalar(select(User).where(User.email == "producer@peer.example"))
        post(
            db.session,
            producer,
            db.session.get(Collection, peer.outbound),
            [indicator(Tlp.CLEAR, value=f"many{i}.example") for i in range(21)],
        )
    _add_feed(hub, member, peer, "--tlp-max", "amber")
    monkeypatch.setattr(sync_module, "PAGE_SIZE", 10)
    calls = {"n": 0}
    real_get_page = RemoteCollection.get_page

    def failing_second_page(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise requests.ConnectionError("the peer went away")
        return real_get_page(self, *args, **kwargs)

    monkeypatch.setattr(RemoteCollection, "get_page", failing_second_page)
    failed = hub("feed", "sync", "peer")
    assert failed.exit_code == 1
    assert "the peer went away" in failed.output
    assert len(_local(session, member.collection.id)) == 10
    listing = hub("feed", "list").output
    assert "ConnectionError" in listing
    cursor = session.scalar(select(Feed.pull_cursor).where(Feed.name == "peer"))
    assert cursor is not None

    monkeypatch.setattr(RemoteCollection, "get_page", real_get_page)
    resumed = hub("feed", "sync", "peer")
    assert resumed.exit_code == 0, resumed.output
    rows = _local(session, member.collection.id)
    assert len(rows) == 24 == len({(row.stix_id, row.version) for row in rows})
    assert session.scalar(select(func.count()).select_from(ObjectVersion)) == 24


def test_push_sends_clear_only_and_green_only_to_a_declared_community(hub, session, member, peer):
    post(
        session,
        member.user,
        member.collection,
        [
            indicator(level, value=f"a-{level.name.lower()}.example")
            for level in (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT)
        ],
    )
    _add_push_feed(hub, member, peer)
    result = hub("feed", "push", "out")
    assert result.exit_code == 0, result.output
    assert "out: 1 objects sent: 1 accepted" in result.output
    assert [row.tlp for row in peer.versions(peer.inbound)] == [Tlp.CLEAR]

    _add_push_feed(hub, member, peer, "--community", "--replace")
    session.execute(Feed.__table__.update().values(push_cursor=0))
    session.commit()
    again = hub("feed", "push", "out")
    assert "out: 2 objects sent: 2 accepted" in again.output
    assert sorted(row.tlp for row in peer.versions(peer.inbound)) == [Tlp.CLEAR, Tlp.GREEN]


def test_two_hubs_sync_both_ways_and_red_or_amber_never_crosses(hub, session, member, peer, app):
    post(
        session,
        member.user,
        member.collection,
        [
            indicator(level, value=f"a-{level.name.lower()}.example")
            for level in (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)
        ],
    )
    local_reader = make_user(session, make_org(session, name="Hub B", tier="vetted"), email="hub-b@a.example")
    token_for_b = issue_token(session, None, local_reader, "federation").secret
    session.commit()
    _add_feed(hub, member, peer, "--tlp-max", "red")
    with served(app) as here:
        b_add = peer.run(
            "feed",
            "add",
            "from-a",
            "--url",
            here.api_root,
            "--collection",
            member.collection.id,
            "--into",
            peer.inbound,
            "--as",
            "hub-a@peer.example",
            "--token-stdin",
            input=token_for_b + "\n",
        )
        assert b_add.exit_code == 0, b_add.output
        b_sync = peer.run("feed", "sync", "from-a")
        assert b_sync.exit_code == 0, b_sync.output
        assert hub("feed", "sync", "peer").exit_code == 0
    # A pulled B's CLEAR, GREEN and AMBER (its account at B is vetted, not named for RED);
    # B pulled A's three objects up to its default --tlp-max amber. RED never left B.
    assert sorted(row.tlp for row in peer.versions(peer.inbound)) == [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER]
    here_rows = _local(session, member.collection.id)
    assert sorted(row.tlp for row in here_rows) == [
        Tlp.CLEAR,
        Tlp.CLEAR,
        Tlp.GREEN,
        Tlp.GREEN,
        Tlp.AMBER,
        Tlp.AMBER,
    ]
    assert "b-red.example" not in "".join(row.body for row in here_rows)


def test_credentials_are_stored_encrypted_and_never_printed(hub, session, member, peer):
    added = _add_feed(hub, member, peer)
    stored = session.scalar(select(Feed.secret_ciphertext).where(Feed.name == "peer"))
    assert stored and peer.token_for_a not in stored
    listing = hub("feed", "list")
    for output in (added.output, listing.output):
        assert peer.token_for_a not in output
    assert "basic" in listing.output and "TLP:AMBER" in listing.output


def test_credentials_are_never_sent_over_plain_http_to_another_host(hub, member):
    result = hub(
        "feed",
        "add",
        "clear-text",
        "--url",
        "http://peer.example/taxii2/api/",
        "--collection",
        "x",
        "--into",
        member.collection.id,
        "--as",
        member.email,
        "--token-stdin",
        input="secret\n",
    )
    assert result.exit_code == 1
    assert "credentials would travel in clear" in result.output


def test_push_resumes_from_its_cursor_and_carries_every_version(hub, session, member, peer):
    stix_id = "indicator--7d1f1a2e-3c4b-4d5e-8f60-718293a4b5c6"
    post(session, member.user, member.collection, [indicator(Tlp.CLEAR, stix_id=stix_id)])
    _add_push_feed(hub, member, peer)
    assert "1 objects sent: 1 accepted" in hub("feed", "push", "out").output
    post(
        session,
        member.user,
        member.collection,
        [indicator(Tlp.CLEAR, stix_id=stix_id, modified="2026-02-01T00:00:00.000Z")],
    )
    assert "1 objects sent: 1 accepted" in hub("feed", "push", "out").output
    assert "0 objects sent" in hub("feed", "push", "out").output
    versions = peer.versions(peer.inbound)
    assert [row.stix_id for row in versions] == [stix_id, stix_id]
    assert len({row.version for row in versions}) == 2


def _add_push_feed(hub, member, peer, *options: str) -> None:  # type: ignore[no-untyped-def]
    """`hub feed add out`: this hub's collection pushed to the peer's inbound collection."""
    args = (
        "feed",
        "add",
        "out",
        "--url",
        peer.api_root,
        "--collection",
        peer.inbound,
        "--into",
        member.collection.id,
        "--as",
        member.email,
        "--token-stdin",
        *options,
    )
    assert hub(*args, input=peer.token_for_a + "\n").exit_code == 0


def test_pulled_objects_show_the_feed_as_their_source(hub, session, member, peer, client):
    from tests.web.conftest import WebActions

    _add_feed(hub, member, peer, "--tlp-max", "green")
    assert hub("feed", "sync", "peer").exit_code == 0
    rows = _local(session, member.collection.id)
    assert rows and {row.via_feed for row in rows} == {"peer"}
    WebActions(client).login(member.user)
    page = client.get(f"/collections/{member.collection.id}/objects/{rows[0].stix_id}").get_data(as_text=True)
    assert "feed peer" in page
    assert "Peer Producer" not in page


def test_an_upstream_cannot_speak_for_a_local_member(hub, session, member, peer):
    local = member.user.org
    with peer.app.app_context():
        from hub.sharing import service as sharing
        from hub.sharing.models import Collection

        # The peer's member named like ours has the same (name-derived) identity id, so its object
        # truly says "created_by_ref: our member": it must not arrive here as our member's word.
        twin = make_user(db.session, make_org(db.session, name=local.name), email="twin@peer.example")
        outbound = db.session.get(Collection, peer.outbound)
        sharing.set_rules(db.session, None, outbound, read=["tier:vetted"], write=["tier:vetted"])
        db.session.commit()
        claim = indicator(Tlp.GREEN, value="claimed.example", created_by_ref=local.identity_id)
        post(db.session, twin, outbound, [claim])
    _add_feed(hub, member, peer, "--tlp-max", "green")
    result = hub("feed", "sync", "peer")
    assert "claimed.example" not in "".join(row.body for row in _local(session, member.collection.id))
    assert "1 failed" in result.output, result.output


def test_push_never_presents_a_superseded_clear_version_as_current(hub, session, member, peer):
    """Issue 11, item 11: v1 CLEAR then v2 AMBER: the remote gets v1 revoked, never v1 as the latest."""
    stix_id = "indicator--0b6f1e1a-8a53-4c53-9d5e-2f1d7a9c0a11"
    post(
        session, member.user, member.collection, [indicator(Tlp.CLEAR, stix_id=stix_id, value="old.example")]
    )
    _add_push_feed(hub, member, peer)
    assert "1 objects sent: 1 accepted" in hub("feed", "push", "out").output
    newer = indicator(Tlp.AMBER, stix_id=stix_id, value="secret.example", modified="2026-03-01T00:00:00.000Z")
    post(session, member.user, member.collection, [newer])
    assert hub("feed", "push", "out").exit_code == 0
    versions = sorted(peer.versions(peer.inbound), key=lambda row: row.version)
    latest = json.loads(versions[-1].body)
    assert latest.get("revoked") is True, versions[-1].body
    assert "secret.example" not in "".join(row.body for row in versions)


def test_push_sends_only_the_latest_version_the_remote_may_receive(hub, session, member, peer):
    stix_id = "indicator--0b6f1e1a-8a53-4c53-9d5e-2f1d7a9c0a12"
    post(session, member.user, member.collection, [indicator(Tlp.CLEAR, stix_id=stix_id, value="v1.example")])
    post(
        session,
        member.user,
        member.collection,
        [indicator(Tlp.AMBER, stix_id=stix_id, value="v2.example", modified="2026-03-01T00:00:00.000Z")],
    )
    _add_push_feed(hub, member, peer)
    assert hub("feed", "push", "out").exit_code == 0
    bodies = [json.loads(row.body) for row in peer.versions(peer.inbound)]
    assert all(body.get("revoked") for body in bodies), bodies
