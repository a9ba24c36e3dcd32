"""The error raised for an unacceptable STIX object, and the helpers that word its messages."""

from __future__ import annotations


class InvalidStix(ValueError):
    """An object that cannot be accepted.

    str(exc) is a clear, user-facing message naming the property at fault.

    ``object_id`` and ``property`` carry the object's id (when it has a usable one) and the property at
    fault (when there is one), for callers that report them separately.
    """

    def __init__(self, message: str, *, object_id: str | None = None, property: str | None = None) -> None:
        super().__init__(message)
        self.object_id = object_id
        self.property = property


def _short(value: object, limit: int = 80) -> str:
    """repr() of a value, cut to `limit` characters for error messages."""
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 3] + "..."


class _Ctx:
    """The object being checked: its label for messages."""

    __slots__ = ("label", "oid")

    def __init__(self, label: str, oid: str | None) -> None:
        self.label = label
        self.oid = oid

    def fail(self, prop: str | None, problem: str) -> InvalidStix:
        if prop is None:
            return InvalidStix(f"{self.label}: {problem}", object_id=self.oid)
        return InvalidStix(f"{self.label}: property '{prop}' {problem}", object_id=self.oid, property=prop)
