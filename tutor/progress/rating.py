"""The FSRS rating a graded attempt earns: the learner never rates themselves, the grade does.

Again (1): wrong, partly right, gave up, or the worked solution was seen first.
Hard (2): right, but after a hint or after a wrong try at the same question.
Good (3): right at the first try, without hints.
Easy (4): right at the first try, without hints, and faster than the median time this learner
took on that question before (no earlier timed attempt: no median, so Good).
"""

from __future__ import annotations

from collections.abc import Sequence

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}


def median(values: Sequence[float]) -> float | None:
    """The median of `values`, or None when there are none."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def rating_for(
    verdict: str,
    *,
    hints: int = 0,
    solution_seen: bool = False,
    try_number: int = 1,
    seconds: float | None = None,
    median_seconds: float | None = None,
) -> int:
    """The rating (1 Again … 4 Easy) an attempt earns; see the module's docstring."""
    if verdict != "correct" or solution_seen:
        return AGAIN
    if hints > 0 or try_number > 1:
        return HARD
    if seconds is not None and median_seconds is not None and seconds < median_seconds:
        return EASY
    return GOOD
