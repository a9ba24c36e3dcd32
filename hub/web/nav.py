"""The site navigation: every feature adds its entries here, and base.html shows those the reader may use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext

from hub.policy import writing
from hub.policy.principal import Principal

Predicate = Callable[[Principal], bool]


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link: an endpoint, its (lazily translated) label, and who sees it."""

    endpoint: str
    label: object
    when: Predicate
    order: int


_items: list[NavItem] = []


def add_nav_item(
    endpoint: str, label: object, when: Predicate = lambda p: not p.is_anonymous, order: int = 50
) -> None:
    """Register a link (once per endpoint); `label` should be a `lazy_gettext` string."""
    if all(item.endpoint != endpoint for item in _items):
        _items.append(NavItem(endpoint, label, when, order))


def nav_items(p: Principal) -> list[NavItem]:
    """The links this principal sees, for endpoints that exist in this app."""
    return sorted(
        (item for item in _items if item.endpoint in current_app.view_functions and item.when(p)),
        key=lambda item: item.order,
    )


def _member(p: Principal) -> bool:
    return not p.is_anonymous


add_nav_item("web.home", lazy_gettext("Home"), _member, 10)
add_nav_item("web.collections", lazy_gettext("Browse"), _member, 20)
add_nav_item("web.share", lazy_gettext("Share"), writing.may_write_somewhere, 30)
