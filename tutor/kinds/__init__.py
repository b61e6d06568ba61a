"""The registry of question kinds: one module per `type:` in this package, found by name.

A kind module defines its model and a `Kind` subclass and calls `register` on an instance; this
package imports every module beside it (as PrairieLearn finds its elements by folder), so
adding a kind touches no list. Everything else asks `kind_of(question)` or `KINDS[name]`.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import Any

from tutor.kinds.base import AuthorExpr, Case, Kind

__all__ = ["KINDS", "AuthorExpr", "Case", "Kind", "kind_named", "kind_of", "register"]

KINDS: dict[str, Kind[Any]] = {}
_NOT_KINDS = {"base"}


def register(kind: Kind[Any]) -> Kind[Any]:
    """Add a kind to the registry (a module calls this once, on import)."""
    if kind.name in KINDS and type(KINDS[kind.name]) is not type(kind):
        raise ValueError(f"two question kinds are named {kind.name!r}")
    KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> Kind[Any]:
    return KINDS[name]


def kind_of(question: Any) -> Kind[Any]:
    """The kind of a question model (by its `type`)."""
    return KINDS[question.type]


def kind_modules() -> list[str]:
    """The names of the kind modules in this folder."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name not in _NOT_KINDS and not info.name.startswith("_")
    )


def discover() -> dict[str, Kind[Any]]:
    """Import every kind module (each registers itself), then order the registry as the kinds
    say; idempotent. Raises if a module registered no kind: its questions would otherwise be
    dropped from the course as an unknown `type`."""
    global _DISCOVERED
    if _DISCOVERED:
        return KINDS
    with _LOCK:
        if _DISCOVERED:
            return KINDS
        for name in kind_modules():
            importlib.import_module(f"{__name__}.{name}")
        modules = {type(k).__module__.rsplit(".", 1)[-1] for k in KINDS.values()}
        missing = sorted(set(kind_modules()) - modules)
        if missing:
            raise RuntimeError(f"question kind modules that registered no kind: {', '.join(missing)}")
        ordered = sorted(KINDS.values(), key=lambda k: k.order)
        if list(KINDS.values()) != ordered:
            # the order authors read in messages and the schema: as each kind sets it
            KINDS.clear()
            KINDS.update((k.name, k) for k in ordered)
        _DISCOVERED = True
        return KINDS


_LOCK = threading.RLock()
_DISCOVERED = False
discover()
