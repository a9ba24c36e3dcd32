"""`hub org`, `hub user`, `hub group` and `hub token`."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from hub.cli_support import cli_errors, read_secret_from_stdin
from hub.errors import InvalidInput
from hub.extensions import db
from hub.orgs import members, service, tokens
from hub.orgs.models import OrgStatus, OrgType, Role, Tier
from hub.sharing.service import get_collection

# Plain strings, not click.Choice: a bad value is a one-line error from the service, like every other refusal.
TYPES = ", ".join(t.value for t in OrgType)
TIERS = ", ".join(t.label for t in Tier)
ROLES = ", ".join(r.value for r in Role)


@click.group("org", cls=AppGroup)
def org_group() -> None:
    """Member organisations."""


@org_group.command("add")
@click.argument("name")
@click.option("--type", "org_type", required=True, metavar="TYPE", help=f"One of: {TYPES}.")
@click.option("--tier", default="registered", show_default=True, metavar="TIER", help=f"One of: {TIERS}.")
@cli_errors
def org_add(name: str, org_type: str, tier: str) -> None:
    """Add an organisation."""
    org = service.add_org(db.session(), None, name, org_type, tier)
    click.echo(
        f"added organisation {org.name!r} ({org.type}, tier {org.tier_enum.label}, "
        f"identity {org.identity_id})"
    )


@org_group.command("set-tier")
@click.argument("name")
@click.argument("tier", metavar="TIER")
@click.option("--reason", default="set by an operator at the command line", show_default=True)
@cli_errors
def org_set_tier(name: str, tier: str, reason: str) -> None:
    """Change an organisation's trust tier (registered, vetted or trusted)."""
    org = service.get_org(db.session(), name)
    service.set_tier(db.session(), None, org, tier, reason)
    click.echo(f"organisation {org.name!r} is now at tier {org.tier_enum.label}")


@org_group.command("suspend")
@click.argument("name")
@click.option("--reason", default="suspended by an operator at the command line", show_default=True)
@cli_errors
def org_suspend(name: str, reason: str) -> None:
    """Suspend an organisation: its users then see only what anonymous visitors see, and post nothing."""
    org = service.get_org(db.session(), name)
    service.set_status(db.session(), None, org, OrgStatus.SUSPENDED, reason)
    click.echo(f"organisation {org.name!r} is suspended")


@org_group.command("list")
@cli_errors
def org_list() -> None:
    """List organisations: name, type, tier, status, users."""
    for org in service.list_orgs(db.session()):
        click.echo(f"{org.name}\t{org.type}\t{Tier(org.tier).label}\t{org.status}\t{len(org.users)} users")


@click.group("user", cls=AppGroup)
def user_group() -> None:
    """Users of member organisations."""


@user_group.command("add")
@click.argument("email")
@click.option("--org", "org_name", required=True, help="The user's organisation.")
@click.option("--role", default="member", show_default=True, metavar="ROLE", help=f"One of: {ROLES}.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@cli_errors
def user_add(email: str, org_name: str, role: str, password_stdin: bool) -> None:
    """Add a user; asks for the password unless --password-stdin is given."""
    org = service.get_org(db.session(), org_name)
    # Check the email and role before asking for a password (nothing is committed if anything fails).
    user = service.add_user(db.session(), None, email, org, role)
    if password_stdin:
        password = read_secret_from_stdin()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    service.set_password(user, password)
    click.echo(f"added {user.role} {user.email} to {org.name!r}")


@user_group.command("reset-password")
@click.argument("email")
@cli_errors
def user_reset_password(email: str) -> None:
    """Issue a one-time link (valid 7 days) with which the user chooses a new password; it is printed as the
    last line, for you to give to the user through a channel you trust. The account's older links die."""
    user = service.get_user(db.session(), email)
    if not user.is_active:
        raise InvalidInput(f"{user.email} is deactivated; reactivate the account first")
    issued = members.issue_invite(db.session(), None, user)
    with current_app.test_request_context():  # builds the path without a request (no host is known here)
        path = url_for("join.accept_invite", secret=issued.secret)
    expires = issued.invite.expires_at.isoformat(timespec="minutes")
    click.echo(f"one-time link for {user.email}, valid until {expires} UTC; open it at the hub's address:")
    click.echo(path)


@user_group.command("reset-2fa")
@click.argument("email")
@cli_errors
def user_reset_2fa(email: str) -> None:
    """Remove the user's second factor (a lost phone): they set up a new one at their next login, with their
    own password. Their open sessions end."""
    user = service.get_user(db.session(), email)
    members.reset_second_factor(db.session(), None, user.id)
    click.echo(f"the second factor of {user.email} is removed; they set up a new one at their next login")


@user_group.command("deactivate")
@click.argument("email")
@cli_errors
def user_deactivate(email: str) -> None:
    """Deactivate an account: no login; its sessions and API tokens stop working at once."""
    user = members.set_active(db.session(), None, service.get_user(db.session(), email).id, False)
    click.echo(f"{user.email} is deactivated; its sessions and API tokens no longer work")


@user_group.command("activate")
@click.argument("email")
@cli_errors
def user_activate(email: str) -> None:
    """Reactivate a deactivated account (its revoked or expired tokens stay so)."""
    user = members.set_active(db.session(), None, service.get_user(db.session(), email).id, True)
    click.echo(f"{user.email} is active again")


@user_group.command("move")
@click.argument("email")
@click.option("--org", "org_name", required=True, help="The organisation the user now belongs to.")
@cli_errors
def user_move(email: str, org_name: str) -> None:
    """Move a user to another organisation as a member; their API tokens are revoked, their sessions end."""
    user = service.get_user(db.session(), email)
    org = service.get_org(db.session(), org_name)
    members.move_user(db.session(), None, user.id, org.id)
    click.echo(f"{user.email} is now a member of {org.name!r}; their API tokens are revoked")


@click.group("group", cls=AppGroup)
def group_group() -> None:
    """Sharing groups: named sets of organisations for `group:NAME` rules."""


@group_group.command("add")
@click.argument("name")
@click.option("--org", "orgs", multiple=True, help="A member organisation (repeat for several).")
@cli_errors
def group_add(name: str, orgs: tuple[str, ...]) -> None:
    """Add a sharing group."""
    group = service.add_group(db.session(), None, name, list(orgs))
    click.echo(f"added sharing group {group.name!r} with {len(group.orgs)} organisations")


@click.group("token", cls=AppGroup)
def token_group() -> None:
    """API tokens for TAXII and the API."""


@token_group.command("add")
@click.argument("email")
@click.option("--label", default="", help="What the token is for, e.g. 'OpenCTI connector'.")
@click.option("--expires-days", type=click.IntRange(min=1), default=None, help="Expire after this many days.")
@click.option(
    "--scope",
    default="write",
    show_default=True,
    metavar="read|write",
    help="read: may only read; write: may also add and delete objects.",
)
@click.option(
    "--collection",
    "collections",
    multiple=True,
    metavar="ID",
    help="Limit the token to this collection (id or alias; repeat for several). Default: every collection.",
)
@cli_errors
def token_add(
    email: str, label: str, expires_days: int | None, scope: str, collections: tuple[str, ...]
) -> None:
    """Issue a token; its secret is printed once, as the last line."""
    user = service.get_user(db.session(), email)
    limited = [get_collection(db.session(), c).id for c in collections] if collections else None
    issued = tokens.issue_token(db.session(), None, user, label, expires_days, scope, limited)
    where = ", ".join(limited) if limited else "every collection"
    click.echo(
        f"token {issued.token.id} for {user.email} ({issued.token.scope}, {where}); "
        "the secret is shown only now:"
    )
    click.echo(issued.secret)


@token_group.command("revoke")
@click.argument("token_id", type=int)
@cli_errors
def token_revoke(token_id: int) -> None:
    """Revoke a token by id."""
    tokens.revoke_token(db.session(), None, token_id)
    click.echo(f"token {token_id} revoked")
