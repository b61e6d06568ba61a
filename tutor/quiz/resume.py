"""Opening a quiz: the one left in the middle, or a fresh one.

One rule for the app and `tutor quiz --plain`: a quiz on `ref` that was started and not finished
is resumed at the same question, with the same variants and the answers given so far, unless the
learner asked for particular variants (a seed) or a fresh start. Pure logic: no UI here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tutor.content.loader import QuestionEntry
from tutor.progress.store import Attempt
from tutor.quiz.session import QuizSession

CHANGED = "The quiz could not be resumed (the course changed since): a fresh one starts."


@dataclass(frozen=True)
class Opened:
    session: QuizSession
    notice: str | None  # what to tell the learner about resuming, if anything


def in_progress(saved: Any) -> bool:
    """Whether `saved` (a quiz snapshot from the store) is a quiz started and not finished."""
    return (
        isinstance(saved, dict)
        and saved.get("completed") is not True
        and isinstance(saved.get("index"), int)
        and isinstance(saved.get("questions"), list)
    )


def open_quiz(
    entries: Sequence[QuestionEntry],
    saved: Any,
    *,
    seed: int | None = None,
    resume: bool | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_change: Callable[[QuizSession], None] | None = None,
) -> Opened:
    """The session to run on `entries`, given the quiz the store kept for them (`saved`).

    `resume`: True resumes (what "continue" asks for), False starts afresh, None resumes a quiz in
    progress unless a `seed` asks for particular variants. Never raises on a damaged `saved`."""
    want = resume if resume is not None else seed is None and in_progress(saved)
    if want and saved is not None:
        session = QuizSession.restore(entries, saved, on_attempt, clock=clock, on_change=on_change)
        if session is not None:
            where = f"question {session.index + 1} of {session.total}"
            return Opened(session, f"Resumed where you left off: {where}.")
        notice: str | None = CHANGED
    else:
        notice = None
    session = QuizSession(entries, seed=seed, on_attempt=on_attempt, clock=clock, on_change=on_change)
    if on_change is not None:
        on_change(session)  # kept from its first question on, so that a kill -9 loses nothing
    return Opened(session, notice)
