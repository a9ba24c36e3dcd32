"""What the share pages have in common: the channel and its TLP choices, the threat step, storing, and the
summary page.

The threat step is the no-JavaScript type-ahead: the member types words in "Campaign or threat", the
preview lists the matching threat objects they may see (`hub.stix.threats`) as choices, plus "a new one
named …"; on Share the hub adds an `indicates` relationship to the chosen one, if the write rules
(`hub.policy.writing.link_refusal`) allow it at the indicator's TLP. Every refusal is put next to its field,
in the member's language, and the member's input stays in the form.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from hub.errors import NotFound
from hub.extensions import db
from hub.identity import hub_identity_id
from hub.policy import writing
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.sharing.service import get_collection_for
from hub.stix.build import ObservableKind
from hub.stix.ingest import IngestOptions, add_objects
from hub.stix.models import Submission
from hub.stix.threats import Threat, build_indicates, build_threat, find_threats, get_threat
from hub.web.auth import current_db_user, current_principal

NEW_THREAT = "new"
INVALID_VALUE = {
    ObservableKind.DOMAIN: _l("This is not a domain name (for example evil.example)."),
    ObservableKind.URL: _l("This is not a web address (for example https://evil.example/login)."),
    ObservableKind.IPV4: _l("This is not an IPv4 address (for example 192.0.2.1)."),
    ObservableKind.IPV6: _l("This is not an IPv6 address (for example 2001:db8::1)."),
    ObservableKind.EMAIL: _l("This is not an email address (for example name@evil.example)."),
    ObservableKind.HASH: _l(
        "A file hash has 32 (MD5), 40 (SHA-1), 64 (SHA-256) or 128 (SHA-512) hex digits."
    ),
    ObservableKind.ACCOUNT: _l("This is not an account name (for example @name)."),
    ObservableKind.PHONE: _l("This is not a phone number (for example +44 20 7946 0000)."),
}


def has_errors(form: Any) -> bool:
    """Any field has an error, including those added after validation (`form.errors` is computed once)."""
    return any(f.errors for f in form)


def writable(collection_id: str) -> Collection:
    """A collection the user may add to. :raises NotFound: invisible. :raises PermissionDenied: read-only."""
    p = current_principal()
    collection = get_collection_for(db.session(), p, collection_id)
    writing.require_write(p, collection.id, "you may read this channel but not share in it")
    return collection


def tlp_choices(form: Any, p: Principal, collection: Collection) -> list[Tlp]:
    """Offer the levels `p` may post here (the collection's default first time), and this channel."""
    levels = writing.allowed_tlps(p, collection)
    form.tlp.choices = [SelectChoice(t.name.lower(), t.label) for t in levels]
    if hasattr(form, "collection"):
        form.collection.choices = [SelectChoice(collection.id, collection.title)]
        form.collection.data = collection.id
    if request.method == "GET" or not form.tlp.data:
        default = Tlp(collection.default_tlp)
        form.tlp.data = (default if default in levels else levels[-1]).name.lower()
    return levels


@dataclass(slots=True)
class ThreatStep:
    """The threat the member chose (existing or new), and the matches the preview lists."""

    matches: list[Threat] = field(default_factory=list)
    chosen: Threat | None = None
    new_type: str | None = None
    new_name: str = ""

    @property
    def wanted(self) -> bool:
        """A threat is chosen, existing or new."""
        return self.chosen is not None or self.new_type is not None


def threat_step(form: Any, collection: Collection, level: Tlp, sharing: bool) -> ThreatStep:
    """List the matches as choices and check the chosen one; problems go on `form.threat_ref.errors`."""
    text = (form.threat.data or "").strip()
    form.threat_ref.choices = []
    if not text:
        return ThreatStep()
    p = current_principal()
    step = ThreatStep(find_threats(db.session(), p, text))
    ref = form.threat_ref.data or ""
    if not ref:
        exact = [t for t in step.matches if t.name.casefold() == text.casefold()]
        ref = exact[0].stix_id if len(exact) == 1 else ""
        form.threat_ref.data = ref
    if ref == NEW_THREAT:
        step.new_type, step.new_name = form.threat_type.data, text
    elif ref:
        _choose(step, form, collection, level, ref)
    elif sharing:
        form.threat_ref.errors.append(_("Choose which one you mean, or a new one."))
    form.threat_ref.choices = [
        *(SelectChoice(t.stix_id, f"{t.name} ({_type_label(t.type)}, {t.tlp.label})") for t in step.matches),
        SelectChoice(NEW_THREAT, _("A new one named “%(name)s”", name=text)),
    ]
    return step


def _choose(step: ThreatStep, form: Any, collection: Collection, level: Tlp, ref: str) -> None:
    p = current_principal()
    try:
        step.chosen = get_threat(db.session(), p, ref)
    except NotFound:
        form.threat_ref.errors.append(_("This one is not in the list any more: choose again."))
        form.threat_ref.data = ""
        return
    if step.chosen.stix_id not in {t.stix_id for t in step.matches}:
        step.matches.insert(0, step.chosen)
    if writing.link_refusal(db.session(), p, collection, level, ref) is not None:
        form.threat_ref.errors.append(
            _(
                "“%(name)s” is shared under a more restrictive TLP than %(tlp)s: choose a more restrictive "
                "TLP, or leave the threat out.",
                name=step.chosen.name,
                tlp=level.label,
            )
        )


def _type_label(threat_type: str) -> str:
    labels: dict[str, str] = {
        "malware": _("malware"),
        "intrusion-set": _("intrusion set"),
        "threat-actor": _("threat actor"),
        "campaign": _("campaign"),
    }
    return labels.get(threat_type, threat_type)


def with_threat(step: ThreatStep, indicators: list[dict[str, Any]], level: Tlp) -> list[dict[str, Any]]:
    """The indicators, the new threat if one is named, and an `indicates` relationship from each indicator."""
    if not step.wanted:
        return indicators
    author, stamp = org_identity(), stamp_now()
    objects: list[dict[str, Any]] = []
    if step.chosen is not None:
        target = step.chosen.stix_id
    else:
        new = build_threat(step.new_type or "malware", step.new_name, level, author, stamp)
        objects.append(new)
        target = new["id"]
    objects.extend(indicators)
    objects.extend(build_indicates(i["id"], target, level, author, stamp) for i in indicators)
    return objects


def attribution(anonymous: bool) -> dict[str, Any]:
    """Ingest options for sharing without attribution (readers see the hub as the source)."""
    return {"anonymous": True, "hub_identity_id": hub_identity_id(current_app.config)} if anonymous else {}


def org_identity() -> str | None:
    """The member's organisation's STIX identity (the `created_by_ref` of what it shares)."""
    user = current_db_user()
    return user.org.identity_id if user is not None else None


def stamp_now() -> str:
    """A STIX timestamp for now (milliseconds)."""
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def store(collection: Collection, objects: list[Any], options: IngestOptions) -> str:
    """Add the objects and show the summary (the request's commit point keeps them)."""
    since = collection.last_date_added
    submission = add_objects(db.session(), current_principal(), collection.id, objects, options)
    return render_template("web/share_result.html", **result_context(collection, submission, since))


def result_context(collection: Collection, submission: Submission, since: int | None) -> dict[str, Any]:
    """What the result page shows: counts per type and outcome, the refusals with their reasons, and (given
    the channel's last `date_added` before the submission) a link to the channel, filtered to what came
    after."""
    results = orjson.loads(submission.results)
    successes, failures = results.get("successes", []), results.get("failures", [])
    link = None
    if successes and since is not None:
        link = url_for("web.browse", collection_id=collection.id, added_after=since)
    return {
        "collection": collection,
        "submission": submission,
        "summary": summarise(successes, failures),
        "failures": failures,
        "warned": len({w["id"] for w in results.get("warnings", [])}),
        "new_objects": link,
    }


def summarise(successes: list[dict[str, str]], failures: list[dict[str, str]]) -> list[tuple[str, int, int]]:
    """(type, stored, refused) per object type, most frequent first: a summary, not a row per object."""
    stored = Counter(_type_of(s["id"]) for s in successes)
    refused = Counter(_type_of(f["id"]) for f in failures)
    types = sorted(set(stored) | set(refused), key=lambda t: (-(stored[t] + refused[t]), t))
    return [(t, stored[t], refused[t]) for t in types]


def _type_of(stix_id: str) -> str:
    return stix_id.partition("--")[0] if "--" in stix_id else "?"
