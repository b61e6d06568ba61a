"""`tutor check` on every core: the answer-key self-tests, most of its time, in worker processes.

The course is loaded once, here; the workers are forked from this process before it starts any
thread, so they share the loaded course and are sent only a question's index. Everything else
`check_course` does (files, references, lessons, static checks, drawn seeds) runs here, as it
does in one process; a self-test's findings are the same wherever it runs, and the report is
sorted by position either way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from tutor.content.checks import CheckReport, check_course
from tutor.content.diagnostics import Diagnostic, sort_key
from tutor.content.loader import Course, QuestionEntry
from tutor.grading.selftest import run_selftests

MIN_QUESTIONS = 16  # fewer than this: starting workers costs more than it saves
MAX_JOBS = 8

_ENTRIES: list[QuestionEntry] = []  # what the forked workers index into


def default_jobs() -> int:
    """The cores this process may use (at most MAX_JOBS)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def _fresh_worker() -> None:
    """The SymPy worker belongs to the process that started it: a forked worker starts its own."""
    from tutor.grading import forms

    forms._pool, forms._ready, forms._starter = None, None, None
    forms._lock = threading.Lock()


def _selftests(index: int, seeds: int, draws: int) -> list[Diagnostic]:
    return list(run_selftests(_ENTRIES[index], seeds, draws=draws))


def check_in_parallel(
    course: Course,
    seeds: int,
    *,
    progress: Callable[[int], None] | None = None,
    references: bool = True,
    jobs: int | None = None,
    key_seeds: int | None = None,
) -> CheckReport:
    """`check_course` with the grader's self-tests, spread over `jobs` processes (default: the
    cores there are); one process where there is no fork, or too few questions to be worth it.
    The answer key is graded on `key_seeds` of the `seeds` variants (all of them by default)."""
    graded = seeds if key_seeds is None else min(seeds, key_seeds)
    global _ENTRIES
    jobs = default_jobs() if jobs is None else max(1, jobs)
    entries = [entry for bank in course.banks for entry in bank.entries]
    if jobs == 1 or len(entries) < MIN_QUESTIONS or "fork" not in multiprocessing.get_all_start_methods():
        return check_course(
            course,
            seeds,
            progress=progress,
            references=references,
            answer_key=lambda entry: run_selftests(entry, graded, draws=seeds),
        )
    _ENTRIES = entries
    index = {id(entry): i for i, entry in enumerate(entries)}
    pending: dict[int, Future[list[Diagnostic]]] = {}
    pool = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("fork"), initializer=_fresh_worker
    )
    try:
        pool.submit(int).result()  # fork every worker now, while this process has one thread

        def submit(entry: QuestionEntry) -> list[Diagnostic]:
            i = index[id(entry)]
            pending[i] = pool.submit(_selftests, i, graded, seeds)
            return []  # collected below

        report = check_course(course, seeds, references=references, answer_key=submit)
        if progress is not None:
            progress(report.questions - len(pending))
        found = list(report.diagnostics)
        for i, future in pending.items():
            try:
                found.extend(future.result())
            except BrokenProcessPool:  # a worker was killed (out of memory, say): here instead
                found.extend(run_selftests(entries[i], graded, draws=seeds))
            if progress is not None:
                progress(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _ENTRIES = []
    found.sort(key=sort_key)
    return CheckReport(found, report.lessons, report.banks, report.questions, report.seeds)
