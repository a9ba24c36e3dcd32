"""`hub feed`: federation with TAXII 2.1 servers; safe to run from a timer (deploy/hub-feed-sync.timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hub.cli_support import cli_errors, read_secret_from_stdin
from hub.errors import InvalidInput
from hub.extensions import db
from hub.interop.cli import QUIET, parse_tlp
from hub.interop.feeds import service
from hub.interop.feeds.client import FeedLimits
from hub.interop.feeds.models import Feed
from hub.interop.feeds.push import push_feed
from hub.interop.feeds.sync import record_failure, sync_feed
from hub.oneline import one_line
from hub.policy.tlp import Tlp
from hub.progress import progress


@click.group("feed", cls=AppGroup)
def feed_group() -> None:
    """Feeds: pull from and push to other TAXII 2.1 servers."""


@feed_group.command("add")
@click.argument("name")
@click.option("--url", required=True, help="The remote API root URL, e.g. https://peer.example/taxii2/api/")
@click.option("--collection", "remote_collection", required=True, help="The remote collection id.")
@click.option("--into", "local_collection", required=True, help="The local collection id.")
@click.option("--as", "email", required=True, help="The local user objects are posted as.")
@click.option("--user", "username", default=None, help="Remote user name for HTTP Basic.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the remote password (or hub API token) from stdin."
)
@click.option("--token-stdin", is_flag=True, help="Read a remote Bearer token from stdin.")
@click.option("--tlp-max", default="amber", show_default=True, help="Refuse pulled objects above this TLP.")
@click.option("--community", is_flag=True, help="The remote is within the GREEN community: push GREEN too.")
@click.option(
    "--replace",
    is_flag=True,
    help="Redefine an existing feed (cursors kept if it reads the same collections).",
)
@cli_errors
def feed_add(
    name: str,
    url: str,
    remote_collection: str,
    local_collection: str,
    email: str,
    username: str | None,
    password_stdin: bool,
    token_stdin: bool,
    tlp_max: str,
    community: bool,
    replace: bool,
) -> None:
    """Add a feed. Credentials come on standard input only, are stored encrypted, and are never printed."""
    if password_stdin and token_stdin or password_stdin != bool(username):
        raise InvalidInput("use --user with --password-stdin, or --token-stdin alone")
    kind = "basic" if password_stdin else "token" if token_stdin else "none"
    secret = read_secret_from_stdin() if kind != "none" else None
    feed = service.add_feed(
        db.session(),
        current_app.config["SECRET_KEY"],
        name,
        allow_private=FeedLimits.from_config(current_app.config).allow_private,
        api_root_url=url,
        remote_collection_id=remote_collection,
        local_collection_id=local_collection,
        email=email,
        auth_kind=kind,
        username=username,
        secret=secret,
        tlp_max=parse_tlp(tlp_max) or Tlp.AMBER,
        community=community,
        replace=replace,
    )
    click.echo(
        f"added feed {feed.name!r}: {feed.api_root_url} collection {feed.remote_collection_id} <-> local "
        f"{feed.local_collection_id}"
    )


@feed_group.command("list")
@cli_errors
def feed_list() -> None:
    """List feeds: name, URL, collections, auth, TLP limit, cursors, last error. Never shows credentials."""
    for feed in service.list_feeds(db.session()):
        click.echo(
            "\t".join(
                [
                    feed.name,
                    feed.api_root_url,
                    feed.remote_collection_id,
                    feed.local_collection_id,
                    feed.auth_kind,
                    f"tlp-max {Tlp(feed.tlp_max).label}",
                    "community" if feed.is_community else "-",
                    f"pulled to {feed.pull_cursor or '-'}",
                    f"pushed to {feed.push_cursor}",
                    f"error: {one_line(feed.last_error)}" if feed.last_error else "ok",
                ]
            )
        )


@feed_group.command("remove")
@click.argument("name")
@cli_errors
def feed_remove(name: str) -> None:
    """Forget a feed; what it brought in stays."""
    service.remove_feed(db.session(), name)
    click.echo(f"removed feed {name!r}")


@feed_group.command("sync")
@click.argument("name", required=False)
@QUIET
@cli_errors
def feed_sync(name: str | None, quiet: bool) -> None:
    """Pull what is new from one feed, or every feed. Exits 1 if any feed failed (the others still ran)."""
    feeds = [service.get_feed(db.session(), name)] if name else service.list_feeds(db.session())
    failed = [feed.name for feed in feeds if not _run(feed, "sync", quiet)]
    if failed:
        raise InvalidInput(
            f"feed(s) failed: {', '.join(failed)} (see `hub feed list`); completed pages were kept"
        )


@feed_group.command("push")
@click.argument("name")
@QUIET
@cli_errors
def feed_push(name: str, quiet: bool) -> None:
    """Send the local collection's new CLEAR (and, for a --community feed, GREEN) objects to the remote."""
    if not _run(service.get_feed(db.session(), name), "push", quiet):
        raise InvalidInput(f"feed {name!r}: push failed (see `hub feed list`); accepted envelopes were kept")


def _run(feed: Feed, what: str, quiet: bool) -> bool:
    key = current_app.config["SECRET_KEY"]
    feed_name = feed.name
    limits = FeedLimits.from_config(current_app.config)
    step = sync_feed if what == "sync" else push_feed
    try:
        # a remote does not announce how many objects a run will bring: objects, rate and time, no bar
        with progress(f"{what} {feed_name}", None, quiet) as tracker:
            summary = step(db.session(), feed, key, tracker.advance, limits=limits).summary()
    except InvalidInput:
        raise
    except Exception as exc:  # the remote or the network failed: keep what was committed, say why
        record_failure(db.session(), feed, exc)
        click.echo(one_line(f"{feed_name}: {what} failed: {type(exc).__name__}: {exc}"), err=True)
        return False
    click.echo(one_line(f"{feed_name}: {summary}"))
    return True
