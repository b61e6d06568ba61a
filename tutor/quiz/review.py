"""Spaced reviews on a course: the due cards as one quiz, and what the record says per lesson and tag.

The review draws every due card of the whole course, lessons taking turns (interleaving: no two
questions of one lesson in a row while another lesson has some due), most overdue first in each,
each on a fresh variant (a seed the learner has not answered before, where the question has
more than one).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from tutor.content.loader import Course, course_files
from tutor.progress import stats
from tutor.progress.store import ProgressStore
from tutor.quiz.session import QuizSession, variant_seed


def course_identity(course: Course) -> tuple[str, str]:
    """(course id, course version): "builtin" or the course folder's name, and a hash of its files."""
    from tutor.content.builtin import builtin_course_root
    from tutor.content.files import read_capped
    from tutor.content.loader import MAX_FILE_BYTES

    digest = hashlib.sha256()
    for _, path in course_files(course.root):
        digest.update(str(path.relative_to(course.root)).encode("utf-8", "backslashreplace") + b"\0")
        try:
            digest.update(read_capped(path, MAX_FILE_BYTES))
        except OSError:
            digest.update(b"\1unreadable")
        digest.update(b"\0")
    builtin = course.root.resolve() == builtin_course_root().resolve()
    return ("builtin" if builtin else course.root.name), digest.hexdigest()[:16]


def lesson_of(course: Course) -> dict[str, str]:
    """The lesson each question belongs to (its first lesson in course order; a question in no
    lesson goes with its bank)."""
    out: dict[str, str] = {}
    for loaded in course.lessons_in_order:
        for entry in course.resolve(loaded.lesson.id):
            out.setdefault(entry.id, loaded.lesson.id)
    for qid, entry in course.questions.items():
        out.setdefault(qid, entry.bank.bank.bank)
    return out


def interleave(due: Iterable[tuple[str, float]], group_of: dict[str, str]) -> list[str]:
    """The questions of `due` ((question, due time)) in review order. At each turn a lesson other
    than the one just asked from gives its most overdue card: the lesson with the most cards left
    (so that no lesson is left to run on alone at the end), then the one whose card is most
    overdue. Two questions of one lesson come together only when no other lesson has any left."""
    groups: dict[str, deque[tuple[float, str]]] = {}
    for question, at in sorted(due, key=lambda item: (item[1], item[0])):
        groups.setdefault(group_of.get(question, ""), deque()).append((at, question))
    out: list[str] = []
    last: str | None = None
    while groups:
        others = [g for g in groups if g != last] or list(groups)
        pick = min(others, key=lambda g: (-len(groups[g]), groups[g][0]))
        out.append(groups[pick].popleft()[1])
        if not groups[pick]:
            del groups[pick]
        last = pick
    return out


def review_queue(
    course: Course, store: ProgressStore, now: float, limits: stats.DailyLimits | None = None
) -> list[str]:
    """The question ids due at `now`, in review order, within the day's limits (`stats.within_limits`)."""
    order = interleave(store.due(course.questions, until=now), lesson_of(course))
    return stats.within_limits(order, store, now, limits)


def fresh_base_seed(order: list[str], seen: dict[str, set[int]], rng: random.Random, tries: int = 50) -> int:
    """A quiz seed whose first variant of each question is one the learner has not answered (as far
    as `tries` draws find one: with few possible seeds left, the least repeated one)."""
    best, best_repeats = 0, len(order) + 1
    for _ in range(tries):
        base = rng.randrange(1_000_000)
        repeats = sum(variant_seed(base, q, 0) in seen.get(q, ()) for q in order)
        if repeats < best_repeats:
            best, best_repeats = base, repeats
        if repeats == 0:
            break
    return best


def review_session(
    course: Course, store: ProgressStore, now: float | None = None, seed: int | None = None, **kwargs
) -> QuizSession | None:
    """A quiz over the cards due now, interleaved and on fresh variants; None when none is due.
    `kwargs` go to `QuizSession` (clock, on_change)."""
    order = review_queue(course, store, time.time() if now is None else now)
    if not order:
        return None
    questions = course.questions
    base = fresh_base_seed(order, store.seeds_seen(), random.Random(seed))
    session = QuizSession([questions[q] for q in order], seed=base, on_attempt=store.record, **kwargs)
    session.on_give_up = store.gave_up
    return session


# The review in progress is kept as a quiz under this name (no lesson or bank id has a colon).
REVIEW_KEY = ":review"


def saved_review(course: Course, store: ProgressStore, now: float, **kwargs) -> QuizSession | None:
    """Today's review left in the middle, at the same question with the same variants and
    answers; None when there is none (or it is another day's, or no longer fits the course).
    `kwargs` go to `QuizSession.restore` (clock, on_change)."""
    from tutor.quiz.resume import in_progress

    saved = store.quiz(REVIEW_KEY)
    if not in_progress(saved) or saved is None or saved.get("day") != review_day(now):
        return None
    ids = [q.get("id") if isinstance(q, dict) else None for q in saved["questions"]]
    if not all(isinstance(q, str) and q in course.questions for q in ids):
        return None
    entries = [course.questions[str(q)] for q in ids]
    session = QuizSession.restore(entries, saved, store.record, **kwargs)
    if session is not None:
        session.on_give_up = store.gave_up
    return session


def review_day(now: float) -> str:
    """The learner's local day of `now`, which a review in progress belongs to."""
    return time.strftime("%Y-%m-%d", time.localtime(now))


# ---------------------------------------------------------------- notes on the course
# (mastery per lesson and per tag: `tutor.progress.stats`, on the course's index)


@dataclass(frozen=True)
class NoteLink:
    """A mistake this learner makes, in one lesson where they made it."""

    note: str
    count: int  # times in this lesson
    feedback: str  # what a mistake with this note says (the first one found), as plain text
    lesson_id: str | None
    lesson_title: str
    section: str  # the title of the section that explains it best ("" when none)
    section_index: int = 0  # its place among the lesson's sections (0: the first)
    total: int = 0  # times in every lesson
    name: str = ""  # the note in a learner's words (`tutor.content.words.note_name`)


_WORD = re.compile(r"[a-zA-Z]{3,}")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def note_links(course: Course, store: ProgressStore, limit: int = 5) -> list[NoteLink]:
    """The notes that fire most for this learner, each with the lessons where the wrong answers
    were given (most first), and in each the section that explains it: the one sharing most
    words with the note and what it says."""
    from collections import Counter

    from tutor.content.words import note_name

    lessons = lesson_of(course)
    found: dict[tuple[str, str], str] = {}  # (note, lesson) → feedback of a mistake there
    anywhere: dict[str, tuple[str, str]] = {}  # note → (lesson, feedback) of its first mistake
    for qid, entry in course.questions.items():
        for mistake in getattr(entry.question, "mistakes", []) or []:
            found.setdefault((mistake.note, lessons.get(qid, "")), mistake.feedback)
            anywhere.setdefault(mistake.note, (lessons.get(qid, ""), mistake.feedback))
    where: dict[str, Counter[str]] = {}
    for qid, notes in store.wrong_answer_notes():
        for note in set(notes):
            # a question no longer in the course: the lesson where the mistake is explained
            lesson = lessons.get(qid) or anywhere.get(note, ("", ""))[0]
            where.setdefault(note, Counter())[lesson] += 1
    out = []
    for note, total in stats.frequent_notes(store, limit):
        places = sorted(where.get(note, Counter()).items(), key=lambda item: (-item[1], item[0]))
        for lesson_id, count in places or [("", total)]:
            feedback = found.get((note, lesson_id)) or anywhere.get(note, ("", ""))[1]
            loaded = course.lesson(lesson_id) if lesson_id else None
            section, index = "", 0
            if loaded is not None:
                wanted = _words(note.replace("-", " ")) | _words(feedback)
                scored = [
                    (len(wanted & _words(f"{s.title} {s.body}")), -i)
                    for i, s in enumerate(loaded.lesson.sections)
                ]
                best = max(scored)
                index = -best[1] if best[0] > 0 else 0
                section = loaded.lesson.sections[index].title
            plain = " ".join(feedback.replace("`", "").replace("**", "").split())
            out.append(
                NoteLink(
                    note,
                    count,
                    plain,
                    loaded.lesson.id if loaded else None,
                    loaded.lesson.title if loaded else "",
                    section,
                    index,
                    total,
                    note_name(note),
                )
            )
    return out
