"""Figures the insight pages compute from the analytic store, kept per question and state of the store:
a driver model's bootstrap takes a fraction of a second to a second, and the pages are read far more often
than the store changes."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_CACHE: dict[tuple[Hashable, ...], Any] = {}


def kept(key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
    """The figures for ``key`` (which must name the organisation, the language where the figures hold
    words, and the store's state), computed once."""
    found = _CACHE.get(key)
    if found is None:
        found = make()
        if len(_CACHE) >= 64:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def stamp(cur: Any, *keys: str) -> tuple[str | None, ...]:
    """The store's identity (instance, generation) and the ``keys`` of its state the figures depend on
    (``meta``: watermark, batch, persons, outcomes)."""
    meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
    return tuple(meta.get(key) for key in ("instance", "generation", *keys))
