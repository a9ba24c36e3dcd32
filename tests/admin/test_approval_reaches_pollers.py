"""Over TAXII: a poller that continues with added_after receives an object once a coordinator approves it."""

from __future__ import annotations

from hub.orgs.tokens import issue_token
from hub.policy.tlp import Tlp
from hub.stix import moderation
from tests.admin.builders import user
from tests.factories import indicator, make_collection, make_org, post, principal

TAXII = "application/taxii+json;version=2.1"


def test_a_poller_using_added_after_receives_the_approved_object(client, session):
    coordinator = user(session, make_org(session, "Coordination", "trusted", "coordinator"), "coordinator")
    newcomer = user(session, make_org(session, "Newcomer", "registered"))
    producer = user(session, make_org(session, "Producer", "vetted"))
    poller = user(session, make_org(session, "Platform", "vetted", "platform"))
    secret = issue_token(session, None, poller).secret
    collection = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], default_tlp=Tlp.GREEN
    )
    session.commit()
    waiting = indicator(Tlp.GREEN)
    post(session, newcomer, collection, [waiting])
    post(session, producer, collection, [indicator(Tlp.GREEN)])
    headers = {"Authorization": f"Bearer {secret}", "Accept": TAXII}
    url = f"/taxii2/api/collections/{collection.id}/objects/"

    first = client.get(url, headers=headers)
    assert first.status_code == 200 and waiting["id"] not in first.get_data(as_text=True)
    high_water = first.headers["X-TAXII-Date-Added-Last"]

    queued = moderation.list_queue(session, principal(session, coordinator)).items
    moderation.approve(session, principal(session, coordinator), queued[0].id)
    session.commit()

    second = client.get(url, headers=headers, query_string={"added_after": high_water})
    assert [o["id"] for o in second.get_json()["objects"]] == [waiting["id"]]
