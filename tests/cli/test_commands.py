"""The operators' interface of issue #2, end to end through `runner.invoke` on the `hub` command group.

Every command commits once on success; every refusal is one line on stderr and exit status 1, and stores
nothing.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.cli import main
from hub.orgs import service as orgs
from hub.orgs.models import ApiToken, Organisation, OrgStatus, SharingGroup, Tier, User
from hub.orgs.passwords import verify_password
from hub.orgs.tokens import user_for_secret
from hub.sharing import service as sharing
from hub.sharing.models import Collection

PASSWORD = "a long enough password"


@pytest.fixture
def hub(runner, session):
    """Run `hub ARGS...`; the test's session then starts afresh, to see what the command committed."""

    def run(*args: str, input: str | None = None):
        result = runner.invoke(main, list(args), input=input)
        session.rollback()
        return result

    return run


def refused(result, *fragments: str) -> None:
    """One clear line on stderr, exit status 1, nothing on stdout."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_org_add_list_set_tier_and_suspend(hub, session):
    assert hub("org", "add", "Rights Watch", "--type", "ngo", "--tier", "vetted").exit_code == 0
    assert hub("org", "add", "Helpline", "--type", "cert").exit_code == 0
    assert hub("org", "set-tier", "Helpline", "trusted").exit_code == 0
    assert hub("org", "suspend", "Rights Watch").exit_code == 0

    listed = hub("org", "list")
    assert listed.stdout.splitlines() == [
        "Helpline\tcert\ttrusted\tactive\t0 users",
        "Rights Watch\tngo\tvetted\tsuspended\t0 users",
    ]
    assert orgs.get_org(session, "Helpline").tier == Tier.TRUSTED
    assert orgs.get_org(session, "Rights Watch").status == OrgStatus.SUSPENDED


def test_org_add_defaults_to_the_registered_tier(hub, session):
    assert hub("org", "add", "New Voices", "--type", "hrd").exit_code == 0
    assert orgs.get_org(session, "New Voices").tier == Tier.REGISTERED


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("org", "add", "Dup", "--type", "ngo"), "already exists"),
        (("org", "add", "Other", "--type", "ngo", "--tier", "golden"), "unknown tier 'golden'"),
        (("org", "add", "Other", "--type", "club"), "unknown organisation type 'club'"),
        (("org", "set-tier", "Nobody", "vetted"), "no organisation named 'Nobody'"),
        (("org", "set-tier", "Dup", "platinum"), "unknown tier 'platinum'"),
        (("org", "suspend", "Nobody"), "no organisation named 'Nobody'"),
    ],
)
def test_org_refusals_are_one_line(hub, session, args, fragment):
    orgs.add_org(session, None, "Dup", "ngo", "vetted")
    session.commit()
    refused(hub(*args), fragment)
    assert [org.name for org in orgs.list_orgs(session)] == ["Dup"]
    assert orgs.get_org(session, "Dup").tier == Tier.VETTED


def test_user_add_reads_the_password_from_stdin(hub, session):
    hub("org", "add", "Helpline", "--type", "cert", "--tier", "trusted")
    result = hub(
        "user",
        "add",
        "Analyst@Helpline.example",
        "--org",
        "Helpline",
        "--role",
        "org-admin",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = orgs.get_user(session, "analyst@helpline.example")
    assert (user.email, user.role, user.org.name) == ("analyst@helpline.example", "org-admin", "Helpline")
    assert verify_password(user.password_hash, PASSWORD)


def test_user_add_asks_for_the_password_twice(hub, session):
    hub("org", "add", "Helpline", "--type", "cert")
    result = hub("user", "add", "a@helpline.example", "--org", "Helpline", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    user = orgs.get_user(session, "a@helpline.example")
    assert user.role == "member" and verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("user", "add", "TAKEN@helpline.example", "--org", "Helpline"), "already exists"),
        (("user", "add", "new@helpline.example", "--org", "Nowhere"), "no organisation named 'Nowhere'"),
        (
            ("user", "add", "new@helpline.example", "--org", "Helpline", "--role", "king"),
            "unknown role 'king'",
        ),
        (("user", "add", "not-an-email", "--org", "Helpline"), "is not an email address"),
    ],
)
def test_user_refusals_are_one_line_and_store_nothing(hub, session, args, fragment):
    orgs.add_user(session, None, "taken@helpline.example", orgs.add_org(session, None, "Helpline", "cert"))
    session.commit()
    refused(hub(*args, "--password-stdin", input=PASSWORD + "\n"), fragment)
    assert count(session, User) == 1


def test_user_add_refuses_a_short_password(hub, session):
    hub("org", "add", "Helpline", "--type", "cert")
    result = hub(
        "user", "add", "a@helpline.example", "--org", "Helpline", "--password-stdin", input="short\n"
    )
    refused(result, "at least 10 characters")
    assert count(session, User) == 0


def test_group_add_with_member_organisations(hub, session):
    for name in ("A", "B"):
        hub("org", "add", name, "--type", "ngo")
    assert hub("group", "add", "Spyware responders", "--org", "A", "--org", "B").exit_code == 0
    group = orgs.get_group(session, "Spyware responders")
    assert sorted(org.name for org in group.orgs) == ["A", "B"]


def test_group_add_refuses_an_unknown_organisation(hub, session):
    hub("org", "add", "A", "--type", "ngo")
    refused(hub("group", "add", "Circle", "--org", "A", "--org", "Ghost"), "no organisation named 'Ghost'")
    assert count(session, SharingGroup) == 0


def test_collection_add_prints_the_id_last_and_stores_the_rules(hub, session):
    hub("org", "add", "Helpline", "--type", "cert", "--tier", "trusted")
    hub("user", "add", "a@helpline.example", "--org", "Helpline", "--password-stdin", input=PASSWORD + "\n")
    hub("group", "add", "Circle", "--org", "Helpline")
    result = hub(
        "collection",
        "add",
        "Escalations",
        "--description",
        "Cases",
        "--alias",
        "esc",
        "--read",
        "tier:vetted",
        "--read",
        "org:Helpline",
        "--read",
        "group:Circle",
        "--read",
        "user:A@helpline.example",
        "--write",
        "org:Helpline",
        "--default-tlp",
        "amber+strict",
    )
    assert result.exit_code == 0, result.output
    collection_id = result.stdout.strip().splitlines()[-1]
    assert str(uuid.UUID(collection_id)) == collection_id
    collection = sharing.get_collection(session, collection_id)
    assert (collection.title, collection.alias, collection.description, collection.default_tlp) == (
        "Escalations",
        "esc",
        "Cases",
        3,
    )
    assert [f"{r.mode} {sharing.rule_text(r)}" for r in collection.rules] == [
        "read tier:vetted",
        "read org:Helpline",
        "read group:Circle",
        "read user:a@helpline.example",
        "write org:Helpline",
    ]
    listed = hub("collection", "list").stdout
    assert collection_id in listed and "read=user:a@helpline.example" in listed


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        (("--read", "everyone"), "unknown rule 'everyone'"),
        (("--read", "tier:gold"), "unknown tier 'gold'"),
        (("--read", "org:"), "needs a target"),
        (("--read", "public:x"), "takes no target"),
        (("--write", "public"), "only be a read rule"),
        (("--read", "org:Ghost"), "no organisation named 'Ghost'"),
        (("--read", "group:Ghosts"), "no sharing group named 'Ghosts'"),
        (("--read", "user:ghost@example.org"), "no user with email"),
        (("--default-tlp", "purple"), "unknown TLP level 'purple'"),
    ],
)
def test_collection_add_refusals_are_one_line(hub, session, rule, fragment):
    refused(hub("collection", "add", "Channel", *rule), fragment)
    assert count(session, Collection) == 0


def test_collection_add_refuses_a_taken_alias(hub, session):
    assert hub("collection", "add", "One", "--alias", "feed").exit_code == 0
    refused(hub("collection", "add", "Two", "--alias", "feed"), "alias 'feed' already exists")


def test_token_add_prints_a_working_secret_last_and_revoke_stops_it(hub, session):
    hub("org", "add", "Platform", "--type", "platform", "--tier", "vetted")
    hub("user", "add", "bot@platform.example", "--org", "Platform", "--password-stdin", input=PASSWORD + "\n")
    result = hub("token", "add", "BOT@platform.example", "--label", "connector", "--expires-days", "30")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert user_for_secret(session, secret).email == "bot@platform.example"
    token = session.scalar(select(ApiToken))
    assert token.label == "connector" and token.expires_at is not None
    assert secret not in token.token_hash and token.token_hash != secret

    assert hub("token", "revoke", str(token.id)).exit_code == 0
    assert user_for_secret(session, secret) is None


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("token", "add", "ghost@example.org"), "no user with email 'ghost@example.org'"),
        (("token", "revoke", "999"), "no API token with id 999"),
    ],
)
def test_token_refusals_are_one_line(hub, session, args, fragment):
    refused(hub(*args), fragment)
    assert count(session, ApiToken) == 0


def test_suspending_an_organisation_is_committed_and_audited(hub, session):
    hub("org", "add", "Rights Watch", "--type", "ngo", "--tier", "vetted")
    hub("org", "suspend", "Rights Watch", "--reason", "compromised account")
    org = session.scalar(select(Organisation).where(Organisation.name == "Rights Watch"))
    assert org.status == OrgStatus.SUSPENDED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "org.suspend"))
    assert event.reason == "compromised account" and event.target_id == str(org.id)
