"""Scoped tokens hold across federation: a peer hub's read-only token cannot push, a token limited to other
collections cannot pull (issue #10). The peers talk TAXII, so the same checks apply as for any client."""

from __future__ import annotations

from hub.extensions import db
from hub.orgs.models import TokenScope
from hub.orgs.service import get_user
from hub.orgs.tokens import issue_token
from hub.policy.tlp import Tlp
from tests.factories import indicator, post
from tests.interop import test_federation as federation
from tests.interop.test_federation import Peer, _add_feed, _add_push_feed

# The peer hub's fixtures, shared with the federation tests.
peer_url = federation.peer_url
peer = federation.peer


def _scoped_token(peer: Peer, scope: TokenScope, collections: list[str] | None = None) -> str:
    with peer.app.app_context():
        account = get_user(db.session, "hub-a@peer.example")
        secret = issue_token(db.session, None, account, "scoped", None, scope, collections).secret
        db.session.commit()
        return secret


def test_a_read_only_token_of_the_peer_cannot_push(hub, session, member, peer):
    post(session, member.user, member.collection, [indicator(Tlp.CLEAR, value="push.example")])
    peer.token_for_a = _scoped_token(peer, TokenScope.READ)
    _add_push_feed(hub, member, peer)
    result = hub("feed", "push", "out")
    assert result.exit_code == 1
    # The peer's collection resource says can_write: false for this token; taxii2-client stops there.
    assert "does not allow writing" in result.output
    assert peer.versions(peer.inbound) == []


def test_a_token_limited_to_another_collection_cannot_pull(hub, session, member, peer):
    peer.token_for_a = _scoped_token(peer, TokenScope.READ, [peer.inbound])
    _add_feed(hub, member, peer)
    result = hub("feed", "sync", "peer")
    assert result.exit_code == 1, result.output
    peer.token_for_a = _scoped_token(peer, TokenScope.READ, [peer.outbound])
    _add_feed(hub, member, peer, "--replace")
    assert hub("feed", "sync", "peer").exit_code == 0
