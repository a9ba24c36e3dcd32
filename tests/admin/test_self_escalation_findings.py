"""Issue #10, findings 1-3, tried as the attacker tried them: through the admin pages, then TAXII.

A coordinator or an organisation admin must not be able to read a TLP:RED object that no rule lets them
read, by minting a token for someone who may, by taking their account over with a password link, or by
writing themselves (their organisation, a group they are in) into a channel's read rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.orgs.models import ApiToken, Organisation, User
from hub.orgs.tokens import issue_token
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from tests.admin.builders import user
from tests.admin.conftest import log_in
from tests.factories import indicator, make_collection, make_org, post

TAXII = "application/taxii+json;version=2.1"
SECRET = re.compile(rb"hub_[A-Za-z0-9_-]{20,}")
INVITE = re.compile(rb"/join/invite/[A-Za-z0-9_-]{20,}")


@dataclass
class World:
    producer: Organisation
    author: User
    producer_admin: User
    reader_org: Organisation
    named_reader: User
    coordinator: User
    second_coordinator: User
    channel: Collection
    red_id: str
    amber_id: str


@pytest.fixture
def world(session) -> World:
    """A RED indicator by an author of a vetted NGO, in a channel that names one reader of another org."""
    producer = make_org(session, "Producer NGO")
    reader_org = make_org(session, "Reader NGO")
    coordination = make_org(session, "Coordination", "trusted", "coordinator")
    author = user(session, producer)
    producer_admin = user(session, producer, "org-admin")
    named_reader = user(session, reader_org)
    coordinator = user(session, coordination, "coordinator")
    second = user(session, make_org(session, "Second desk", "trusted", "coordinator"), "coordinator")
    channel = make_collection(
        session,
        read=[f"org:{producer.name}", f"org:{reader_org.name}", f"user:{named_reader.email}"],
        write=[f"org:{producer.name}"],
        title="Spyware cases",
    )
    red, amber = indicator(Tlp.RED), indicator(Tlp.AMBER)
    post(session, author, channel, [red, amber])
    return World(
        producer,
        author,
        producer_admin,
        reader_org,
        named_reader,
        coordinator,
        second,
        channel,
        red["id"],
        amber["id"],
    )


def _reads(client: FlaskClient, world: World, secret: str, stix_id: str) -> bool:
    response = client.get(
        f"/taxii2/api/collections/{world.channel.id}/objects/",
        headers={"Accept": TAXII, "Authorization": f"Bearer {secret}"},
    )
    return response.status_code == 200 and stix_id in response.get_data(as_text=True)


def _reads_red(client: FlaskClient, world: World, secret: str) -> bool:
    return _reads(client, world, secret, world.red_id)


def _own_secret(session, account: User) -> str:
    """The attacker's own token, made at the command line (the operator's path)."""
    secret = issue_token(session, None, account).secret
    session.commit()
    return secret


def test_the_world_is_as_described(app, session, world):
    """The RED object is there for its named reader; the attackers cannot read it with their own tokens."""
    client = app.test_client()
    assert _reads_red(client, world, _own_secret(session, world.named_reader))
    assert not _reads_red(client, world, _own_secret(session, world.coordinator))
    assert not _reads_red(client, world, _own_secret(session, world.producer_admin))


def _try_minting(app, session, world: World, attacker: User, org: Organisation, victim: User) -> list[bytes]:
    client = log_in(app, attacker)
    response = client.post(  # the only page that creates tokens makes the caller's own, whatever it is sent
        "/connect/tokens", data={"user": victim.id, "user_id": victim.id, "label": "x", "expires_days": 1}
    )
    session.expire_all()
    shown = SECRET.findall(response.data)
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == victim.id)).all() == []
    return shown


def test_finding_1_a_coordinator_cannot_mint_a_token_for_a_named_reader(app, session, world):
    shown = _try_minting(app, session, world, world.coordinator, world.reader_org, world.named_reader)
    assert not any(_reads_red(app.test_client(), world, s.decode()) for s in shown)


def test_finding_2_an_org_admin_cannot_mint_a_token_for_the_author(app, session, world):
    shown = _try_minting(app, session, world, world.producer_admin, world.producer, world.author)
    assert not any(_reads_red(app.test_client(), world, s.decode()) for s in shown)


@pytest.mark.parametrize("attacker", ["coordinator", "producer_admin"])
def test_finding_1_2_a_password_link_for_someone_else_is_never_shown_to_the_admin(
    app, session, world, attacker
):
    """The 'new password link' reaches the user only; the admin sees that it was issued, not the link."""
    victim = world.named_reader if attacker == "coordinator" else world.author
    client = log_in(app, getattr(world, attacker))
    response = client.post(f"/admin/users/{victim.id}/reinvite", follow_redirects=True)
    assert response.status_code == 200
    assert INVITE.search(response.data) is None
    assert victim.email.encode() in response.data  # it says for whom a link was issued


def test_finding_1_2_an_invitation_link_for_a_new_account_is_never_shown_to_the_admin(app, session, world):
    client = log_in(app, world.coordinator)
    response = client.post(
        f"/admin/orgs/{world.coordinator.org_id}/users",
        data={"email": "new@coordination.example", "role": "member"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert INVITE.search(response.data) is None
    # into another organisation, the mailed link would reach an address of the coordinator's choosing
    other = client.post(
        f"/admin/orgs/{world.reader_org.id}/users", data={"email": "new@reader.example", "role": "member"}
    )
    assert other.status_code == 403


def _edit_rules(client: FlaskClient, world: World, read: list[str]) -> int:
    """Change the read rules as the page does: the preview of who gains and loses access, then Save."""
    data = {
        "title": world.channel.title,
        "description": "",
        "default_tlp": "amber",
        "read": "\n".join(read),
        "write": f"org:{world.producer.name}",
    }
    url = f"/admin/collections/{world.channel.id}"
    shown = client.post(url, data={**data, "step": "preview"})
    found = re.search(rb'name="previewed" type="hidden" value="([0-9a-f]+)"', shown.data)
    if found is None:
        return shown.status_code
    response = client.post(url, data={**data, "step": "save", "previewed": found.group(1).decode()})
    return response.status_code


@pytest.mark.parametrize("rule", ["user:{email}", "org:{org}", "group:{group}"])
def test_finding_3_a_coordinator_cannot_write_themselves_into_a_read_rule(app, session, world, rule):
    from hub.orgs.service import add_group

    group = add_group(session, None, "Coordinators' circle", [world.coordinator.org.name])
    session.commit()
    reader_rules = [f"org:{world.reader_org.name}", f"user:{world.named_reader.email}"]
    target = rule.format(email=world.coordinator.email, org=world.coordinator.org.name, group=group.name)
    coordinator = log_in(app, world.coordinator)
    _edit_rules(coordinator, world, [*reader_rules, target])
    session.expire_all()
    secret = _own_secret(session, world.coordinator)
    assert not _reads_red(app.test_client(), world, secret)
    assert not _reads(app.test_client(), world, secret, world.amber_id)
    assert world.channel.id not in principal_for(session, world.coordinator).readable


def test_finding_3_a_second_coordinator_approves_and_the_log_names_both(app, session, world):
    reader_rules = [f"org:{world.reader_org.name}", f"user:{world.named_reader.email}"]
    proposer = log_in(app, world.coordinator)
    _edit_rules(proposer, world, [*reader_rules, f"user:{world.coordinator.email}"])
    session.expire_all()
    assert world.channel.id not in principal_for(session, world.coordinator).named

    approver = log_in(app, world.second_coordinator)
    listing = approver.get("/admin/proposals")
    assert listing.status_code == 200 and world.coordinator.email.encode() in listing.data
    proposal_id = re.search(rb"/admin/proposals/(\d+)/approve", listing.data).group(1).decode()
    assert proposer.post(f"/admin/proposals/{proposal_id}/approve").status_code == 403
    assert approver.post(f"/admin/proposals/{proposal_id}/approve").status_code == 302
    session.expire_all()
    assert world.channel.id in principal_for(session, world.coordinator).named
    assert _reads_red(app.test_client(), world, _own_secret(session, world.coordinator))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.approve"))
    assert event is not None
    assert world.coordinator.email in event.details and world.second_coordinator.email in event.details
