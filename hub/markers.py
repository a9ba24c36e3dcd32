"""`N_`: marks an English message for `pybabel extract` where it is defined; the page or mail that shows it
translates it then, in the reader's language (a module-level `_()` would freeze it in English). An unmarked
message that only exists as a value (a setting's default such as `HUB_NAME`, shown as `_(config.HUB_NAME)`) is
dropped from every catalogue by the next `pybabel update`, and then shows in English."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Return `message` unchanged: the mark is only for the extractor (`-k N_`, docs/translations.md)."""
    return message
