"""Is an (already equivalent) answer written in the form the question asks for?

This is the only grading step that needs SymPy, and SymPy's simplify/factor can run for a
long time on unlucky input, so it runs in a worker process that is killed at the time limit:
a timeout gives "could not decide", never "incorrect".
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from tutor.expr import FunctionDef, Node

DEFAULT_TIME_LIMIT = 2.0

STARTUP_LIMIT = 60.0  # seconds `wait_ready` (outside any grade) gives the worker to start

PARENT_POLL = 0.5  # how often the worker checks that the process that started it is alive

_pool: cf.ProcessPoolExecutor | None = None
_ready: cf.Future[bool] | None = None
_lock = threading.Lock()
# The worker is started from this one long-lived thread: Linux's parent-death signal fires when
# the *thread* that started a child ends, and the callers are short-lived grading threads.
_starter: cf.ThreadPoolExecutor | None = None


def _get_pool() -> cf.ProcessPoolExecutor:
    global _starter
    with _lock:
        if _pool is not None:
            return _pool
        if _starter is None:
            _starter = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sympy-starter")
        return _starter.submit(_start_pool).result()


def _start_pool() -> cf.ProcessPoolExecutor:
    global _pool, _ready
    _start_resource_tracker()
    # spawn: a fork of a process running Textual's threads is not safe.
    pool = cf.ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    _ready = pool.submit(_form_ok, None, "simplified", {}, {})  # starts the process, on this thread
    _pool = pool
    # A process started by multiprocessing (a `tutor check` worker) ends without running atexit,
    # and on its way out it joins its children: the SymPy worker, which waits for work for ever.
    # multiprocessing's own exit hooks run before that join: end the worker there.
    from multiprocessing import util

    util.Finalize(None, _shutdown, exitpriority=100)
    return pool


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a stderr that is a real file.

    The tracker hands `sys.stderr.fileno()` to its process; inside the running Textual app
    sys.stderr is a capture whose fileno() is -1, and starting fails with "bad value(s) in
    fds_to_keep". Give it /dev/null for that moment instead.
    """
    if os.name != "posix":  # the tracker is for POSIX named semaphores only
        return
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        resource_tracker.ensure_running()
        return
    saved = sys.stderr
    with open(os.devnull, "w") as quiet:
        sys.stderr = quiet
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def _worker_init(parent: int) -> None:
    """In the worker: leave the terminal alone, and die with the process that started us."""
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the app owns the terminal: a stray SymPy warning must not draw on it
        os.dup2(quiet, fd)
    os.close(quiet)
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still covers it
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    # Belt and braces (other systems, or the starting thread gone): a parent that dies leaves
    # us re-parented, and the parent pid changes.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent:
            os._exit(1)


def _shutdown() -> None:
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)


atexit.register(_shutdown)


def _forget_after_fork() -> None:
    """In a forked child: the SymPy worker belongs to the process that started it (its pipes and
    threads did not come along); the child starts its own when it needs one."""
    global _pool, _ready, _starter, _lock
    _pool, _ready, _starter = None, None, None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def warm_up() -> None:
    """Start the worker and import SymPy in it ahead of the first form check."""
    try:
        _get_pool()
    except Exception:  # only a head start: the first check tries again and reports "undecided"
        _shutdown()


def _form_ok(
    tree: Node | None, form: str, functions: Mapping[str, FunctionDef], assumptions: Mapping[str, dict]
) -> bool:
    import sympy

    from tutor.expr.sympy_bridge import to_sympy

    if tree is None:
        sympy.Symbol("x")  # the warm-up call: importing is the slow part
        return True
    expr = to_sympy(tree, functions, assumptions)
    if form == "expanded":
        return bool(sympy.expand(expr) == expr)
    if form == "factored":
        return bool(sympy.factor(expr) == expr or not isinstance(expr, sympy.Add))
    if form == "simplified":
        # SymPy already cancels x^2/x while building, so count what the learner typed.
        return typed_operations(tree) <= sympy.count_ops(sympy.simplify(expr)) + 1
    return True  # "no-derivative": the reader has no derivative operator to begin with


def _equal_ok(
    a: Node, b: Node, functions: Mapping[str, FunctionDef], assumptions: Mapping[str, dict]
) -> bool | None:
    import sympy

    from tutor.expr.sympy_bridge import to_sympy

    diff = to_sympy(a, functions, assumptions) - to_sympy(b, functions, assumptions)
    if sympy.simplify(diff) == 0:
        return True
    # equals() tests at random points in high precision: free of float64 cancellation.
    verdict = diff.equals(0)
    return None if verdict is None else bool(verdict)


def check_equal(
    a: Node,
    b: Node,
    functions: Mapping[str, FunctionDef],
    domains: Mapping[str, Any],
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> bool | None:
    """SymPy's opinion on a == b: True/False, or None when it cannot tell within the limit."""
    return _in_worker(_equal_ok, (a, b, dict(functions), assumptions_for(domains)), time_limit)


def typed_operations(tree: Node) -> int:
    from tutor.expr.nodes import BinOp, Call, Neg, walk

    return sum(isinstance(n, BinOp | Call | Neg) for n in walk(tree))


def assumptions_for(domains: Mapping[str, Any]) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {}
    for name, domain in domains.items():
        if domain == "positive":
            out[name] = {"positive": True}
        elif domain == "negative":
            out[name] = {"negative": True}
        elif domain == "nonnegative":
            out[name] = {"nonnegative": True}
        elif domain == "integer":
            out[name] = {"integer": True}
        else:
            out[name] = _sign_of(domain)
    return out


def _sign_of(domain: Any) -> dict[str, bool]:
    """Assumptions for an interval or a set of values: a sign lets SymPy combine logs and roots."""
    if isinstance(domain, dict):
        domain = domain.get("interval", domain.get("set"))
    try:
        values = [float(v) for v in domain]
    except (TypeError, ValueError):
        return {"real": True}
    if values and min(values) > 0:
        return {"positive": True}
    if values and min(values) >= 0:
        return {"nonnegative": True}
    if values and max(values) < 0:
        return {"negative": True}
    return {"real": True}


def check_form(
    tree: Node,
    form: str,
    functions: Mapping[str, FunctionDef],
    domains: Mapping[str, Any],
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> bool | None:
    """True/False, or None when SymPy could not decide within `time_limit` seconds."""
    return _in_worker(_form_ok, (tree, form, dict(functions), assumptions_for(domains)), time_limit)


def wait_ready(timeout: float = STARTUP_LIMIT) -> bool:
    """Start the worker if need be and wait, up to `timeout`, until SymPy is imported in it:
    for callers about to grade symbolic answers (`tutor grade`, `tutor check`), so that the
    start is not paid inside a grade's time cap. True once it is ready."""
    try:
        _get_pool()
        ready = _ready
        return ready is None or bool(ready.result(timeout=timeout))
    except Exception:  # only a head start: a grade that needs it tries again
        return False


def _in_worker(fn: Any, args: tuple[Any, ...], time_limit: float) -> bool | None:
    """`fn(*args)` in the worker, all within `time_limit` seconds, the worker's start included
    when it is not ready yet (started by an earlier timeout's kill, or cold): a grade never
    waits past its cap, whatever the load; the worker goes on starting for the next one."""
    from tutor.grading.limits import now

    deadline = now() + time_limit
    try:
        pool = _get_pool()
        ready = _ready
        if ready is not None:
            ready.result(timeout=max(0.0, deadline - now()))
        future = pool.submit(fn, *args)
    except cf.TimeoutError:  # still starting: undecided this time
        return None
    except Exception:  # the worker could not start: grading goes on, undecided
        _shutdown()
        return None
    try:
        return future.result(timeout=max(0.0, deadline - now()))
    except cf.TimeoutError:
        _shutdown()  # the worker may be stuck inside SymPy: kill it, and start a fresh one now
        threading.Thread(target=warm_up, daemon=True, name="sympy-restart").start()
        return None
    except Exception:  # a SymPy failure on odd input is "cannot decide", not a crash
        return None
