"""What the record says about the learner: mastery, due counts, activity, streak, forecast.

Pure functions over a `ProgressStore` and lists of question ids; which questions make a lesson
or carry a tag is the course's business (`tutor.quiz.review`).

Mastery is the FSRS retrievability a week from now, averaged over the questions (a question
never attempted counts 0). Not the retrievability now: right after any review, even a failed
one, that is close to 1; a week ahead it is high only for a memory that has become stable. Not
recency-weighted accuracy either: it cannot tell three right answers in one sitting from three
spread over a month, which is exactly what spacing is about.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tutor.progress import srs
from tutor.progress.store import ProgressStore

if TYPE_CHECKING:
    from tutor.content.index import CourseIndex

WEEK = 7 * 86400
STRONG = 0.8  # mastery at or above which a lesson or tag reads "strong"


@dataclass(frozen=True)
class Mastery:
    value: float  # 0..1
    seen: int  # questions with at least one review
    total: int

    @property
    def word(self) -> str:
        """new / learning / strong: said in words, never by colour alone."""
        if self.seen == 0:
            return "new"
        return "strong" if self.value >= STRONG else "learning"


def question_mastery(cards: dict[str, tuple[str, float, float]], question: str, now: float) -> float:
    card = cards.get(question)
    return srs.retrievability(card[0], now + WEEK) if card else 0.0


_replayed: dict[str, tuple[tuple[int, float], dict[str, tuple[str, float, float]]]] = {}


def mastery_cards(store: ProgressStore) -> dict[str, tuple[str, float, float]]:
    """The cards mastery is read from, in the shape of `store.cards()`: each question's reviews
    replayed with one a day, the day's first (the recall that was spaced: the repeats after it in
    the same sitting test short-term memory), so that repeats of a just-learned question count
    once; the store's own cards keep every review, for when each is due."""
    reviews = store.question_reviews()
    key = (len(reviews), reviews[-1][2] if reviews else 0.0)
    cached = _replayed.get(str(store.db_path))
    if cached is not None and cached[0] == key:
        return cached[1]
    first_of_day: dict[tuple[str, date], tuple[int, float]] = {}
    for question, rating, at in reviews:
        first_of_day.setdefault((question, datetime.fromtimestamp(at).date()), (rating, at))
    cards: dict[str, tuple[str, float, float]] = {}
    for (question, _), (rating, at) in sorted(first_of_day.items(), key=lambda item: item[1][1]):
        try:
            card, due = srs.review(
                cards[question][0] if question in cards else None, question, rating, at, False
            )
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError):
            continue
        cards[question] = (card, due, at)
    _replayed[str(store.db_path)] = (key, cards)
    return cards


def mastery(cards: dict[str, tuple[str, float, float]], questions: Iterable[str], now: float) -> Mastery:
    """The mastery of a set of questions (see the module's docstring)."""
    ids = list(dict.fromkeys(questions))
    if not ids:
        return Mastery(0.0, 0, 0)
    values = [question_mastery(cards, q, now) for q in ids]
    return Mastery(sum(values) / len(ids), sum(q in cards for q in ids), len(ids))


@dataclass(frozen=True)
class Row:
    key: str  # lesson id or tag
    title: str
    mastery: Mastery


def lesson_mastery(index: CourseIndex, store: ProgressStore, now: float) -> list[Row]:
    """Mastery per lesson, in course order (lessons without questions left out)."""
    cards = mastery_cards(store)
    return [Row(x.id, x.title, mastery(cards, x.questions, now)) for x in index.lessons if x.questions]


# Questions with a review a tag needs before it is called weak or strong: on one or two
# answers it is "too few answers yet".
TAG_EVIDENCE = 3


def tag_mastery(index: CourseIndex, store: ProgressStore, now: float, skip: Iterable[str] = ()) -> list[Row]:
    """Mastery per question tag, weakest first among those started, then the new ones; `skip`:
    tags that are not topics (the names of question kinds, which some courses tag with)."""
    skipped = set(skip)
    by_tag: dict[str, list[str]] = {}
    for qid, tags in index.tags.items():
        for tag in tags:
            if tag not in skipped:
                by_tag.setdefault(tag, []).append(qid)
    cards = mastery_cards(store)
    rows = [Row(tag, tag, mastery(cards, ids, now)) for tag, ids in by_tag.items()]
    return sorted(rows, key=lambda r: (r.mastery.seen == 0, r.mastery.value, r.key))


# A day's review, unless the learner sets otherwise (the state's `new_per_day` and
# `reviews_per_day`): at about 40 seconds a card, the first day's reviews stay under half an hour.
NEW_PER_DAY = 10  # cards first answered today that come back for review today
REVIEWS_PER_DAY = 40  # cards reviewed in a day, new ones included


@dataclass(frozen=True)
class DailyLimits:
    new_per_day: int = NEW_PER_DAY
    reviews_per_day: int = REVIEWS_PER_DAY

    @classmethod
    def of(cls, store: ProgressStore) -> DailyLimits:
        """The learner's limits: their settings (checked by the store), else the defaults."""
        state = store.state()
        return cls(state.get("new_per_day", NEW_PER_DAY), state.get("reviews_per_day", REVIEWS_PER_DAY))


def within_limits(
    order: list[str], store: ProgressStore, now: float, limits: DailyLimits | None = None
) -> list[str]:
    """The first of `order` that today's limits leave room for: at most `reviews_per_day`
    reviewed today (those done already count), of which at most `new_per_day` are cards first
    answered today (a wrong first answer is due again in minutes: without a cap a first session
    left dozens of them)."""
    limits = limits or DailyLimits.of(store)
    day_start = local_day_start(now)
    done = store.reviewed_since(day_start)
    first = store.first_answered()
    new_done = sum(first.get(q, 0.0) >= day_start for q in set(done))
    room, new_room = limits.reviews_per_day - len(done), limits.new_per_day - new_done
    out: list[str] = []
    for question in order:
        if len(out) >= room:
            break
        if first.get(question, 0.0) >= day_start:
            if new_room <= 0:
                continue
            new_room -= 1
        out.append(question)
    return out


def local_day_start(now: float) -> float:
    """The start of the learner's local day that holds `now` (midnight, local time)."""
    day = datetime.fromtimestamp(now).date()
    return datetime(day.year, day.month, day.day).timestamp()


def local_day_end(now: float) -> float:
    """The end of the learner's local day that holds `now` (midnight, local time)."""
    day = datetime.fromtimestamp(now).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day).timestamp()


def due_counts(store: ProgressStore, questions: Iterable[str], now: float | None = None) -> tuple[int, int]:
    """(due now, due later today) among `questions`."""
    now = time.time() if now is None else now
    due = store.due(questions, until=local_day_end(now))
    soon = sum(d <= now for _, d in due)
    return soon, len(due) - soon


def forecast(store: ProgressStore, questions: Iterable[str], now: float, days: int = 14) -> list[int]:
    """Cards due on each of the next `days` local days (today first; overdue ones count today)."""
    today = datetime.fromtimestamp(now).date()
    counts = [0] * days
    horizon = datetime.combine(today + timedelta(days=days), datetime.min.time()).timestamp()
    for _, due in store.due(questions, until=horizon):
        offset = max(0, (datetime.fromtimestamp(due).date() - today).days)
        if offset < days:
            counts[offset] += 1
    return counts


@dataclass(frozen=True)
class Day:
    day: date
    attempts: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


def activity(store: ProgressStore) -> list[Day]:
    """Attempts and right answers per local day, oldest first (days without any left out)."""
    rows = store.daily()
    return [Day(date.fromisoformat(d), n, c) for d, n, c in rows]


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive days with at least one attempt, ending today (or yesterday: today may not have
    started yet)."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    n = 0
    while day in active:
        n += 1
        day -= timedelta(days=1)
    return n


def frequent_notes(store: ProgressStore, limit: int = 5) -> list[tuple[str, int]]:
    """The mistake and diagnosis notes that fire most for this learner, most frequent first."""
    counts: Counter[str] = Counter()
    for notes in store.notes_of_wrong_answers():
        counts.update(set(notes))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
