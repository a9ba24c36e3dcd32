"""Invitations and webhooks hand an organisation's reach to whoever the admin names (issue 10, the
invariant; second look after invitations started going out by mail and webhooks got pages).

A coordinator manages every organisation, but is no content superuser. Inviting `me@elsewhere` into another
organisation mails the link to the coordinator's own mailbox: they set the password and read as that
organisation's member (its AMBER+STRICT, its `org:` and group channels). Registering a webhook for another
organisation sends its objects to the coordinator's URL. Both are for the organisation's own admins (a
coordinator does them for their own organisation); other organisations' admins invite their people.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.errors import PermissionDenied
from hub.notify import webhooks
from hub.notify.models import Webhook
from hub.orgs import members
from hub.orgs.models import User
from tests.factories import make_org, make_user, principal


@pytest.fixture
def coordinator_and_ngo(session):  # type: ignore[no-untyped-def]
    coordinator = make_user(session, make_org(session, tier="trusted"), role="coordinator")
    ngo = make_org(session)
    session.commit()
    return coordinator, ngo


def test_a_coordinator_cannot_invite_into_another_organisation(session, coordinator_and_ngo) -> None:  # type: ignore[no-untyped-def]
    coordinator, ngo = coordinator_and_ngo
    with pytest.raises(PermissionDenied):
        members.invite_user(session, principal(session, coordinator), ngo.id, "me@elsewhere.example")
    session.rollback()
    assert session.scalar(select(User).where(User.email == "me@elsewhere.example")) is None


def test_invitations_into_ones_own_organisation_still_work(session, coordinator_and_ngo) -> None:  # type: ignore[no-untyped-def]
    coordinator, ngo = coordinator_and_ngo
    admin = make_user(session, ngo, role="org-admin")
    session.commit()
    members.invite_user(session, principal(session, admin), ngo.id, "colleague@ngo.example")
    own = coordinator.org_id
    members.invite_user(session, principal(session, coordinator), own, "colleague@coordination.example")
    session.commit()


def test_a_coordinator_cannot_register_a_webhook_for_another_organisation(
    session, coordinator_and_ngo
) -> None:  # type: ignore[no-untyped-def]
    coordinator, ngo = coordinator_and_ngo
    with pytest.raises(PermissionDenied):
        webhooks.add_for(
            session, principal(session, coordinator), ngo, "https://93.184.215.14/hook", ["objects"]
        )
    session.rollback()
    assert session.scalar(select(Webhook).where(Webhook.org_id == ngo.id)) is None
