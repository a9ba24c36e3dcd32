"""`hub collection`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hub.cli_support import cli_errors
from hub.errors import InvalidInput
from hub.extensions import db
from hub.policy.tlp import Tlp
from hub.sharing import service


@click.group("collection", cls=AppGroup)
def collection_group() -> None:
    """Collections: the TAXII sharing channels."""


@collection_group.command("add")
@click.argument("title")
@click.option("--description", default="")
@click.option("--alias", default=None)
@click.option(
    "--read", "read_rules", multiple=True, help="A read rule (repeat): public, tier:T, org:N, group:N, user:E"
)
@click.option(
    "--write", "write_rules", multiple=True, help="A write rule (repeat): tier:T, org:N, group:N, user:E"
)
@click.option(
    "--default-tlp", default="amber", show_default=True, help="TLP of objects posted without a marking."
)
@cli_errors
def collection_add(
    title: str,
    description: str,
    alias: str | None,
    read_rules: tuple[str, ...],
    write_rules: tuple[str, ...],
    default_tlp: str,
) -> None:
    """Add a collection; its id is the last line printed."""
    try:
        level = Tlp.parse(default_tlp)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    collection = service.add_collection(
        db.session(),
        None,
        title,
        description=description,
        alias=alias,
        read=list(read_rules),
        write=list(write_rules),
        default_tlp=level,
    )
    click.echo(f"added collection {collection.title!r}")
    click.echo(collection.id)


@collection_group.command("list")
@cli_errors
def collection_list() -> None:
    """List collections with their rules."""
    for collection in service.list_collections(db.session()):
        rules = " ".join(f"{rule.mode}={service.rule_text(rule)}" for rule in collection.rules)
        click.echo(f"{collection.id}\t{collection.title}\t{rules}")
