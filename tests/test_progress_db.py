"""The SQLite record: schema versions, two processes at once, a damaged database, the FSRS rating
from the grade (fixed clocks, fuzz off), the review queue, and the export rows."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import pytest

from tests.conftest import FIXTURES, REPO
from tutor.content.loader import load_course
from tutor.progress import export, stats
from tutor.progress import store as store_module
from tutor.progress.rating import AGAIN, EASY, GOOD, HARD, median, rating_for
from tutor.progress.store import DB_NAME, SCHEMA_VERSION, Attempt, ProgressStore
from tutor.quiz.review import interleave, review_queue, review_session

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
MINUTE, DAY = 60.0, 86400.0


def ratings(folder) -> list[int]:
    with sqlite3.connect(folder / DB_NAME) as conn:
        return [r[0] for r in conn.execute("SELECT rating FROM reviews ORDER BY id")]


# ---------------------------------------------------------------- schema


def test_a_new_database_is_in_wal_mode_at_the_current_schema_with_an_index_on_question_and_time(tmp_path):
    ProgressStore(tmp_path).record(Attempt("a", "correct", 1.0, seed=1))
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [r[2] for r in conn.execute("PRAGMA index_info(attempts_question_at)")]
    assert columns == ["question", "at"]


def test_a_database_from_a_newer_tutor_is_read_not_written(tmp_path):
    ProgressStore(tmp_path).record(Attempt("a", "correct", 1.0, seed=1))
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    told: list[str] = []
    store = ProgressStore(tmp_path, on_problem=told.append)
    assert store.best() == {"a": 1.0}
    store.record(Attempt("b", "correct", 1.0, seed=1))
    assert len(told) == 1 and "newer version of tutor" in told[0]
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 1


# ---------------------------------------------------------------- two processes at once

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tutor.progress.store import Attempt, ProgressStore

    store = ProgressStore(Path(sys.argv[1]), on_problem=lambda m: sys.exit("problem: " + m))
    name = sys.argv[2]
    for i in range(150):
        store.record(Attempt(f"{name}-{i % 5}", "correct" if i % 3 else "incorrect", 1.0 if i % 3 else 0.0,
                             seed=i, at=1_767_225_600.0 + i))
        store.set_state(last={"kind": "quiz", "ref": name})
        store.save_quiz(name, {"index": i})
    """
)


def test_two_processes_writing_at_once_lose_and_corrupt_nothing(tmp_path):
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), name], cwd=REPO, stderr=subprocess.PIPE
        )
        for name in ("one", "two")
    ]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 300
    store = ProgressStore(tmp_path)
    attempts = store.attempts()
    assert len(attempts) == 300 and len({a.attempt_id for a in attempts}) == 300
    for name in ("one", "two"):
        assert [a.seed for a in attempts if a.question.startswith(name)] == list(range(150))
        assert store.quiz(name) == {"index": 149}
    assert {q: s.attempts for q, s in store.question_stats().items()} == {
        f"{n}-{i}": 30 for n in ("one", "two") for i in range(5)
    }


# ---------------------------------------------------------------- a damaged database


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"this is not a database\n" * 100), id="not-a-database"),
        pytest.param(lambda path: path.write_bytes(b""), id="empty-file-is-fine"),
        pytest.param(
            lambda path: path.write_bytes(
                path.read_bytes()[:100] + b"\xff" * 3000 + path.read_bytes()[3100:]
            ),
            id="pages-overwritten",
        ),
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:5000]), id="truncated"),
    ],
)
@pytest.mark.parametrize("size", ["small", "large"])
def test_a_damaged_database_is_moved_aside_said_where_and_a_fresh_one_started(
    tmp_path, damage, size, monkeypatch
):
    if size == "large":  # no whole quick_check: the cheap checks must find it
        monkeypatch.setattr(store_module, "QUICK_CHECK_BYTES", 0)
    store = ProgressStore(tmp_path)
    for i in range(40):
        store.record(Attempt(f"q{i}", "correct", 1.0, seed=i, answer="x" * 200))
    store.close()
    path = tmp_path / DB_NAME
    for side in ("-wal", "-shm"):
        (tmp_path / (DB_NAME + side)).unlink(missing_ok=True)  # checkpointed by close
    damage(path)
    damaged = path.read_bytes()
    store = ProgressStore(tmp_path)
    report = store.skipped_report()
    if damaged == b"":  # SQLite reads an empty file as an empty database: nothing to move
        assert report is None
        return
    assert report is not None and "could not be read" in report and "nothing was deleted" in report
    (aside,) = tmp_path.glob(f"{DB_NAME}.unreadable-*")
    assert str(aside) in report
    assert aside.read_bytes() == damaged  # kept as it was
    store.record(Attempt("new", "correct", 1.0, seed=1))
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["new"]


def test_a_fresh_database_after_a_damaged_one_imports_the_old_log_again(tmp_path):
    (tmp_path / "attempts.jsonl").write_text(
        '{"question": "old", "verdict": "correct", "score": 1, "seed": 1}\n'
    )
    ProgressStore(tmp_path).record(Attempt("new", "correct", 1.0, seed=1))
    (tmp_path / DB_NAME).write_bytes(b"garbage" * 1000)
    for side in ("-wal", "-shm"):
        (tmp_path / (DB_NAME + side)).unlink(missing_ok=True)
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["old"]


# ---------------------------------------------------------------- the rating comes from the grade


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"verdict": "incorrect"}, AGAIN),
        ({"verdict": "partial"}, AGAIN),
        ({"verdict": "undecided"}, AGAIN),
        ({"verdict": "correct", "solution_seen": True}, AGAIN),
        ({"verdict": "correct", "hints": 1}, HARD),
        ({"verdict": "correct", "try_number": 2}, HARD),
        ({"verdict": "correct", "hints": 2, "seconds": 1.0, "median_seconds": 60.0}, HARD),
        ({"verdict": "correct"}, GOOD),
        ({"verdict": "correct", "seconds": 30.0}, GOOD),  # no median yet
        ({"verdict": "correct", "seconds": 30.0, "median_seconds": 30.0}, GOOD),  # not faster
        ({"verdict": "correct", "seconds": 29.0, "median_seconds": 30.0}, EASY),
        ({"verdict": "correct", "try_number": 2, "seconds": 1.0, "median_seconds": 30.0}, HARD),
    ],
)
def test_the_rating_mapping(kwargs, expected):
    verdict = kwargs.pop("verdict")
    assert rating_for(verdict, **kwargs) == expected


def test_median():
    assert median([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5


def due_after(store: ProgressStore, question: str) -> float:
    return store.cards()[question][1]


def test_each_graded_attempt_reviews_its_card_at_the_attempts_time(tmp_path):
    # FSRS's default learning steps are 1 and 10 minutes: a new card rated Again is due in one
    # minute, Hard half way between the steps, Good after the second step; Easy graduates it to days.
    store = ProgressStore(tmp_path, fuzz=False)
    store.record(Attempt("again", "incorrect", 0.0, seed=1, at=T0))
    store.record(Attempt("hard", "correct", 1.0, seed=1, at=T0, hints=1))
    store.record(Attempt("good", "correct", 1.0, seed=1, at=T0))
    assert due_after(store, "again") == T0 + 1 * MINUTE
    assert due_after(store, "hard") == T0 + 5.5 * MINUTE
    assert due_after(store, "good") == T0 + 10 * MINUTE
    assert ratings(tmp_path) == [AGAIN, HARD, GOOD]


def test_easy_needs_a_first_right_answer_faster_than_the_questions_median_time(tmp_path):
    store = ProgressStore(tmp_path, fuzz=False)
    for i, seconds in enumerate((30.0, 40.0, 50.0)):  # median 40 s
        store.record(Attempt(f"other{i}", "correct", 1.0, seed=1, at=T0, seconds=99.0))
        store.record(Attempt("q", "correct", 1.0, seed=i, at=T0 + i * DAY, seconds=seconds))
    store.record(Attempt("q", "correct", 1.0, seed=5, at=T0 + 10 * DAY, seconds=39.0))
    store.record(Attempt("q", "correct", 1.0, seed=6, at=T0 + 30 * DAY, seconds=45.0, try_number=1))
    q_ratings = [r for r, q in zip(ratings(tmp_path), ["o", "q"] * 3 + ["q", "q"], strict=True) if q == "q"]
    # 30 s: no median yet; 40 s vs 30; 50 s vs 35; 39 s vs 40: faster; 45 s vs 39.5
    assert q_ratings == [GOOD, GOOD, GOOD, EASY, GOOD]
    assert due_after(store, "q") > T0 + 31 * DAY  # reviewed in the review state: days, not minutes


def test_a_wrong_try_then_a_right_one_is_again_then_hard_and_due_within_the_day(tmp_path):
    store = ProgressStore(tmp_path, fuzz=False)
    store.record(Attempt("q", "incorrect", 0.0, seed=1, at=T0, try_number=1))
    store.record(Attempt("q", "correct", 1.0, seed=1, at=T0 + 30, try_number=2))
    assert ratings(tmp_path) == [AGAIN, HARD]
    assert T0 + 30 < due_after(store, "q") < T0 + DAY


def test_giving_up_is_an_again_without_an_attempt(tmp_path):
    store = ProgressStore(tmp_path, fuzz=False, clock=lambda: T0)
    store.gave_up("q")
    assert ratings(tmp_path) == [AGAIN] and store.attempts() == []
    assert due_after(store, "q") == T0 + MINUTE


def test_a_self_assessed_answer_does_not_review_its_card(tmp_path):
    store = ProgressStore(tmp_path)
    store.record(Attempt("free", "correct", 1.0, seed=1, self_assessed=True))
    assert store.cards() == {} and store.best() == {"free": 1.0}


# ---------------------------------------------------------------- mastery, due counts, streak


def test_mastery_is_recall_a_week_ahead_so_a_card_failed_just_now_is_not_strong(tmp_path):
    store = ProgressStore(tmp_path, fuzz=False)
    for i in range(6):  # right every time, spaced out: a stable memory
        store.record(Attempt("known", "correct", 1.0, seed=i, at=T0 + (2**i) * DAY))
    store.record(Attempt("failed", "incorrect", 0.0, seed=1, at=T0 + 64 * DAY))
    now = T0 + 64 * DAY + MINUTE
    cards = store.cards()
    assert stats.mastery(cards, ["known"], now).word == "strong"
    assert stats.mastery(cards, ["failed"], now).word == "learning"
    assert stats.mastery(cards, ["never"], now).word == "new"
    both = stats.mastery(cards, ["known", "never"], now)
    assert both.seen == 1 and both.total == 2 and both.value < stats.STRONG  # the unseen one counts 0


def test_due_counts_split_now_from_later_today(tmp_path):
    store = ProgressStore(tmp_path, fuzz=False)
    noon = datetime(2026, 3, 2, 12, 0).timestamp()  # local time
    store.record(Attempt("a", "incorrect", 0.0, seed=1, at=noon - 10 * MINUTE))  # due at noon − 9 min
    store.record(Attempt("b", "correct", 1.0, seed=1, at=noon))  # due 12:10
    store.record(Attempt("c", "correct", 1.0, seed=1, at=noon, hints=0))
    assert stats.due_counts(store, ["a", "b"], now=noon) == (1, 1)
    assert stats.due_counts(store, ["a", "b", "c"], now=noon + 11 * MINUTE) == (3, 0)
    assert stats.due_counts(store, ["a"], now=datetime(2026, 3, 1, 12, 0).timestamp()) == (0, 0)


def test_streak_counts_days_ending_today_or_yesterday():
    d = datetime(2026, 3, 10).date()
    days = [d - timedelta(days=i) for i in (0, 1, 2, 4)]
    assert stats.streak(days, d) == 3
    assert stats.streak(days[1:], d) == 2  # today not started yet
    assert stats.streak(days[2:], d) == 0


# ---------------------------------------------------------------- the review queue

COURSE = FIXTURES / "app-course"


def test_interleave_gives_each_turn_to_another_lesson_fullest_first_then_most_overdue():
    lessons = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"}
    due = [("a3", 3.0), ("a1", 1.0), ("a2", 2.0), ("b1", 5.0), ("b2", 6.0), ("c1", 4.0)]
    # A has most left; then B (2 left) over C; A again; B and C tie on 1 left: c1 is more overdue
    assert interleave(due, lessons) == ["a1", "b1", "a2", "c1", "a3", "b2"]
    # one lesson left: its cards, most overdue first
    assert interleave([("a2", 2.0), ("a1", 1.0)], lessons) == ["a1", "a2"]
    assert interleave([], lessons) == []


def test_interleaving_never_puts_two_of_a_lesson_together_while_another_has_cards():
    lessons = {f"{g}{i}": g for g in "ABC" for i in range(5)}
    due = [(q, float(i)) for i, q in enumerate(sorted(lessons))]
    order = interleave(due, lessons)
    assert sorted(order) == sorted(lessons)
    groups = [lessons[q] for q in order]
    assert all(x != y for x, y in itertools.pairwise(groups))


def test_the_review_session_holds_the_due_cards_on_fresh_variants(tmp_path):
    course = load_course(COURSE)
    store = ProgressStore(tmp_path, fuzz=False)
    store.record(Attempt("q-log", "incorrect", 0.0, seed=11, at=T0))
    store.record(Attempt("q-grad", "correct", 1.0, seed=12, at=T0 + 1))
    assert review_queue(course, store, T0 + 5 * MINUTE) == ["q-log"]
    assert review_queue(course, store, T0 + DAY) == ["q-log", "q-grad"]
    assert review_session(course, store, T0 - DAY) is None
    session = review_session(course, store, T0 + DAY, seed=3)
    assert [s.entry.id for s in session.states] == ["q-log", "q-grad"]
    assert session.states[0].variant.seed != 11
    session.skip()  # gave up on a due card: Again
    assert ratings(tmp_path)[-1] == AGAIN


# ---------------------------------------------------------------- the export rows


def test_export_rows_have_exactly_the_shared_fields(tmp_path):
    store = ProgressStore(tmp_path, learner="Ana Lima")
    store.set_course("builtin", "abc123")
    store.record(
        Attempt("q1", "partial", 0.5, seed=4, notes=("sign", "log-base"), hints=1, at=T0 + 0.25,
                answer="-log(0.3)", seconds=12.5, quiz="bce", attempt_id="id-1")
    )  # fmt: skip
    store.record(Attempt("q2", "correct", 1.0, seed=5, at=T0 + 60, answer="a, b", solution_seen=True))
    rows = json.loads(export.to_json(export.rows(store)))
    assert rows[0] == {
        "attempt_id": "id-1",
        "learner": "Ana Lima",
        "course_id": "builtin",
        "course_version": "abc123",
        "question_id": "q1",
        "quiz_id": "bce",
        "seed": 4,
        "answer": "-log(0.3)",
        "verdict": "partial",
        "score": 0.5,
        "notes": ["sign", "log-base"],
        "hints_used": 1,
        "solution_seen": False,
        "seconds": 12.5,
        "time": "2026-01-01T00:00:00.250Z",
    }
    assert rows[1]["quiz_id"] is None and rows[1]["seconds"] is None and rows[1]["solution_seen"] is True
    table = list(csv.DictReader(io.StringIO(export.to_csv(export.rows(store)))))
    assert list(table[0]) == list(rows[0])
    assert table[0]["notes"] == "sign;log-base" and table[1]["notes"] == ""
    # a text cell that starts like a spreadsheet formula gets a `'` (issue 23; see test_csv_injection)
    assert table[0]["answer"] == "'-log(0.3)" and table[1]["answer"] == "a, b"


def test_reset_keeps_a_backup_and_the_learners_name(tmp_path):
    store = ProgressStore(tmp_path, learner="Ana")
    store.set_learner("Ana")
    store.record(Attempt("a", "correct", 1.0, seed=1))
    store.save_quiz("x", {"index": 0})
    backup = store.reset()
    assert backup is not None and backup.exists()
    again = ProgressStore(tmp_path)
    assert again.attempts() == [] and again.cards() == {} and again.quiz("x") is None
    assert again.learner == "Ana"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT question FROM attempts").fetchall() == [("a",)]


def test_fitted_parameters_are_used_and_bad_ones_ignored(tmp_path):
    from tutor.progress import srs

    default = srs.scheduler(False).parameters
    slower = list(default)
    slower[2] = default[2] * 3  # initial stability after Good: a first Good that graduates lasts longer
    store = ProgressStore(tmp_path, fuzz=False)
    store.record(Attempt("plain", "correct", 1.0, seed=1, at=T0 - 30 * DAY))
    store.record(Attempt("plain", "correct", 1.0, seed=2, at=T0 - 29 * DAY))
    store.set_state(fsrs_parameters=slower)
    store.record(Attempt("fitted", "correct", 1.0, seed=1, at=T0 - 30 * DAY))
    store.record(Attempt("fitted", "correct", 1.0, seed=2, at=T0 - 29 * DAY))
    assert due_after(store, "fitted") > due_after(store, "plain")
    store.set_state(fsrs_parameters=["x", 1])  # hand-edited: the defaults
    store.record(Attempt("again", "correct", 1.0, seed=1, at=T0 - 30 * DAY))
    store.record(Attempt("again", "correct", 1.0, seed=2, at=T0 - 29 * DAY))
    assert due_after(store, "again") == due_after(store, "plain")  # the default schedule


# ---------------------------------------------------------------- a database edited by hand

HOSTILE_ROWS = [
    pytest.param("UPDATE cards SET card = 'not json'", id="card-not-json"),
    pytest.param("""UPDATE cards SET card = '{"card_id": 1, "state": 9}'""", id="card-unknown-state"),
    pytest.param("""UPDATE cards SET card = '{"stability": -5, "last_review": "x"}'""", id="card-nonsense"),
    pytest.param("UPDATE cards SET due = 'soon', last_review = x'00'", id="card-times-not-numbers"),
    pytest.param("UPDATE questions SET best = 'lots', attempts = 'many'", id="summary-not-numbers"),
    pytest.param("UPDATE attempts SET seed = 'x', score = 'full'", id="attempt-not-numbers"),
    pytest.param("UPDATE attempts SET at = 'yesterday'", id="attempt-time-text"),
    pytest.param("UPDATE attempts SET notes = '{'", id="notes-not-json"),
    pytest.param("UPDATE reviews SET rating = 7", id="rating-out-of-range"),
    pytest.param("UPDATE state SET value = '[['", id="state-not-json"),
    pytest.param("UPDATE quizzes SET data = '42'", id="quiz-not-an-object"),
]


@pytest.mark.parametrize("edit", HOSTILE_ROWS)
def test_a_database_edited_by_hand_never_breaks_reading_or_recording(tmp_path, edit):
    course = load_course(COURSE)
    store = ProgressStore(tmp_path, fuzz=False)
    store.record(Attempt("q-log", "incorrect", 0.0, seed=1, notes=("log-base",), at=T0))
    store.set_state(last={"kind": "quiz", "ref": "basics"})
    store.save_quiz("basics", {"index": 0})
    store.close()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute(edit)
    store = ProgressStore(tmp_path, fuzz=False)
    now = T0 + DAY
    # everything the app, the statistics and the export read
    store.attempts(), store.best(), store.state(), store.quiz("basics"), store.review_logs()
    stats.due_counts(store, course.questions, now), stats.forecast(store, course.questions, now)
    stats.activity(store), stats.frequent_notes(store), export.rows(store)
    review_queue(course, store, now)
    store.record(Attempt("q-log", "correct", 1.0, seed=2, at=now))  # and recording goes on
    assert store.save_problem is None
    assert any(a.seed == 2 for a in ProgressStore(tmp_path).attempts())
    assert ProgressStore(tmp_path).cards()["q-log"][1] > now
