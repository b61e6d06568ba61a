"""xAPI 1.0.3 statements from attempt rows, and posting them to a real Learning Record Store.

The LRS is Ralph (the `ralph-malph[lrs]` test extra), started here on the loopback address
with its file-system backend and stopped by its pid. Ralph 5.1's file-system backend opens its
one statements file with "create" and so refuses every write after the first; the launcher
below makes it append (one line), which leaves its API, validation, authentication and
duplicate-id checks as they are.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from tests.test_class_report import ROWS
from tutor.classroom import xapi
from tutor.classroom.xapi import LrsError, rows_from_statements, send, statements
from tutor.cli import main

ALL_ROWS = [r for rows in ROWS.values() for r in rows]
# The quizzes gone through to their end, as the store keeps them (dev left midway: none).
FINISHED = [
    {"learner": "ana", "course_id": "class-course", "quiz_id": "intro", "score": 1.0, "correct": 3,
     "total": 3, "seconds": 61.5, "time": "2026-11-01T10:09:00Z"},
    {"learner": "ben", "course_id": "class-course", "quiz_id": "intro", "score": 0.35, "correct": 1,
     "total": 3, "seconds": None, "time": "2026-11-01T10:09:30Z"},
    {"learner": "cleo", "course_id": "class-course", "quiz_id": "intro", "score": 0.0, "correct": 0,
     "total": 3, "seconds": 12.0, "time": "2026-11-01T10:10:00Z"},
]  # fmt: skip


# ------------------------------------------------------------------ statements


def test_each_attempt_is_an_answered_statement_with_its_result():
    out = statements(ALL_ROWS, base="https://school.example/ml")
    answered = [s for s in out if s["verb"]["id"] == xapi.VERB_ANSWERED]
    assert len(answered) == len(ALL_ROWS)
    ben_wrong = next(s for s in answered if s["result"]["response"] == "1.33")
    assert ben_wrong["actor"]["name"] == "ben"
    assert ben_wrong["actor"]["account"] == {"homePage": "https://school.example/ml", "name": "ben"}
    assert ben_wrong["object"]["id"] == "https://school.example/ml/question/num-fixed"
    assert ben_wrong["result"]["score"]["scaled"] == 0.0 and ben_wrong["result"]["success"] is False
    assert ben_wrong["result"]["duration"] == "PT20S"
    ext = ben_wrong["result"]["extensions"]
    assert (
        ext[xapi.EXT + "seed"] == 0
        and ext[xapi.EXT + "notes"] == ["inverted"]
        and ext[xapi.EXT + "hints-used"] == 0
    )
    assert ben_wrong["context"]["contextActivities"]["parent"] == [
        {"id": "https://school.example/ml/quiz/intro", "objectType": "Activity"}
    ]
    assert ben_wrong["timestamp"] == "2026-11-01T10:00:04Z"
    # No time recorded (ben's pick-one): no duration.
    ben_right = next(
        s for s in answered if s["actor"]["name"] == "ben" and s["object"]["id"].endswith("pick-one")
    )
    assert "duration" not in ben_right["result"]


def test_a_completed_statement_per_quiz_gone_through_with_the_score_tutor_showed():
    out = statements(ALL_ROWS, finished=FINISHED)
    completed = [s for s in out if s["verb"]["id"] == xapi.VERB_COMPLETED]
    # dev answered but never reached the end: no `completed` for dev.
    assert sorted(s["actor"]["name"] for s in completed) == ["ana", "ben", "cleo"]
    cleo = next(s for s in completed if s["actor"]["name"] == "cleo")
    assert (
        cleo["result"]["score"]["scaled"] == 0
        and cleo["object"]["id"] == "urn:tutor:course:class-course/quiz/intro"
    )
    ana = next(s for s in completed if s["actor"]["name"] == "ana")
    assert ana["result"]["score"]["scaled"] == 1.0 and ana["result"]["success"] is True
    assert ana["result"]["duration"] == "PT61.5S"
    ben = next(s for s in completed if s["actor"]["name"] == "ben")
    # ben's attempts in the rows are all right, but tutor showed 35 % for the whole quiz.
    assert ben["result"]["score"]["scaled"] == 0.35 and ben["result"]["success"] is False
    assert ben["result"]["extensions"][xapi.EXT + "questions"] == 3
    assert not [s for s in statements(ALL_ROWS) if s["verb"]["id"] == xapi.VERB_COMPLETED]


def test_statement_ids_are_stable_and_distinct():
    first = statements(ALL_ROWS, finished=FINISHED)
    again = statements([dict(r) for r in ALL_ROWS], finished=[dict(f) for f in FINISHED])
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert len({s["id"] for s in first}) == len(first)


def test_statements_read_back_into_the_same_rows():
    back = rows_from_statements(statements(ALL_ROWS))
    for original, read in zip(ALL_ROWS, back, strict=True):
        assert read["course_id"] == "urn:tutor:course:class-course"
        assert {k: v for k, v in read.items() if k != "course_id"} == {
            k: v for k, v in original.items() if k != "course_id"
        }


# ------------------------------------------------------------------ sending, with a fake LRS


class FakeLrs:
    """Keeps statements by id; answers 409 to a batch with a known id (as Ralph does)."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.stored: dict[str, dict] = {}
        self.calls = 0
        self.fail_after = fail_after

    def post(self, batch: list[dict]) -> int:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise LrsError("connection reset")
        if any(s["id"] in self.stored for s in batch):
            return 409
        self.stored.update({s["id"]: s for s in batch})
        return 200


def test_a_failed_run_resumes_without_sending_twice(tmp_path):
    state = tmp_path / "sent.txt"
    out = statements(ALL_ROWS)
    lrs = FakeLrs(fail_after=2)
    with pytest.raises(LrsError):
        send(out, lrs.post, state, batch=3)
    assert len(lrs.stored) == 6 and len(state.read_text().split()) == 6
    lrs.fail_after = None
    result = send(out, lrs.post, state, batch=3)
    assert (result.sent, result.already) == (len(out) - 6, 6)
    assert len(lrs.stored) == len(out)


def test_a_lost_state_file_costs_a_resend_not_a_duplicate(tmp_path):
    out = statements(ALL_ROWS)
    lrs = FakeLrs()
    send(out[:5], lrs.post, tmp_path / "a.txt", batch=5)
    result = send(out, lrs.post, tmp_path / "b.txt", batch=5)  # knows nothing of the first run
    assert (result.sent, result.already) == (len(out) - 5, 5)
    assert len(lrs.stored) == len(out)


# ------------------------------------------------------------------ a real LRS: Ralph

LAUNCH = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.data.fs import FSDataBackend
FSDataBackend.default_operation_type = BaseOperationType.APPEND  # see the module docstring
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    pytest.importorskip(
        "ralph.backends.data.fs", reason="Ralph is in the test extra: pip install -e '.[test]'"
    )
    import bcrypt

    home = tmp_path_factory.mktemp("ralph")
    (home / "app").mkdir()
    (home / "data").mkdir()
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    user = {
        "username": "teacher",
        "hash": hashed,
        "scopes": ["all"],
        "agent": {"mbox": "mailto:t@example.org"},
    }
    (home / "app" / "auth.json").write_text(json.dumps([user]), encoding="utf-8")
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(home / "app"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(home / "data"),
    }
    port = _free_port()
    log = open(home / "log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(port)], env=env, stdout=log, stderr=log, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/xAPI"
    deadline = time.monotonic() + 120  # generous: a busy 2-core machine imports FastAPI slowly
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/__heartbeat__", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("Ralph did not start: " + (home / "log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def lrs_statements(url: str) -> list[dict]:
    token = base64.b64encode(b"teacher:s3cret").decode()
    request = urllib.request.Request(
        f"{url}/statements?limit=1000",
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["statements"]


def test_statements_reach_ralph_once_in_batches_and_read_back(ralph, tmp_path):
    out = statements(ALL_ROWS, base="https://school.example/ml", finished=FINISHED)
    state = tmp_path / "sent.txt"
    post = xapi.http_post(ralph, "teacher", "s3cret")
    first = send(out, post, state, batch=4)
    assert (first.sent, first.batches) == (len(out), 4)
    stored = {s["id"]: s for s in lrs_statements(ralph)}
    assert set(stored) == {s["id"] for s in out}
    sample = stored[out[3]["id"]]
    assert sample["result"]["response"] == out[3]["result"]["response"]
    assert (
        sample["result"]["extensions"][xapi.EXT + "notes"]
        == out[3]["result"]["extensions"][xapi.EXT + "notes"]
    )
    assert sample["object"]["id"] == out[3]["object"]["id"]
    # The LRS's own statements read back into the rows we sent.
    back = {r["attempt_id"]: r for r in rows_from_statements(lrs_statements(ralph))}
    assert back[ALL_ROWS[3]["attempt_id"]]["answer"] == ALL_ROWS[3]["answer"]

    again = send(out, post, state, batch=4)
    assert (again.sent, again.already) == (0, len(out))
    # The state file lost (a crash after the LRS answered): everything goes again, and the LRS
    # keeps one statement per id (Ralph drops an identical one; others answer 409, see FakeLrs).
    send(out, post, tmp_path / "fresh.txt", batch=4)
    assert len(lrs_statements(ralph)) == len(out)

    # A run cut off midway, then resumed: each statement once.
    more = statements([{**r, "learner": "zoe", "attempt_id": r["attempt_id"] + "-z"} for r in ALL_ROWS])
    calls = {"n": 0}

    def flaky(batch):
        calls["n"] += 1
        if calls["n"] > 2:
            raise LrsError("the network went away")
        return post(batch)

    with pytest.raises(LrsError):
        send(more, flaky, state, batch=4)
    resumed = send(more, post, state, batch=4)
    assert (resumed.sent, resumed.already) == (len(more) - 8, 8)
    ids = [s["id"] for s in lrs_statements(ralph)]
    assert len(ids) == len(set(ids)) == len(out) + len(more)


def test_wrong_credentials_are_said_plainly(ralph, tmp_path):
    with pytest.raises(LrsError, match="401"):
        send(statements(ALL_ROWS[:1]), xapi.http_post(ralph, "teacher", "wrong"), tmp_path / "s.txt")


def test_the_command_posts_a_learners_record(ralph, tmp_path, monkeypatch):
    from tutor.progress.store import Attempt, ProgressStore

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    store = ProgressStore(tmp_path)
    store.record(Attempt(question="num-fixed", verdict="correct", score=1.0, seed=3, at=1_780_000_000.0))
    store.record(Attempt(question="pick-one", verdict="incorrect", score=0.0, seed=1, at=1_780_000_060.0))
    args = ["progress", "export", "--format", "xapi", "--learner", "yann", "--course-id", "class-course"]
    result = CliRunner().invoke(main, [*args, "--lrs", ralph, "--auth", "teacher:s3cret", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "2 statements sent" in result.stderr
    mine = [s for s in lrs_statements(ralph) if s["actor"].get("name") == "yann"]
    assert sorted(s["object"]["id"].rsplit("/", 1)[1] for s in mine) == ["num-fixed", "pick-one"]
    result = CliRunner().invoke(main, [*args, "--lrs", ralph, "--auth", "teacher:s3cret"])
    assert "0 statements sent" in result.stderr and "2 already there" in result.stderr
    offline = CliRunner().invoke(main, [*args, "--lrs", "http://127.0.0.1:9/xAPI", "--auth", "a:b"])
    assert offline.exit_code == 1 and "cannot be reached" in offline.stderr and "resume" in offline.stderr


def test_progress_export_writes_rows_the_report_reads(tmp_path, monkeypatch):
    from tutor.classroom.rows import FIELDS, read_rows
    from tutor.progress.store import Attempt, ProgressStore

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    store = ProgressStore(tmp_path / "data")
    store.record(Attempt(question="num-fixed", verdict="incorrect", score=0.0, seed=2, notes=("inverted",)))
    for fmt in ("json", "csv", "xapi"):
        out = tmp_path / f"me.{fmt}"
        result = CliRunner().invoke(
            main,
            ["progress", "export", "--format", fmt, "--learner", "me", "--course-id", "c", "-o", str(out)],
        )
        assert result.exit_code == 0, result.output
        if fmt != "xapi":
            (row,) = list(read_rows(out))
            assert tuple(row) == tuple(FIELDS) and row["notes"] == ["inverted"] and row["learner"] == "me"
        else:
            (st,) = json.loads(out.read_text(encoding="utf-8"))
            assert st["result"]["extensions"][xapi.EXT + "notes"] == ["inverted"]


# ------------------------------------------------------------------ what tutor said, end to end

TWO = """
bank: two
title: Two
questions:
  - id: one
    type: numeric
    prompt: 1 + 1?
    answer: 2
    solution: Two.
  - id: other
    type: numeric
    prompt: 2 + 2?
    answer: 4
    solution: Four.
"""


def _xapi_completed(tmp_path, monkeypatch, course, typed: str) -> list[dict]:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    result = runner.invoke(main, ["quiz", "two", "--plain", "--course", str(course)], input=typed)
    assert "Traceback" not in result.output
    out = runner.invoke(main, ["progress", "export", "--format", "xapi"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    return [s for s in data if s["verb"]["id"] == xapi.VERB_COMPLETED]


def test_completed_says_the_score_the_plain_quiz_showed(tmp_path, monkeypatch, make_course):
    course = make_course(questions={"two.yaml": TWO})
    (done,) = _xapi_completed(tmp_path, monkeypatch, course, "2\nskip\n")
    assert done["result"]["score"]["scaled"] == 0.5 and done["result"]["success"] is False
    assert done["object"]["id"].endswith("/quiz/two")


def test_a_quiz_left_midway_is_not_completed(tmp_path, monkeypatch, make_course):
    course = make_course(questions={"two.yaml": TWO})
    assert _xapi_completed(tmp_path, monkeypatch, course, "2\n") == []  # end of input at question 2


def test_an_iri_base_without_a_scheme_is_refused_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    out = CliRunner().invoke(
        main, ["progress", "export", "--format", "xapi", "--iri-base", "school.example/ml"]
    )
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "school.example/ml" in out.output and "https://school.example/ml" in out.output
    ok = CliRunner().invoke(
        main, ["progress", "export", "--format", "xapi", "--iri-base", "https://school.example/ml"]
    )
    assert ok.exit_code == 0, ok.output
