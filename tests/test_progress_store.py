"""A learner's progress survives restarts and crashes."""

from __future__ import annotations

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
