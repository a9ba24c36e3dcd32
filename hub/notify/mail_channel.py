"""The email channel: a multipart text + HTML mail in the recipient's language, encrypted (PGP/MIME, RFC 3156)
when the member uploaded a public key, sent over SMTP or written to the log when no `HUB_SMTP_HOST` is set."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate

from flask import current_app
from flask_babel import force_locale

from hub.notify.audience import AnySession, user_principal, visible_ids
from hub.notify.compose import Content, compose_objects
from hub.notify.compose_events import COMPOSERS
from hub.notify.delivery import Claimed, Outcome, Verdict
from hub.notify.models import MemberKey
from hub.notify.pgp import PublicKey, encrypt
from hub.notify.settings import MailSettings, base_url, mail_settings
from hub.orgs.models import User
from hub.web.i18n import is_language, text_direction

logger = logging.getLogger(__name__)
OBJECT_TOPICS = ("objects", "addressed", "quarantine", "digest")


def render(content: Content, language: str) -> tuple[str, str]:
    """The text and HTML bodies of a mail."""
    lines = [content.intro, ""]
    lines += [f"- {item.text}\n  {item.url}" if item.url else f"- {item.text}" for item in content.items]
    if content.note:
        lines += ["", content.note]
    lines += ["", "-- ", f"{base_url()}/notifications"]
    # The bare Jinja environment: the web's context processors need a request and a logged-in user.
    html = current_app.jinja_env.get_template("notify/mail.html").render(
        content=content,
        lang=language,
        direction=text_direction(language),
        base=base_url(),
    )
    return "\n".join(lines) + "\n", html


def _encrypted(inner: MIMEPart, key: PublicKey) -> EmailMessage:
    """PGP/MIME: the whole inner message (text and HTML) encrypted to the member's key."""
    outer = EmailMessage()
    outer.set_type("multipart/encrypted")
    outer.set_param("protocol", "application/pgp-encrypted")
    control = EmailMessage()
    control.set_content(b"Version: 1\n", maintype="application", subtype="pgp-encrypted")
    payload = EmailMessage()
    armored = encrypt(key, inner.as_bytes())
    payload.set_content(
        armored.encode(), maintype="application", subtype="octet-stream", filename="encrypted.asc"
    )
    outer.attach(control)
    outer.attach(payload)
    return outer


@dataclass(frozen=True, slots=True)
class Mail:
    """A mail ready to send."""

    message: EmailMessage
    settings: MailSettings

    def transmit(self) -> Outcome:
        """Send over SMTP (or log it); a refused or failed session is retried."""
        s = self.settings
        if not s.host:
            logger.info("mail (no HUB_SMTP_HOST; written to the log):\n%s", self.message.as_string())
            return Outcome(Verdict.SENT)
        if s.username and s.security == "none":
            # the relay password would cross the network in clear: refuse, and say which setting to change
            return Outcome(
                Verdict.RETRY, "SMTP: a password is set but HUB_SMTP_SECURITY is none; use starttls or tls"
            )
        try:
            context = ssl.create_default_context()
            smtp = (
                smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
                if s.security == "tls"
                else smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            )
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=context)
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(self.message)
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(Verdict.RETRY, f"SMTP: {type(exc).__name__}: {exc}"[:500])
        return Outcome(Verdict.SENT)


class MailChannel:
    """Builds mails for email deliveries."""

    def prepare(self, session: AnySession, claimed: Claimed) -> Mail | Outcome:
        """The mail, or DROPPED when the recipient is gone or may no longer see what it was about."""
        user = session.get(User, claimed.user_id) if claimed.user_id is not None else None
        if claimed.user_id is not None and (user is None or not user.is_active or not user.org.is_active):
            return Outcome(Verdict.DROPPED, "the recipient's account is no longer active")
        address = user.email if user is not None else claimed.address
        if not address:
            return Outcome(Verdict.DROPPED, "no address")
        key_row = session.get(MemberKey, user.id) if user is not None else None
        key = PublicKey(key_row.fingerprint, key_row.armored) if key_row else None
        refs = dict(claimed.refs)
        if claimed.topic in OBJECT_TOPICS and user is not None:
            refs["version_ids"] = visible_ids(session, user_principal(session, user), refs["version_ids"])
            if not refs["version_ids"]:
                return Outcome(Verdict.DROPPED, "the recipient may no longer see what this was about")
        language = user.locale if user is not None and user.locale and is_language(user.locale) else "en"
        with force_locale(language):
            content = self._content(session, claimed.topic, refs, encrypted=key is not None)
            if content is None:
                return Outcome(Verdict.DROPPED, "what this was about no longer exists")
            text, html = render(content, language)
        return Mail(
            self._message(claimed, address, language, content.subject, text, html, key), mail_settings()
        )

    @staticmethod
    def _content(
        session: AnySession, topic: str, refs: dict[str, object], *, encrypted: bool
    ) -> Content | None:
        if topic in OBJECT_TOPICS:
            return compose_objects(session, topic, refs, encrypted=encrypted)
        composer = COMPOSERS.get(topic)
        return composer(session, refs) if composer else None

    @staticmethod
    def _message(
        claimed: Claimed,
        address: str,
        language: str,
        subject: str,
        text: str,
        html: str,
        key: PublicKey | None,
    ) -> EmailMessage:
        body = EmailMessage()
        body.set_content(text)
        body.add_alternative(html, subtype="html")
        message = _encrypted(body, key) if key is not None else body
        sender = mail_settings().sender
        message["From"] = sender
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{claimed.id}@{sender.rpartition('@')[2] or 'hub'}>"
        message["X-Hub-Delivery"] = claimed.id
        message["Content-Language"] = language
        message["Auto-Submitted"] = "auto-generated"
        return message
