"""Channel rules on a form: ticked in lists (tiers, organisations, groups, people) or typed one per line.

Each box's value is the rule's text (`tier:vetted`, `org:Rights Watch`), so ticked boxes and typed lines are
one list of rules, in the syntax the services, the command line and the proposals already speak. Stored rules
fill the boxes they match; any other (a rule naming someone no longer listed) stays in the typed lines, so
nothing is dropped by opening and saving a channel.
"""

from __future__ import annotations

import hashlib

from wtforms.fields.choices import SelectChoice

from hub.admin.forms import CollectionForm, RuleChecklist
from hub.orgs.models import Tier
from hub.sharing.channels import RuleTargets, rule_lines
from hub.web.labels import TIER_LABELS

MODES = ("read", "write")


def _lists(form: CollectionForm, mode: str) -> list[RuleChecklist]:
    return [getattr(form, f"{mode}_{kind}") for kind in ("tiers", "orgs", "groups", "users")]


def offer(form: CollectionForm, targets: RuleTargets) -> None:
    """Fill every list's choices (before validating: only offered rules can be ticked)."""
    for mode in MODES:
        tiers, orgs, groups, users = _lists(form, mode)
        tiers.choices = [SelectChoice(f"tier:{t.label}", TIER_LABELS[t]) for t in Tier]
        orgs.choices = [SelectChoice(f"org:{name}", name) for name in targets.orgs]
        groups.choices = [SelectChoice(f"group:{name}", name) for name in targets.groups]
        users.choices = [SelectChoice(f"user:{email}", f"{email} ({org})") for email, org in targets.users]


def initial(read: list[str], write: list[str], targets: RuleTargets) -> dict[str, object]:
    """Form data for stored rules (their texts): ticked where a box matches, typed lines otherwise."""
    ticked: dict[str, list[str]] = {}
    data: dict[str, object] = {}
    form = CollectionForm(formdata=None, meta={"csrf": False})
    offer(form, targets)
    for mode, texts in zip(MODES, (read, write), strict=True):
        rest = []
        for text in texts:
            box = next((b for b in _lists(form, mode) if text in _values(b)), None)
            if mode == "read" and text == "public":
                data["read_public"] = True
            elif box is not None:
                ticked.setdefault(box.name, []).append(text)
            else:
                rest.append(text)
        data[mode] = "\n".join(rest)
    return {**data, **ticked}


def _values(box: RuleChecklist) -> set[str]:
    return {str(choice.value) for choice in box.choices or [] if isinstance(choice, SelectChoice)}


def submitted(form: CollectionForm) -> tuple[str, str]:
    """The read and write rules the form says, one per line: ticked boxes first, then typed lines."""
    found = []
    for mode in MODES:
        ticked = ["public"] if mode == "read" and form.read_public.data else []
        for box in _lists(form, mode):
            ticked += list(box.data or [])
        typed = rule_lines(getattr(form, mode).data or "")
        found.append("\n".join(dict.fromkeys([*ticked, *typed])))
    return found[0], found[1]


def fingerprint(read: str, write: str) -> str:
    """A short digest of a rule set (order and repeats aside): the rules a preview showed."""
    text = "\n".join(sorted(set(rule_lines(read)))) + "\0" + "\n".join(sorted(set(rule_lines(write))))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def same_rules(read: str, write: str, stored_read: list[str], stored_write: list[str]) -> bool:
    """Whether the submitted rules are the stored ones (then saving needs no preview: nobody's access
    changes)."""
    return fingerprint(read, write) == fingerprint("\n".join(stored_read), "\n".join(stored_write))
