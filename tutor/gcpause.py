"""Pausing Python's cyclic garbage collector while long-lived objects are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within: no cyclic collection. Building many objects that stay alive (a loaded course, the
    model's classes at import) makes the collector walk them again and again as they pile up."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
