"""The site navigation: each feature's blueprint adds its links, and base.html shows those the reader may use.

Links are kept per application (in `app.extensions`), added when the blueprint that declares them is mounted,
so an app shows links only to the features it mounted and two apps in one process share nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState

from hub.policy.principal import Principal

Predicate = Callable[[Principal], bool]
EXTENSION = "hub.nav"


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link: an endpoint, its (lazily translated) label, and who sees it."""

    endpoint: str
    label: object
    when: Predicate
    order: int


def is_member(p: Principal) -> bool:
    """Anyone logged in."""
    return not p.is_anonymous


def add_nav_item(
    bp: Blueprint, endpoint: str, label: object, when: Predicate = is_member, order: int = 50
) -> None:
    """Declare a link of blueprint `bp`, added to each app that mounts it (`label`: a `lazy_gettext`)."""
    item = NavItem(endpoint, label, when, order)

    def add(state: BlueprintSetupState) -> None:
        items: list[NavItem] = state.app.extensions.setdefault(EXTENSION, [])
        if all(known.endpoint != endpoint for known in items):
            items.append(item)

    bp.record_once(add)


def nav_items(p: Principal) -> list[NavItem]:
    """The links this principal sees, for endpoints that exist in this app."""
    items: list[NavItem] = current_app.extensions.get(EXTENSION, [])
    return sorted(
        (item for item in items if item.endpoint in current_app.view_functions and item.when(p)),
        key=lambda item: item.order,
    )
