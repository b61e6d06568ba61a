"""What one answer may cost: its length, and the time grading it may take.

Every kind of answer is checked against the same length cap before anything reads it, and
grading runs against a deadline that long loops (links of a chain, steps) and SymPy calls
consult, so no answer can freeze the grader or the app.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Characters in one answer, over all its lines or steps. A long derivation is a few hundred;
# the expression reader itself refuses any single expression over 2,000.
MAX_ANSWER_CHARS = 10_000

# Seconds one grade may take (code answers have their own caps, per test case). The app
# waits a little longer than this before telling the learner it could not decide.
GRADE_TIME_CAP = 4.0

# Seconds the live preview may take before the app stops waiting for it.
PREVIEW_TIME_CAP = 1.0

_deadline: ContextVar[float | None] = ContextVar("grading_deadline", default=None)

# The clock every deadline is read on: one place, so that a test can move time itself and show
# that a loop checks the deadline, whatever the speed of the machine.
_clock = time.monotonic


def now() -> float:
    """The time on the grading clock (seconds, monotonic)."""
    return _clock()


class OutOfTime(Exception):
    """Grading went past its deadline; the answer is "could not decide", not wrong."""


def answer_length(answer: object) -> int:
    """Characters in an answer of any shape: a text, a list of step texts, or picked options."""
    if isinstance(answer, str):
        return len(answer)
    if isinstance(answer, list | tuple):
        return sum(len(a) if isinstance(a, str) else 1 for a in answer)
    if isinstance(answer, set | frozenset):
        return len(answer)
    return 0


def too_long_message(length: int) -> str | None:
    """The learner's message when an answer is over the cap, else None."""
    if length <= MAX_ANSWER_CHARS:
        return None
    return f"Your answer is too long ({length:,} characters; at most {MAX_ANSWER_CHARS:,})."


@contextmanager
def time_cap(seconds: float | None = None) -> Iterator[None]:
    """Grade under a deadline `seconds` (default GRADE_TIME_CAP) from now; an enclosing,
    earlier deadline is kept."""
    outer = _deadline.get()
    deadline = now() + (GRADE_TIME_CAP if seconds is None else seconds)
    token = _deadline.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float:
    """Seconds left before the deadline (infinite outside `time_cap`)."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else deadline - now()


def check_time() -> None:
    """Raise OutOfTime once the deadline has passed; called between units of work."""
    if remaining() <= 0:
        raise OutOfTime


def sympy_limit(default: float) -> float:
    """A SymPy call's time limit: its own `default`, or less when the deadline is nearer."""
    left = remaining()
    if left <= 0:
        raise OutOfTime
    return min(default, left)
