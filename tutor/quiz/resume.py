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


def quiz_key(course: Any, ref: str) -> str:
    """The name a quiz is kept under: a bank that is exactly its lesson's quiz is kept as the
    lesson's, so that `tutor quiz BANK` and `t` on the lesson are one quiz in progress, not two."""
    if course.lesson(ref) is not None:
        return ref
    bank = course.bank(ref)
    lesson = bank.bank.lesson if bank is not None else None
    same = lesson and [e.id for e in course.resolve(lesson)] == [e.id for e in course.resolve(ref)]
    return str(lesson) if same and course.lesson(lesson) is not None else ref


def saved_quiz(course: Any, ref: str, read: Callable[[str], Any]) -> tuple[str, Any]:
    """The key a quiz on `ref` is kept under, and what `read` (the store's) has for it; a quiz
    kept under the bank's name before keys were shared is still found."""
    key = quiz_key(course, ref)
    # the key first, then the names it stands for (a bank kept as its lesson's quiz)
    names = [key, ref, *(b.bank.bank for b in course.banks if b.bank.lesson == key)]
    for name in dict.fromkeys(names):
        saved = read(name)
        if saved is not None and (name == key or quiz_key(course, name) == key):
            return key, saved
    return key, None


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
    exact: bool = False,
) -> Opened:
    """The session to run on `entries`, given the quiz the store kept for them (`saved`).

    `resume`: True resumes (what "continue" asks for), False starts afresh, None resumes a quiz in
    progress unless a `seed` asks for particular variants (`exact`: variant `seed` itself, as
    `tutor grade --seed` shows it). Never raises on a damaged `saved`."""
    want = resume if resume is not None else seed is None and in_progress(saved)
    if want and saved is not None:
        session = QuizSession.restore(entries, saved, on_attempt, clock=clock, on_change=on_change)
        if session is not None:
            where = f"question {session.index + 1} of {session.total}"
            return Opened(session, f"Resumed where you left off: {where}.")
        notice: str | None = CHANGED
    else:
        notice = None
    session = QuizSession(
        entries, seed=seed, on_attempt=on_attempt, clock=clock, on_change=on_change, exact=exact
    )
    if on_change is not None:
        on_change(session)  # kept from its first question on, so that a kill -9 loses nothing
    return Opened(session, notice)


def completion_recorder(
    quiz_finished: Callable[[str, float, int, int, float | None], None], ref: str
) -> Callable[[QuizSession], None]:
    """A session's `on_complete`: the score the learner is shown at the end of quiz `ref`, kept
    (by `ProgressStore.quiz_finished`) for what xAPI's `completed` says."""

    def done(session: QuizSession) -> None:
        summary = session.summary()
        quiz_finished(ref, summary.score, summary.correct, summary.total, summary.seconds)

    return done
