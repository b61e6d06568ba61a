"""Bytecode for tutor's own modules, as an installed package has, before anything is timed.

An editable install under PYTHONDONTWRITEBYTECODE (set on some machines) would otherwise compile
every tutor module from source in each fresh process, which a learner's installed copy never
does (about 80 ms of each start here).
"""

from __future__ import annotations

import compileall
import os


def compile_tutor() -> None:
    """Write `__pycache__` for the tutor package (a no-op where it is up to date)."""
    import tutor

    compileall.compile_dir(os.path.dirname(tutor.__file__), quiet=1)
