"""A warm parent for `tutor serve`: one process imports Textual, the app and the course model
once, and forks a fresh child for each browser connection.

Without it every connection is a new Python that imports everything again (about 90 MB and a
second or more of CPU each, so thirty learners opening the course at once wait many seconds).
With it a session costs what it adds after the fork: the imported code and the course model
are shared, copy-on-write, with every other session.

textual-serve starts a command per connection and talks to it over its stdin and stdout. That
command is `connect.py` (standard library only, started with `-I -S`): it hands its stdin,
stdout and stderr to this parent over a Unix socket, with the few variables textual-serve set
for the app (the driver, the terminal's size), and waits for the session's exit status. The
child takes those descriptors as its own, sets that environment, and runs the same session
`tutor served-session` runs. Nothing learner-specific exists in the parent: each learner's
name, record and answers only ever live in their own child.

A session ends when its app ends (the browser closed: textual-serve asks the app to quit), and
is killed when its `connect.py` goes away (textual-serve killed it). The parent ends when
`tutor serve` does (it checks its parent every second) and takes its sessions with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from tutor.progress.learners import LEARNER_ENV, check_name

# What connect.py may set in a session's environment: what textual-serve sets for the app, and
# the learner the server took from a trusted proxy's header (`--trust-user-header`).
PASSED_ENV = ("COLUMNS", "ROWS", "TERM_PROGRAM", "TERM_PROGRAM_VERSION", LEARNER_ENV)
PASSED_PREFIX = "TEXTUAL"
_MAX_REQUEST = 64 * 1024


def passed_env(env: dict[str, str]) -> dict[str, str]:
    """The variables a session takes from its connection (textual-serve's, and a learner's name
    when it is one tutor accepts), nothing else."""
    return {
        k: v
        for k, v in env.items()
        if isinstance(k, str)
        and isinstance(v, str)
        and (k in PASSED_ENV or k.startswith(PASSED_PREFIX))
        and (k != LEARNER_ENV or check_name(v) is None)
    }


def warm_up() -> None:
    """Import what every session needs before the first fork (and nothing that starts a thread)."""
    import textual.app
    import textual.drivers.web_driver  # noqa: F401

    import tutor.content.loader
    import tutor.content.model as model
    import tutor.tui.app  # noqa: F401

    model.kinds()  # builds every kind's pydantic model once, for all sessions


def _child(
    conn: socket.socket, fds: list[int], env: dict[str, str], run: Callable[[], None], close: list[int]
) -> None:
    """In the forked child: become the session textual-serve started, run it, and exit."""
    code = 1
    try:
        for fd in close:
            with contextlib.suppress(OSError):
                os.close(fd)
        conn.close()
        os.setpgid(0, 0)  # the parent ends a session with everything it started
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            if fd > 2:
                os.close(fd)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        os.environ.pop(LEARNER_ENV, None)  # only ever this connection's own
        os.environ.update(passed_env(env))
        import importlib

        import textual.constants

        importlib.reload(textual.constants)  # it reads the driver and colours at import
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # a traceback goes to the session's stderr, as a crash would
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: Path, run: Callable[[], None], parent: int | None = None) -> None:
    """Accept connections on the Unix socket `path` and fork `run` for each, until the process
    `parent` (default: ours) is gone or SIGTERM arrives."""
    import gc

    parent = os.getppid() if parent is None else parent
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    old = os.umask(0o177)  # only the user serving can connect
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    listener.listen(128)
    listener.setblocking(False)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    stopping: list[bool] = []
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(wake_r, selectors.EVENT_READ, "wake")
    sessions: dict[int, socket.socket] = {}  # child pid -> its connect.py
    by_conn: dict[socket.socket, int] = {}
    gc.freeze()  # what the warm-up made stays shared: the collector never writes to it
    try:
        while not stopping and os.getppid() == parent:
            for key, _ in sel.select(timeout=1.0):
                if key.data == "accept":
                    own = [listener.fileno(), wake_r, wake_w, sel.fileno()]
                    _accept(listener, sel, sessions, by_conn, run, own)
                elif key.data == "wake":
                    with contextlib.suppress(OSError):
                        while os.read(wake_r, 512):
                            pass
                else:  # a connect.py said something or went away: its session is killed
                    conn = key.fileobj
                    assert isinstance(conn, socket.socket)
                    with contextlib.suppress(OSError):
                        if conn.recv(16):
                            continue
                    pid = by_conn.get(conn)
                    if pid is not None:
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.killpg(pid, signal.SIGKILL)
            _reap(sel, sessions, by_conn)
    finally:
        for pid in list(sessions):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        _reap(sel, sessions, by_conn, block=True)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _accept(
    listener: socket.socket,
    sel: selectors.BaseSelector,
    sessions: dict[int, socket.socket],
    by_conn: dict[socket.socket, int],
    run: Callable[[], None],
    own: list[int],
) -> None:
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return
    fds: list[int] = []
    try:
        conn.settimeout(10.0)  # connect.py sends at once; a stranger that does not is dropped
        data, fds, _, _ = socket.recv_fds(conn, _MAX_REQUEST, 3)
        env = json.loads(data.decode("utf-8")) if data else None
        if len(fds) != 3 or not isinstance(env, dict):
            raise ValueError("not a session request")
    except (OSError, ValueError, UnicodeDecodeError):
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    others = [c.fileno() for c in by_conn] + own
    pid = os.fork()
    if pid == 0:
        _child(conn, fds, env, run, others)  # never returns
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # as the child does: whichever runs first, the group is there
    for fd in fds:
        os.close(fd)
    conn.setblocking(False)
    sessions[pid] = conn
    by_conn[conn] = pid
    sel.register(conn, selectors.EVENT_READ, "session")


def _reap(
    sel: selectors.BaseSelector,
    sessions: dict[int, socket.socket],
    by_conn: dict[socket.socket, int],
    block: bool = False,
) -> None:
    while sessions:
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = sessions.pop(pid, None)
        if conn is None:
            continue
        by_conn.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(conn)
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            conn.setblocking(True)
            conn.settimeout(1.0)
            conn.sendall(str(code if code >= 0 else 128 - code).encode())
        conn.close()
