"""Code questions: the learner's function runs in a limited child process against the reference."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.model import CodeQuestion, Tolerance
from tutor.grading.code import compare, grade_code, screen


@cache
def code_questions() -> dict[str, CodeQuestion]:
    course = load_course(builtin_course_root())
    return {e.id: e.question for e in course.questions.values() if e.question.type == "code"}


def q(question_id: str) -> CodeQuestion:
    return code_questions()[question_id]


def self_tests() -> list[tuple[str, str, str]]:
    return [(qid, t.answer, t.expect) for qid, cq in code_questions().items() for t in cq.tests]


@pytest.mark.parametrize(("question_id", "answer", "expect"), self_tests())
def test_course_self_tests_grade_as_expected(question_id: str, answer: str, expect: str) -> None:
    assert grade_code(q(question_id), answer, seed=3).verdict == expect


def test_the_course_has_code_questions_to_test() -> None:
    assert {"mse-code", "huber-code", "stable-softmax-code"} <= set(code_questions())


STABLE = "import numpy as np\ndef softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()"

# (question, source, verdict, note, fragments the feedback must contain)
BEHAVIOUR = [
    ("stable-softmax-code", STABLE, "correct", None, []),
    (
        "stable-softmax-code",
        "import numpy as np\ndef softmax(z):\n    e = np.exp(z)\n    return e / e.sum()",
        "incorrect",
        "wrong-output",
        ["For z = [1000, 1001, 1002]", "nan", "overflow"],  # the edge case comes first
    ),
    (
        "stable-softmax-code",
        "import math\ndef softmax(z):\n    m = max(z)\n    out = [math.exp(x - m) for x in z]\n"
        "    return [o / sum(out) for o in out]",
        "correct",
        None,
        [],
    ),
    (
        "huber-code",
        "def huber(e, delta):\n    out = []\n    for x in e:\n        if abs(x) <= delta:\n"
        "            out.append(x * x / 2)\n        else:\n            out.append(delta * (abs(x) - delta / 2))\n"
        "    return out",
        "correct",
        None,
        [],
    ),
    ("mse-code", "def mse(a, b):\n    return ((a - b) ** 2).mean()", "correct", None, []),
    (
        "mse-code",
        "import numpy as np\ndef mse(y, yhat):\n    print('debugging', y)\n    return np.mean((y - yhat) ** 2)",
        "correct",
        None,
        [],
    ),
    (
        "stable-softmax-code",
        "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum(axis=1)",
        "incorrect",
        "exception",
        ["line 5: return e / e.sum(axis=1) — AxisError"],
    ),
    (
        "stable-softmax-code",
        "import numpy as np\ndef softmax(z):\n    e = np.exp(z - z.max())\n    return (e / e.sum())[:, None]",
        "incorrect",
        "wrong-shape",
        ["shape (3, 1)", "expected an array of shape (3,)"],
    ),
    (
        "mse-code",
        "import numpy as np\ndef mse(y, yhat):\n    return (y - yhat) ** 2",
        "incorrect",
        "wrong-shape",
        ["expected a single number, 0"],
    ),
    (
        "mse-code",
        "def mse(y, yhat):\n    ...",
        "incorrect",
        "wrong-output",
        ["returned None", "forget `return`"],
    ),
    (
        "huber-code",
        "def huber(e):\n    return e",
        "incorrect",
        "exception",
        ["TypeError", "It is called as huber(e, delta)"],
    ),
    (
        "mse-code",
        "import numpy as np\nx = undefined_name\ndef mse(y, yhat):\n    return 0",
        "incorrect",
        "exception",
        ["before `mse` could be called", "line 2", "NameError"],
    ),
    (
        "mse-code",
        "import numpy as np\ndef mse(y, yhat):\n    big = np.zeros(10**11)\n    return big.sum()",
        "incorrect",
        "memory",
        ["512 MB", "line 3: big = np.zeros(10**11)"],
    ),
    (
        # patching numpy cannot change the reference: it runs in a sandbox of its own
        "mse-code",
        "import numpy as np\nnp.mean = lambda a: 0.0\ndef mse(y, yhat):\n    return 0.0",
        "incorrect",
        "wrong-output",
        [],
    ),
    ("mse-code", "def mse(y, yhat):\n    raise SystemExit(3)", "incorrect", "exception", ["SystemExit"]),
    # "arrays of the same shape": on 2-D arrays d @ d is a matrix product, not the sum of squares
    (
        "mse-code",
        "def mse(y, yhat):\n    d = y - yhat\n    return d @ d / d.size",
        "incorrect",
        "wrong-shape",
        ["y = [[1, 2], [3, 4]]", "shape (2, 2)"],
    ),
    (
        "reg-mae-code",
        "import numpy as np\ndef mae(y, yhat):\n    return np.abs(y - yhat).sum() / len(y)",
        "incorrect",
        "wrong-output",
        ["y = [[1, 2, 3], [4, 5, 6]]"],
    ),
]


@pytest.mark.parametrize(("question_id", "source", "verdict", "note", "fragments"), BEHAVIOUR)
def test_behaviour(
    question_id: str, source: str, verdict: str, note: str | None, fragments: list[str]
) -> None:
    result = grade_code(q(question_id), source, seed=11)
    assert result.verdict == verdict, result.feedback
    assert result.score == (1.0 if verdict == "correct" else 0.0)
    assert result.notes == ((note,) if note else ())
    text = " ".join(result.feedback)
    for fragment in fragments:
        assert fragment in text
    assert result.read_as is None


# (source, message fragment)
INVALID = [
    ("def mse(y, yhat):\n    return (y - yhat", "line 2: '(' was never closed"),
    ("def mse(y, yhat)\n    return 1", "line 1: expected ':'"),
    # found only by the compiler, not the parser: still unreadable, not a failed try
    ("return 1\ndef mse(y, yhat):\n    return 0", "line 1: 'return' outside function"),
    ("import os\ndef mse(y, yhat):\n    return 0", "line 1: only numpy and math may be imported"),
    ("from subprocess import run\ndef mse(y, yhat):\n    return 0", "only numpy and math may be imported"),
    ("from . import x\ndef mse(y, yhat):\n    return 0", "only numpy and math may be imported"),
    ("import numpy.ctypeslib\ndef mse(y, yhat):\n    return 0", "`ctypeslib` is not allowed"),
    ("def mse(y, yhat):\n    return ().__class__.__bases__", "line 2: `.__class__` is not allowed"),
    ("def mse(y, yhat):\n    return object.__subclasses__()", "`.__subclasses__` is not allowed"),
    ("def mse(y, yhat):\n    return open('/etc/passwd')", "line 2: `open` is not allowed"),
    ("def mse(y, yhat):\n    return eval('1')", "`eval` is not allowed"),
    ("def mse(y, yhat):\n    return getattr(y, 'sum')()", "`getattr` is not allowed"),
    ("def mse(y, yhat):\n    return __import__('os')", "`__import__` is not allowed"),
    ("def mse(y, yhat):\n    return __builtins__", "`__builtins__` is not allowed"),
    ("import numpy as np\ndef mse(y, yhat):\n    return np.load('x')", "`.load` is not allowed"),
    ("def MSE(y, yhat):\n    return 0", "Define a function named `mse`"),
    ("", "Define a function named `mse`"),
]


@pytest.mark.parametrize(("source", "message"), INVALID)
def test_screen_rejects_before_running(source: str, message: str) -> None:
    result = grade_code(q("mse-code"), source, seed=1)
    assert result.verdict == "invalid"
    assert not result.counts_as_attempt
    assert message in result.feedback[0]


def test_syntax_error_position_points_into_the_source() -> None:
    source = "def mse(y, yhat):\n    return y +* yhat"
    result = screen(source, "mse")
    assert result is not None and result.position is not None
    assert result.feedback[0].startswith("line 2:")
    assert source[result.position] in "+*"


def test_missing_function_hint_names_what_was_defined() -> None:
    result = screen("def MSE(y, yhat):\n    return 0", "mse")
    assert result is not None
    assert "`MSE`" in result.feedback[1]


def test_infinite_loop_hits_the_cpu_limit() -> None:
    # A wall-clock limit far away: only the CPU limit can end this (no test depends on speed).
    source = "def mse(y, yhat):\n    while True:\n        pass"
    result = grade_code(q("mse-code"), source, 1, cpu_time=1, wall_time=600)
    assert (result.verdict, result.notes) == ("incorrect", ("timeout",))
    assert result.details["stopped_by"] == "cpu"
    assert "took too long" in result.feedback[0]
    assert "y = [0, 0, 0]" in result.feedback[0]  # the input it was stuck on


def test_infinite_loop_is_killed_at_the_wall_limit() -> None:
    # A CPU limit far away: only the wall clock can end this. The answer sleeps in the kernel
    # (no CPU at all), through an escape from the friendly screen.
    source = (
        "def mse(y, yhat):\n"
        "    def gen():\n"
        "        yield me.gi_frame.f_back\n"
        "    me = gen()\n"
        "    frame = next(me)\n"
        "    while 'importlib' not in frame.f_globals:\n"
        "        frame = frame.f_back\n"
        "    frame.f_globals['importlib'].import_module('time').sleep(3600)\n"
    )
    result = grade_code(q("mse-code"), source, 1, wall_time=3, cpu_time=600)
    assert (result.verdict, result.notes) == ("incorrect", ("timeout",))
    assert result.details["stopped_by"] == "wall"


def test_answer_never_runs_in_the_grading_process() -> None:
    source = (
        "import numpy as np\nnp.GRADED_HERE = True\ndef mse(y, yhat):\n    return np.mean((y - yhat) ** 2)"
    )
    assert grade_code(q("mse-code"), source, 1).verdict == "correct"
    assert not hasattr(np, "GRADED_HERE")


def test_correct_result_names_the_rule_and_the_number_of_inputs() -> None:
    result = grade_code(q("mse-code"), "def mse(y, yhat):\n    return ((y - yhat) ** 2).mean()", 5)
    assert result.rule == "matched the reference on 24 inputs (within rel 1e-06 or abs 1e-09)"
    assert result.details == {"cases": 24}


def test_the_question_tolerance_decides() -> None:
    off = "import numpy as np\ndef mse(y, yhat):\n    return 1.005 * np.mean((y - yhat) ** 2)"
    assert grade_code(q("mse-code"), off, 2).verdict == "incorrect"
    loose = q("mse-code").model_copy(update={"tolerance": Tolerance(rel=0.01)})
    assert grade_code(loose, off, 2).verdict == "correct"


@pytest.mark.parametrize(
    "reference",
    [
        "def mse(y, yhat):\n    return y.sum(axis=3)",
        "def mse(y, yhat) return 0",
        "def other(y, yhat):\n    return 0",
        "def mse(y, yhat):\n    return float(open('/tmp/out.txt', 'w').write('x'))",  # no files written
    ],
)
def test_broken_reference_is_undecided(reference: str) -> None:
    broken = q("mse-code").model_copy(update={"reference": reference})
    result = grade_code(broken, "def mse(y, yhat):\n    return 0.0", 1)
    assert result.verdict == "undecided"
    assert "question is broken" in result.feedback[0]


def test_an_edge_case_missing_an_argument_is_undecided() -> None:
    broken = q("huber-code").model_copy(update={"edge_cases": [{"e": [1.0]}]})
    assert grade_code(broken, "def huber(e, delta):\n    return e", 1).verdict == "undecided"


NAN, INF = float("nan"), float("inf")

# (got, want, tolerance, note or None when they match)
COMPARE = [
    (1.0, np.float64(1.0), None, None),
    (np.array(2.5), 2.5, None, None),  # a 0-d array is a number
    ([0.1, 0.2], np.array([0.1, 0.2]), None, None),  # a list is read as an array
    (np.array([NAN, 1.0]), np.array([NAN, 1.0]), None, None),
    (np.array([INF, -INF]), np.array([INF, -INF]), None, None),
    (np.array([INF]), np.array([-INF]), None, "wrong-output"),
    (np.array([NAN, 1.0]), np.array([1.0, 1.0]), None, "wrong-output"),
    (np.array([1.0, 1.0]), np.array([NAN, 1.0]), None, "wrong-output"),
    (1.0 + 1e-7, 1.0, None, None),
    (1.0 + 1e-5, 1.0, None, "wrong-output"),
    (1e-10, 0.0, None, None),
    (1.04, 1.0, Tolerance(rel=0.05), None),
    (1.2345, 1.2341, Tolerance(sigfigs=3), None),
    (1.24, 1.23, Tolerance(sigfigs=3), "wrong-output"),
    (np.zeros((2, 1)), np.zeros(2), None, "wrong-shape"),
    (np.zeros(1), 0.0, None, "wrong-shape"),
    (None, 1.0, None, "wrong-output"),
    ("1.0", 1.0, None, "wrong-output"),
]


@pytest.mark.parametrize(("got", "want", "tol", "note"), COMPARE)
def test_compare(got: object, want: object, tol: Tolerance | None, note: str | None) -> None:
    mismatch = compare(got, want, "x = 1", tol)
    assert (mismatch.note if mismatch else None) == note


def test_long_arrays_are_shortened_and_the_difference_located() -> None:
    want = np.arange(20.0)
    got = want.copy()
    got[17] = 17.0001
    mismatch = compare(got, want, "e = …", None)
    assert mismatch is not None
    assert "…" in mismatch.feedback[0] and "(20 values)" in mismatch.feedback[0]
    assert mismatch.feedback[1] == "The first difference is at index 17: 17.0001 instead of 17."
