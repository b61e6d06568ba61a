"""`tutor check` on every core: each question's checks, most of its time, in worker processes.

The course is loaded once, here; the workers are forked from this process before it starts any
thread, so they share the loaded course and are sent only questions' indexes. A worker runs all
of what `check_course` does to one question (static checks, drawn seeds, the answer key's
self-tests: `check_entry`); this process meanwhile checks the files, references and lessons,
then takes the questions' findings in course order and lints. The findings are the same as in
one process, in the same order.

The work is handed out from one queue, most expensive first (code questions, then symbolic
ones, then the rest in batches), so that no worker is left with a long question at the end.
Code questions go in as few batches as can be (each worker that runs code starts a sandbox of
its own: a probe and a warm parent, about 0.25 s); a worker checks a batch's questions four at a
time, as each mostly waits on its sandboxed runs, and there is one more worker for each code
batch to keep the cores busy meanwhile.

No worker outlives the check: each dies with it (Linux's parent-death signal), leaves Ctrl-C to
it, and every way out (done, an error, Ctrl-C, SIGTERM) ends them all; a worker's own SymPy
worker ends with the worker (`forms` ends it from multiprocessing's exit hook, which runs before
multiprocessing waits for a worker's children).
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tutor.content import model as m
from tutor.content.checks import CheckReport, check_course, check_entry
from tutor.content.diagnostics import Diagnostic
from tutor.content.loader import Course, QuestionEntry
from tutor.grading.selftest import run_selftests

MIN_QUESTIONS = 16  # fewer than this: starting workers costs more than it saves
MAX_JOBS = 8
BATCH_COST = 20.0  # estimated ms of cheap questions sent to a worker at once
CODE_BATCH = 100  # code questions in one batch, at most (4 at a time: about 1.5 s)
CODE_THREADS = 4  # code questions a worker checks at once (each mostly waits on its sandbox)

_ENTRIES: list[QuestionEntry] = []  # what the forked workers index into


def default_jobs() -> int:
    """The cores this process may use (at most MAX_JOBS)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def estimated_cost(entry: QuestionEntry) -> float:
    """Roughly the ms a question's checks take (measured on the built-in course): only the
    order of the work and the size of its batches follow it, never a finding."""
    kind = m.kinds()[entry.question.type]
    if kind.runs_code:
        return 60.0  # mostly waiting on the sandbox
    if kind.symbolic:
        return 25.0
    if kind.reads_math:
        return 8.0
    return 2.0


def _batches(entries: list[QuestionEntry], jobs: int) -> tuple[list[list[int]], int]:
    """The questions' indexes in batches, most expensive first, and how many of the batches are
    code questions: those in as few batches as CODE_BATCH allows, at most `jobs` (each batch
    starts a sandbox of its own), the others each alone or, when cheap, together up to
    BATCH_COST."""
    costs = [estimated_cost(e) for e in entries]
    code = [i for i, e in enumerate(entries) if m.kinds()[e.question.type].runs_code]
    n = min(jobs, -(-len(code) // CODE_BATCH))
    out = [code[k::n] for k in range(n)]
    rest = sorted(set(range(len(entries))) - set(code), key=lambda i: (-costs[i], i))
    batch: list[int] = []
    for i in rest:
        batch.append(i)
        if sum(costs[j] for j in batch) >= BATCH_COST:
            out.append(batch)
            batch = []
    if batch:
        out.append(batch)
    return out, n


def _prepare_fork(entries: list[QuestionEntry]) -> None:
    """Import here, once, what every worker would otherwise import for itself after the fork."""
    # numpy.random draws the variants; numpy.ma is what numpy imports on first use of median.
    needed = ["numpy.ma", "numpy.random"]
    if any(m.kinds()[e.question.type].runs_code for e in entries):
        needed.append("tutor.grading.code")
    for name in needed:
        importlib.import_module(name)


def _worker_init(parent: int) -> None:
    """In a forked worker: die with the check, and leave Ctrl-C to it (it ends every worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the check died before the signal was armed
        os._exit(1)


def _end_workers(pool: ProcessPoolExecutor, grace: float) -> None:
    """Stop the pool and make sure no worker outlives it: those not gone within `grace` seconds
    (a worker stuck in a question, or on a child of its own) are killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for proc in processes:
        proc.join(max(0.0, deadline - time.monotonic()))
    for proc in processes:
        if proc.is_alive():
            proc.kill()
            proc.join()


class _Terminated(BaseException):
    """SIGTERM during a parallel check: unwinds like Ctrl-C, so that the workers are ended."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _check_one(index: int, seeds: int, graded: int) -> list[Diagnostic]:
    return check_entry(_ENTRIES[index], seeds, lambda entry: run_selftests(entry, graded, draws=seeds))


def _check_batch(indexes: list[int], seeds: int, graded: int, threads: int = 1) -> list[list[Diagnostic]]:
    if threads <= 1 or len(indexes) <= 1:
        return [_check_one(i, seeds, graded) for i in indexes]
    # Code questions: each grade waits on a sandboxed run, so several questions wait at once.
    with ThreadPoolExecutor(min(threads, len(indexes)), thread_name_prefix="check-code") as pool:
        return list(pool.map(lambda i: _check_one(i, seeds, graded), indexes))


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
    # The course lives as long as the check: out of the collector's way (in the workers too,
    # whose collections would otherwise walk, and copy, every page of it). What a caller froze
    # before stays frozen.
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        return _check_all(course, seeds, graded, progress, references, jobs)
    finally:
        if not frozen_before:
            gc.unfreeze()


def _check_all(
    course: Course,
    seeds: int,
    graded: int,
    progress: Callable[[int], None] | None,
    references: bool,
    jobs: int | None,
) -> CheckReport:
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
    _prepare_fork(entries)
    batches, code_batches = _batches(entries, jobs)
    # A code batch mostly waits on its sandbox: one more worker for each keeps the cores busy.
    workers = min(len(batches), jobs + code_batches)
    _ENTRIES = entries
    gc.freeze()  # what was imported for the workers, too
    index = {id(entry): i for i, entry in enumerate(entries)}
    where: dict[int, tuple[Future[list[list[Diagnostic]]], int]] = {}
    on_term = _catch_sigterm()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    finished = False
    try:
        pool.submit(int).result()  # fork every worker now, while this process has one thread
        for n, batch in enumerate(batches):
            threads = CODE_THREADS if n < code_batches else 1  # the code batches come first
            future = pool.submit(_check_batch, batch, seeds, graded, threads)
            for k, i in enumerate(batch):
                where[i] = (future, k)

        def results(entry: QuestionEntry) -> list[Diagnostic]:
            i = index[id(entry)]
            future, k = where[i]
            try:
                return future.result()[k]
            except BrokenProcessPool:  # a worker was killed (out of memory, say): here instead
                return _check_one(i, seeds, graded)

        report = check_course(course, seeds, progress=progress, references=references, entry_results=results)
        finished = True
        return report
    except _Terminated:
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        # Every result is in (or no longer wanted): a worker has nothing left to give.
        _end_workers(pool, grace=10.0 if finished else 0.0)
        _ENTRIES = []
        if on_term is not None:
            signal.signal(signal.SIGTERM, on_term)


def _catch_sigterm() -> Any:
    """Turn SIGTERM into an exception while the workers run (from the main thread only, where
    Python delivers signals); returns the handler to put back, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        return None  # the program handles SIGTERM itself
    signal.signal(signal.SIGTERM, _on_sigterm)
    return previous
