"""The TLP rule for mail: CLEAR/GREEN values may be in a plain body, AMBER+ never. TLP:RED addressed
to a member by name is on by default and says only that something awaits, unless the mail is encrypted to
the member's own OpenPGP key (generated here; what arrived is decrypted with the private half)."""

from __future__ import annotations

from email.message import Message

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.notify.models import MemberKey, Subscription
from hub.notify.pgp import read_public_key
from hub.notify.worker import run_once
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.notify.conftest import Receiver
from tests.notify.helpers import hook_for


@pytest.fixture
def mail_app(notify_app: Flask, smtp) -> Flask:  # type: ignore[no-untyped-def]
    notify_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    return notify_app


def _body(message: Message) -> str:
    return "\n".join(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )


def test_green_values_are_mailed_amber_values_never(mail_app: Flask, session: Session, smtp):
    poster = make_user(session, make_org(session, "Helpline"))
    reader = make_user(session, make_org(session, "NGO"))
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], title="Spyware")
    session.add(Subscription(user_id=reader.id, topic="objects", collection_id=channel.id))
    session.commit()
    post(
        session,
        poster,
        channel,
        [indicator(Tlp.GREEN, value="green.example"), indicator(Tlp.AMBER, value="amber.example")],
    )
    run_once(session)
    [mail] = [m for m in smtp.messages if m["To"] == reader.email]
    body = _body(mail)
    assert "green.example" in body and "[TLP:AMBER] indicator" in body
    assert "amber.example" not in mail.as_string()
    assert "never sent by unencrypted email" in body


def test_red_for_me_is_announced_without_its_value_and_reaches_nobody_else(
    mail_app: Flask, session: Session, smtp, receiver: Receiver
):
    poster = make_user(session, make_org(session, "Helpline"))
    named = make_user(session, make_org(session, "NGO"), email="named@ngo.example")
    bystander = make_user(session, make_org(session, "Other NGO"))
    channel = make_collection(
        session, read=["tier:vetted", "user:named@ngo.example"], write=["tier:vetted"], title="Targeted"
    )
    session.add(Subscription(user_id=bystander.id, topic="objects", collection_id=channel.id))
    session.commit()
    hook_for(session, bystander.org, receiver.url)
    post(session, poster, channel, [indicator(Tlp.RED, value="red.example")])
    run_once(session)
    assert [m["To"] for m in smtp.messages] == [named.email]  # on by default; the bystander is told nothing
    [mail] = smtp.messages
    assert mail["Subject"] == "A TLP:RED object awaits you"
    assert "red.example" not in mail.as_string() and "/collections/" in _body(mail)
    assert receiver.requests == []  # RED never leaves by webhook


def test_red_for_me_is_mailed_encrypted_to_my_key_with_its_value(
    mail_app: Flask, session: Session, smtp, member_gpg
):
    gpg = member_gpg
    key = gpg.gen_key(
        gpg.gen_key_input(
            name_email="named@ngo.example",
            key_type="EDDSA",
            key_curve="ed25519",
            subkey_type="ECDH",
            subkey_curve="cv25519",
            no_protection=True,
        )
    )
    public = read_public_key(gpg.export_keys(key.fingerprint))
    poster = make_user(session, make_org(session, "Helpline"))
    named = make_user(session, make_org(session, "NGO"), email="named@ngo.example")
    session.add(MemberKey(user_id=named.id, fingerprint=public.fingerprint, armored=public.armored))
    channel = make_collection(
        session, read=["user:named@ngo.example"], write=["tier:vetted"], title="Targeted"
    )
    session.commit()
    post(session, poster, channel, [indicator(Tlp.RED, value="red.example")])
    run_once(session)
    [mail] = smtp.messages
    assert mail.get_content_type() == "multipart/encrypted"
    assert "red.example" not in mail.as_string()
    armored = [p for p in mail.walk() if p.get_content_type() == "application/octet-stream"][0]
    decrypted = gpg.decrypt(armored.get_payload(decode=True))
    assert decrypted.ok, decrypted.status
    assert "red.example" in decrypted.data.decode()
