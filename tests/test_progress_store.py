"""A learner's progress survives restarts and crashes (the SQLite store, and the import of the
JSON-lines record of older versions)."""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.progress.store import Attempt, ProgressStore


def test_attempts_are_on_disk_as_soon_as_they_are_recorded(tmp_path):
    store = ProgressStore(tmp_path)
    store.record(Attempt("a", "incorrect", 0.0, seed=1))
    store.record(Attempt("a", "correct", 1.0, seed=2))
    store.record(Attempt("b", "partial", 0.5, seed=1))
    again = ProgressStore(tmp_path)  # a fresh process reading the same folder
    assert [a.question for a in again.attempts()] == ["a", "a", "b"]
    assert again.best() == {"a": 1.0, "b": 0.5}
    assert again.to_revisit(["a", "b", "c"]) == ["b"]
    assert again.fraction_done(["a", "b", "c", "d"]) == 1.5 / 4


def test_an_old_log_torn_by_a_crash_is_imported_without_its_torn_line(tmp_path):
    (tmp_path / "attempts.jsonl").write_text(
        '{"question": "a", "verdict": "correct", "score": 1.0, "seed": 1}\n{"question": "b", "verdict": "corr',
        encoding="utf-8",
    )
    again = ProgressStore(tmp_path)
    assert [a.question for a in again.attempts()] == ["a"]
    again.record(Attempt("c", "correct", 1.0, seed=1))
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["a", "c"]


def test_state_merges_and_persists(tmp_path):
    store = ProgressStore(tmp_path)
    store.set_state(last={"kind": "lesson", "ref": "bce"})
    store.set_state(opened=["bce"])
    assert ProgressStore(tmp_path).state() == {"last": {"kind": "lesson", "ref": "bce"}, "opened": ["bce"]}
    store.set_state(last={"kind": "quiz", "ref": "mse"})
    assert ProgressStore(tmp_path).state()["last"] == {"kind": "quiz", "ref": "mse"}


def test_every_field_of_an_attempt_survives_a_restart(tmp_path):
    store = ProgressStore(tmp_path, learner="Ana")
    store.set_course("course", "v1")
    attempt = Attempt(
        "q", "partial", 0.5, seed=7, notes=("sign", "log-base"), hints=2, solution_seen=True,
        at=1_700_000_000.5, answer="-log(0.3)\nstep two", seconds=12.25, quiz="bce", try_number=3,
    )  # fmt: skip
    store.record(attempt)
    (saved,) = ProgressStore(tmp_path).attempts()
    assert saved == Attempt(
        **{**attempt.__dict__, "learner": "Ana", "course_id": "course", "course_version": "v1"}
    )


# ---------------------------------------------------------------- the old JSON-lines record is imported once


def test_the_old_record_is_imported_once_and_kept(tmp_path):
    old = (
        '{"question": "a", "verdict": "incorrect", "score": 0.0, "seed": 1, "at": 1000.0, "notes": ["sign"]}\n'
        '{"question": "a", "verdict": "correct", "score": 1.0, "seed": 2, "at": 2000.0}\n'
        '{"question": "b", "verdict": "partial", "score": 0.5, "seed": 1, "at": 3000.0, "hints": 1}\n'
    )
    (tmp_path / "attempts.jsonl").write_text(old, encoding="utf-8")
    (tmp_path / "state.json").write_text('{"last": {"kind": "quiz", "ref": "bce"}, "theme": "nord"}')
    (tmp_path / "quizzes.json").write_text('{"bce": {"index": 1, "questions": []}}')
    store = ProgressStore(tmp_path)
    assert [(a.question, a.seed, a.notes, a.hints) for a in store.attempts()] == [
        ("a", 1, ("sign",), 0),
        ("a", 2, (), 0),
        ("b", 1, (), 1),
    ]
    assert store.best() == {"a": 1.0, "b": 0.5}
    assert store.to_revisit(["a", "b"]) == ["b"]
    assert store.state() == {"last": {"kind": "quiz", "ref": "bce"}, "theme": "nord"}
    assert store.quiz("bce") == {"index": 1, "questions": []}
    assert set(store.cards()) == {"a", "b"}  # the imported attempts are reviews too
    # kept as they were, and never imported again
    assert (tmp_path / "attempts.jsonl").read_text(encoding="utf-8") == old
    with open(tmp_path / "attempts.jsonl", "a", encoding="utf-8") as f:
        f.write('{"question": "c", "verdict": "correct", "score": 1.0, "seed": 1}\n')
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["a", "a", "b"]


# ---------------------------------------------------------------- a hostile old record never breaks the import

GOOD = '{"question": "good", "verdict": "correct", "score": 1.0, "seed": 1}'

HOSTILE_LINES = [
    pytest.param(b'{"question": "b", "verdict": "caf\xc3', id="torn-inside-a-multibyte-character"),
    pytest.param(b"\xff\xfe\x00garbage\x80", id="invalid-bytes"),
    pytest.param(b"[]", id="a-list"),
    pytest.param(b"null", id="null"),
    pytest.param(b'"a string"', id="a-string"),
    pytest.param(b"42", id="a-number"),
    pytest.param(b"{}", id="an-empty-object"),
    pytest.param(
        b'{"question": 3, "verdict": "correct", "score": 1.0, "seed": 1}', id="question-not-a-string"
    ),
    pytest.param(b'{"question": "q", "verdict": "correct", "score": "1", "seed": 1}', id="score-a-string"),
    pytest.param(b'{"question": "q", "verdict": "correct", "score": NaN, "seed": 1}', id="score-nan"),
    pytest.param(b'{"question": "q", "verdict": "correct", "score": 7, "seed": 1}', id="score-above-one"),
    pytest.param(b'{"question": "q", "verdict": "correct", "score": 1, "seed": "x"}', id="seed-a-string"),
    pytest.param(
        b'{"question": "q", "verdict": "correct", "score": 1, "seed": 1, "notes": 5}', id="notes-a-number"
    ),
    pytest.param(
        b'{"question": "q", "verdict": "correct", "score": 1, "seed": 1, "notes": "ab"}', id="notes-a-string"
    ),
    pytest.param(
        b'{"question": "q", "verdict": "correct", "score": 1, "seed": 1, "hints": "2"}', id="hints-a-string"
    ),
    pytest.param(
        b'{"question": "q", "verdict": "correct", "score": 1, "seed": 1, "solution_seen": "no"}',
        id="flag-a-string",
    ),
    pytest.param(
        b'{"question": "q", "verdict": "correct", "score": 1, "seed": 1, "at": []}', id="time-a-list"
    ),
    pytest.param(b"[" * 100_000, id="nested-too-deep"),
    pytest.param(b'{"question": "' + b"x" * (2 << 20) + b'"}', id="a-huge-line"),
    pytest.param(bytes(range(256)).replace(b"\n", b""), id="binary-garbage"),
    pytest.param(b"1" * 10_000, id="an-integer-too-long-to-read"),
]


@pytest.mark.parametrize("bad", HOSTILE_LINES)
def test_a_bad_line_of_the_old_log_is_skipped_reported_and_kept(tmp_path, bad):
    path = tmp_path / "attempts.jsonl"
    path.write_bytes(GOOD.encode() + b"\n" + bad + b"\n" + GOOD.replace("good", "later").encode() + b"\n")
    store = ProgressStore(tmp_path)
    assert [a.question for a in store.attempts()] == ["good", "later"]
    assert store.best() == {"good": 1.0, "later": 1.0}
    assert store.skipped_lines == [2]
    assert "line 2" in (store.skipped_report() or "")
    store.record(Attempt("new", "partial", 0.5, seed=3))
    again = ProgressStore(tmp_path)
    assert [a.question for a in again.attempts()] == ["good", "later", "new"]
    assert bad in path.read_bytes()  # the learner's old file is never rewritten


@pytest.mark.parametrize("bad", HOSTILE_LINES)
def test_a_bad_last_line_without_newline_does_not_swallow_the_next_record(tmp_path, bad):
    path = tmp_path / "attempts.jsonl"
    path.write_bytes(GOOD.encode() + b"\n" + bad)
    store = ProgressStore(tmp_path)
    assert store.best() == {"good": 1.0}
    store.record(Attempt("new", "correct", 1.0, seed=3))
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["good", "new"]


def test_a_clean_log_reports_nothing(tmp_path):
    store = ProgressStore(tmp_path)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    again = ProgressStore(tmp_path)
    again.best()
    assert again.skipped_lines == [] and again.skipped_report() is None


def test_values_with_line_separators_survive_a_round_trip(tmp_path):
    store = ProgressStore(tmp_path)
    store.record(Attempt("q\u2028x\r\x85y", "correct", 1.0, seed=1, notes=("a\u2029b", "\x1c")))
    (saved,) = ProgressStore(tmp_path).attempts()
    assert saved.question == "q\u2028x\r\x85y" and saved.notes == ("a\u2029b", "\x1c")


def test_an_unknown_field_from_a_newer_version_keeps_the_attempt(tmp_path):
    line = '{"question": "a", "verdict": "correct", "score": 1, "seed": 1, "mood": "happy"}\n'
    (tmp_path / "attempts.jsonl").write_text(line, encoding="utf-8")
    assert ProgressStore(tmp_path).best() == {"a": 1.0}


STATES = [
    b"42",
    b"[]",
    b'"text"',
    b"null",
    b"true",
    b"3.5",
    b"\xff\xfe",
    b"{",
    b"[" * 100_000,
    bytes(range(256)),
]


@pytest.mark.parametrize("bad", STATES, ids=lambda b: repr(b[:12]))
def test_an_old_state_file_of_any_wrong_type_is_not_imported_and_kept(tmp_path, bad):
    store = ProgressStore(tmp_path)
    store.state_path.write_bytes(bad)
    assert store.state() == {}
    store.set_state(theme="nord")
    assert ProgressStore(tmp_path).state() == {"theme": "nord"}
    assert store.state_path.read_bytes() == bad


@pytest.mark.parametrize(
    "state",
    [
        {"last": 5},
        {"last": []},
        {"last": {"kind": "quiz", "ref": 3}},
        {"last": {"ref": "x"}},
        {"opened": 5},
        {"opened": "bce"},
        {"theme": 1},
    ],
)
def test_a_state_key_of_the_wrong_shape_is_dropped(tmp_path, state):
    store = ProgressStore(tmp_path)
    store.state_path.write_text(json.dumps({**state, "keep": 1}), encoding="utf-8")
    assert store.state() == {"keep": 1}


def test_opened_keeps_only_lesson_ids(tmp_path):
    store = ProgressStore(tmp_path)
    store.state_path.write_text('{"opened": ["a", 3, null, "b"]}', encoding="utf-8")
    assert store.state() == {"opened": ["a", "b"]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    log=st.binary(max_size=400)
    | st.lists(
        st.sampled_from([GOOD.encode(), b"\n", b"\xc3", b"[]", b"{", b"\r", b'"x"', b"\xe2\x80\xa8"])
    ).map(b"".join),
    state=st.binary(max_size=100),
)
def test_arbitrary_bytes_never_break_the_store(tmp_path_factory, log, state):
    folder = tmp_path_factory.mktemp("progress")
    (folder / "attempts.jsonl").write_bytes(log)
    (folder / "state.json").write_bytes(state)
    store = ProgressStore(folder)
    before = list(store.attempts())
    assert all(0.0 <= v <= 1.0 for v in store.best().values())
    assert isinstance(store.state(), dict)
    assert store.to_revisit(["good"]) in ([], ["good"])
    store.record(Attempt("new", "partial", 0.25, seed=9))
    store.set_state(last={"kind": "quiz", "ref": "new"})
    again = ProgressStore(folder)
    assert [(a.question, a.score, a.seed) for a in again.attempts()] == [
        *[(a.question, a.score, a.seed) for a in before],
        ("new", 0.25, 9),
    ]
    assert again.best()["new"] >= 0.25
    assert again.state()["last"] == {"kind": "quiz", "ref": "new"}
    assert (folder / "attempts.jsonl").read_bytes() == log  # never rewritten


# ---------------------------------------------------------------- a folder that cannot be written


def unwritable_folders(tmp_path):
    """Folders no one can write to, even root: their parent is a regular file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    return blocker / "progress"


def test_a_folder_that_cannot_be_written_is_reported_once_and_the_quiz_goes_on(tmp_path):
    told: list[str] = []
    folder = unwritable_folders(tmp_path)
    store = ProgressStore(folder, on_problem=told.append)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    store.record(Attempt("b", "partial", 0.5, seed=1))
    store.set_state(last={"kind": "quiz", "ref": "a"})
    assert len(told) == 1 and told[0] == store.save_problem
    assert str(folder) in told[0] and "cannot be saved" in told[0]
    assert store.best() == {"a": 1.0, "b": 0.5}  # this session still counts them
    assert store.state() == {"last": {"kind": "quiz", "ref": "a"}}  # kept in memory for the session


def test_attempts_that_could_not_be_written_are_written_with_the_next_that_can(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path)
    store.record(Attempt("first", "correct", 1.0, seed=1))
    real_insert = ProgressStore._insert

    def full_disk(self, conn, attempt):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ProgressStore, "_insert", full_disk)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    assert "database or disk is full" in (store.save_problem or "")
    assert store.best() == {"first": 1.0, "a": 1.0}  # this session still counts it
    monkeypatch.setattr(ProgressStore, "_insert", real_insert)
    store.record(Attempt("b", "correct", 1.0, seed=1))
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["first", "a", "b"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders (the next test simulates it)")
def test_a_read_only_folder_is_reported(tmp_path):
    folder = tmp_path / "progress"
    ProgressStore(folder).record(Attempt("old", "correct", 1.0, seed=1))
    folder.chmod(0o500)
    try:
        store = ProgressStore(folder)
        store.record(Attempt("a", "correct", 1.0, seed=1))
        assert "cannot be saved" in (store.save_problem or "")
        assert store.best() == {"old": 1.0, "a": 1.0}
    finally:
        folder.chmod(0o700)


def test_an_unreadable_old_log_is_reported_not_raised(tmp_path):
    (tmp_path / "attempts.jsonl").mkdir()  # not a file: reading it fails, as for any root
    store = ProgressStore(tmp_path)
    assert store.best() == {}
    assert "cannot be read" in (store.skipped_report() or "")
    store.record(Attempt("a", "correct", 1.0, seed=1))
    assert store.save_problem is None and ProgressStore(tmp_path).best() == {"a": 1.0}


def read_only_sqlite(monkeypatch):
    """Every database file opens read-only, as in a folder the learner cannot write (root writes
    through permissions, so the test makes SQLite itself refuse)."""
    real_connect = sqlite3.connect

    def connect(target, *args, uri=False, **kwargs):
        if target != ":memory:" and not uri:
            target, uri = f"file:{urllib.parse.quote(str(target))}?mode=ro", True
        return real_connect(target, *args, uri=uri, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_read_only_folder_is_said_once_the_record_still_reads_and_the_quiz_goes_on(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    store.set_state(theme="nord")
    store.close()
    told: list[str] = []
    read_only_sqlite(monkeypatch)
    store = ProgressStore(tmp_path, on_problem=told.append)
    assert store.best() == {"a": 1.0} and store.state() == {"theme": "nord"}  # read as it is
    store.record(Attempt("b", "correct", 1.0, seed=1))
    store.set_state(last={"kind": "quiz", "ref": "b"})
    store.save_quiz("b", {"index": 0})
    assert told == [store.save_problem]
    assert f"Progress cannot be saved to {tmp_path}" in told[0] and "not being recorded" in told[0]
    assert store.best() == {"a": 1.0, "b": 1.0}  # this session counts it
    assert store.quiz("b") == {"index": 0}
    monkeypatch.undo()
    again = ProgressStore(tmp_path)
    assert [a.question for a in again.attempts()] == ["a"] and again.state() == {"theme": "nord"}


def test_a_lesson_place_of_the_wrong_shape_is_dropped_not_trusted(tmp_path):
    store = ProgressStore(tmp_path)
    store.set_state(
        places={"a": [1, 2], "b": "x", "c": [True, 1], "d": [-1, 3], "e": [1, 2, 3], "f": [1.5, 0]}
    )
    assert ProgressStore(tmp_path).state()["places"] == {"a": [1, 2]}
    store.set_state(places=["not", "a", "dict"])
    assert "places" not in ProgressStore(tmp_path).state()


def test_repeats_of_a_question_on_one_day_count_once_toward_mastery(tmp_path):
    from datetime import datetime

    from tutor.content.index import CourseIndex, LessonFacts
    from tutor.progress import stats

    morning = datetime(2026, 3, 9, 9, 0).timestamp()
    later = datetime(2026, 3, 12, 9, 0).timestamp()

    def lesson_mastery(times: list[float], first: str = "correct") -> float:
        store = ProgressStore(tmp_path / str(len(list(tmp_path.iterdir()))), fuzz=False)
        for i, at in enumerate(times):
            verdict = first if i == 0 else "correct"
            store.record(Attempt("q", verdict, 1.0 if verdict == "correct" else 0.0, seed=1, at=at))
        index = CourseIndex("", (LessonFacts("l", "L", "", ("q",), ()),), ("q",), {}, ())
        return stats.lesson_mastery(index, store, later)[0].mastery.value

    once = lesson_mastery([morning])
    same_day = lesson_mastery([morning, morning + 60, morning + 120])  # one sitting
    spread = lesson_mastery([morning, morning + 86400, morning + 2 * 86400])  # three days
    assert abs(same_day - once) < 1e-9
    assert spread > once
    # wrong, then right twice in the same sitting: the day's recall was the wrong one
    wrong = lesson_mastery([morning], first="incorrect")
    assert abs(lesson_mastery([morning, morning + 60, morning + 120], first="incorrect") - wrong) < 1e-9
