"""`tutor check` in several processes finds exactly what it finds in one."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tutor.content.loader import load_course
from tutor.grading import checkpool


@pytest.mark.parametrize("course", ["broken-course", "app-course"])
def test_parallel_check_reports_the_same_findings_as_one_process(monkeypatch, course):
    monkeypatch.setattr(checkpool, "MIN_QUESTIONS", 0)
    loaded = load_course(FIXTURES / course)
    one = checkpool.check_in_parallel(loaded, 2, jobs=1)
    done: list[int] = []
    two = checkpool.check_in_parallel(loaded, 2, jobs=2, progress=done.append)
    assert [str(d) for d in two.diagnostics] == [str(d) for d in one.diagnostics]
    assert (two.lessons, two.banks, two.questions) == (one.lessons, one.banks, one.questions)
    assert sum(done) == one.questions
