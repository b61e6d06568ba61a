"""The registry of question kinds: one module per `type:` in this package, found by name.

A kind module defines its model and a `Kind` subclass and calls `register` on an instance; this
package imports every module beside it (as PrairieLearn finds its elements by folder), so
adding a kind touches no list. Everything else asks `kind_of(question)` or `KINDS[name]`.
"""

from __future__ import annotations

import importlib
import pkgutil
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


def _discover() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name not in _NOT_KINDS and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    # the order authors read in messages and the schema: as each kind sets it
    ordered = sorted(KINDS.values(), key=lambda k: k.order)
    KINDS.clear()
    KINDS.update((k.name, k) for k in ordered)


_discover()
