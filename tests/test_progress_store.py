"""A learner's progress survives restarts and crashes."""

from __future__ import annotations

import json
import os

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


def test_a_line_torn_by_a_crash_is_skipped_and_the_rest_kept(tmp_path):
    store = ProgressStore(tmp_path)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    with open(store.attempts_path, "a", encoding="utf-8") as f:
        f.write('{"question": "b", "verdict": "corr')  # the process died mid-write
    again = ProgressStore(tmp_path)
    assert [a.question for a in again.attempts()] == ["a"]
    again.record(Attempt("c", "correct", 1.0, seed=1))
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["a", "c"]


def test_state_is_replaced_whole_and_a_broken_file_reads_as_empty(tmp_path):
    store = ProgressStore(tmp_path)
    store.set_state(last={"kind": "lesson", "ref": "bce"})
    store.set_state(opened=["bce"])
    assert ProgressStore(tmp_path).state() == {"last": {"kind": "lesson", "ref": "bce"}, "opened": ["bce"]}
    store.state_path.write_text("{not json", encoding="utf-8")
    assert store.state() == {}
    assert not list(tmp_path.glob("*.tmp"))


def test_the_log_is_one_json_object_per_line(tmp_path):
    store = ProgressStore(tmp_path)
    for i in range(3):
        store.record(Attempt("a", "correct", 1.0, seed=i))
    lines = store.attempts_path.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 4 and lines[-1] == "" and all(line.startswith("{") for line in lines[:3])


# ---------------------------------------------------------------- a hostile record never breaks the store

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
def test_a_bad_line_is_skipped_reported_and_kept(tmp_path, bad):
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
    assert bad in path.read_bytes()  # the learner's file is never rewritten


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
def test_a_state_file_of_any_wrong_type_reads_as_empty_and_is_kept_aside(tmp_path, bad):
    store = ProgressStore(tmp_path)
    store.state_path.write_bytes(bad)
    assert store.state() == {}
    store.set_state(theme="nord")
    assert ProgressStore(tmp_path).state() == {"theme": "nord"}
    assert (tmp_path / "state.json.bad").read_bytes() == bad


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
    assert again.attempts() == [*before, Attempt("new", "partial", 0.25, seed=9, at=again.attempts()[-1].at)]
    assert again.best()["new"] >= 0.25
    assert again.state()["last"] == {"kind": "quiz", "ref": "new"}
    assert (folder / "attempts.jsonl").read_bytes().startswith(log)  # appended to, never rewritten


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
    assert store.state() == {}


def test_attempts_that_could_not_be_written_are_written_with_the_next_that_can(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path)
    real_open = open

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import builtins

    monkeypatch.setattr(builtins, "open", full_disk)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    assert "No space left on device" in (store.save_problem or "")
    monkeypatch.setattr(builtins, "open", real_open)
    store.record(Attempt("b", "correct", 1.0, seed=1))
    assert [a.question for a in ProgressStore(tmp_path).attempts()] == ["a", "b"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_reported(tmp_path):
    folder = tmp_path / "progress"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        store = ProgressStore(folder)
        store.record(Attempt("a", "correct", 1.0, seed=1))
        assert "Permission denied" in (store.save_problem or "")
    finally:
        folder.chmod(0o700)


def test_an_unreadable_log_is_reported_not_raised(tmp_path):
    (tmp_path / "attempts.jsonl").mkdir()  # not a file: reading it fails, as for any root
    store = ProgressStore(tmp_path)
    assert store.best() == {}
    assert "cannot be read" in (store.skipped_report() or "")
    store.record(Attempt("a", "correct", 1.0, seed=1))
    assert store.save_problem is not None


def test_a_read_only_folder_is_reported_even_when_running_as_root(tmp_path, monkeypatch):
    # Root writes through chmod, so the refusal a read-only folder gives is simulated.
    import builtins
    import io

    real_open = io.open

    def read_only(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    store = ProgressStore(tmp_path)
    store.record(Attempt("a", "correct", 1.0, seed=1))
    store.set_state(theme="nord")
    told: list[str] = []
    store = ProgressStore(tmp_path, on_problem=told.append)
    monkeypatch.setattr(builtins, "open", read_only)
    monkeypatch.setattr(io, "open", read_only)
    store.record(Attempt("b", "correct", 1.0, seed=1))
    store.set_state(last={"kind": "quiz", "ref": "b"})
    assert told == [store.save_problem]
    assert f"Progress cannot be saved to {tmp_path}: Permission denied." in told[0]
    assert store.best() == {"a": 1.0, "b": 1.0}
    monkeypatch.undo()
    again = ProgressStore(tmp_path)
    assert [a.question for a in again.attempts()] == ["a"] and again.state() == {"theme": "nord"}
