"""`hub import` and `hub export`: files in and out, as a given user so the usual rules apply."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from hub.cli_support import cli_errors, freeze_built_objects
from hub.db import refresh_planner_statistics
from hub.errors import InvalidInput
from hub.extensions import db
from hub.interop.csvlist import export_csv
from hub.interop.exporter import ExportScope, export_stix
from hub.interop.importer import ImportReport, import_file
from hub.interop.misp import export_misp, import_misp
from hub.interop.mvt import export_mvt
from hub.interop.stix_files import sniff_shape
from hub.orgs.service import get_user
from hub.policy.principal import Principal
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.progress import progress
from hub.sharing.service import get_collection_for
from hub.stix.ingest import IngestOptions

EXPORTERS = {"stix": export_stix, "mvt": export_mvt, "csv": export_csv, "misp": export_misp}


def principal_of(email: str) -> Principal:
    """The principal of a user given by email. :raises NotFound: no such user."""
    return principal_for(db.session(), get_user(db.session(), email))


def parse_tlp(text: str | None) -> Tlp | None:
    """A TLP option value. :raises InvalidInput: unknown level."""
    if text is None:
        return None
    try:
        return Tlp.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


QUIET = click.option(
    "--quiet", "-q", is_flag=True, help="No progress display (it is drawn only on a terminal anyway)."
)


@click.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--as", "email", required=True, help="The user the objects are posted as (their rules apply).")
@click.option("--collection", "collection_id", required=True, help="The collection id to post into.")
@click.option(
    "--tlp", default=None, help="TLP for objects without a TLP marking (default: the collection's)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["auto", "stix", "misp"]), default="auto", show_default=True
)
@QUIET
@with_appcontext
@cli_errors
def import_command(
    files: tuple[Path, ...], email: str, collection_id: str, tlp: str | None, fmt: str, quiet: bool
) -> None:
    """Import STIX bundles (2.1, or 2.0 upgraded), TAXII envelopes or MISP event exports into a collection."""
    freeze_built_objects()  # the app lives as long as the command: full collections need not scan it
    p = principal_of(email)
    collection = get_collection_for(db.session(), p, collection_id)
    options = IngestOptions(tlp=parse_tlp(tlp))
    total = ImportReport()
    for path in files:
        kind = fmt if fmt != "auto" else _sniff(path)
        importer = import_misp if kind == "misp" else import_file
        # a MISP export is read whole before it is converted: only objects and rate can be shown
        size = None if kind == "misp" else path.stat().st_size
        with progress(f"importing {path.name}", size, quiet) as tracker:
            report = importer(db.session(), p, collection.id, path, options, tracker.advance)
        for failure in report.failures:
            click.echo(f"failed {failure['id']}: {failure['message']}", err=True)
        click.echo(f"{path.name}: {report.summary()}")
        total.add(report)
    if len(files) > 1:
        click.echo(f"all files: {total.summary()}")
    if total.succeeded:
        refresh_planner_statistics(db.session())
    if total.total and not total.succeeded:
        raise click.ClickException("no object could be imported")
    if total.dropped:
        raise click.ClickException(
            f"{total.dropped} MISP attribute(s) or object(s) could not be converted (listed above)"
        )


def _sniff(path: Path) -> str:
    with path.open("rb") as handle:
        return "misp" if sniff_shape(handle) == "misp" else "stix"


@click.command("export")
@click.option("--as", "email", required=True, help="The user whose view is exported (their rules apply).")
@click.option(
    "--collection", "collection_id", default=None, help="One collection (default: every readable one)."
)
@click.option("--tlp-max", default="red", show_default=True, help="Leave out objects above this TLP level.")
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORTERS)), default="stix", show_default=True)
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest (STIX and CSV).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
@QUIET
@with_appcontext
@cli_errors
def export_command(
    email: str,
    collection_id: str | None,
    tlp_max: str,
    fmt: str,
    all_versions: bool,
    output: Path | None,
    quiet: bool,
) -> None:
    """Export what a user may see: a STIX 2.1 bundle, MVT indicators, a CSV blocklist or a MISP event."""
    p = principal_of(email)
    scope = ExportScope(collection_id, parse_tlp(tlp_max) or Tlp.RED, all_versions and fmt in ("stix", "csv"))
    with progress(f"exporting ({fmt})", None, quiet) as tracker:
        scope = replace(scope, on_page=tracker.advance)
        if output is None:
            count = _run(fmt, p, scope, click.get_text_stream("stdout"))
        else:
            partial = output.with_name(output.name + ".partial")
            with partial.open("w", encoding="utf-8") as handle:
                count = _run(fmt, p, scope, handle)
            partial.replace(output)
    click.echo(f"exported {count} {'rows' if fmt == 'csv' else 'objects'} ({fmt})", err=True)


def _run(fmt: str, p: Principal, scope: ExportScope, handle: IO[str]) -> int:
    return EXPORTERS[fmt](db.session(), p, scope, handle)
