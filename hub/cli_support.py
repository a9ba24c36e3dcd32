"""Helpers shared by the feature command groups of the `hub` command."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from hub.errors import HubError

F = TypeVar("F", bound=Callable[..., Any])


def cli_errors(func: F) -> F:
    """Commit once when the command succeeds; on a domain error undo everything, print one line, exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from hub.extensions import db

        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except HubError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None

    return wrapper  # type: ignore[return-value]


def read_secret_from_stdin() -> str:
    """One line from standard input, without its line ending; refuses an empty line."""
    value = click.get_text_stream("stdin").readline().rstrip("\r\n")
    if not value:
        raise click.ClickException("nothing was given on standard input")
    return value
