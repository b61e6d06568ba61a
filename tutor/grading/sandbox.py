"""Where code answers run: a bubblewrap sandbox the kernel enforces, or (where there is none and
the policy allows it) a plain child process under resource limits and a seccomp filter.

Inside the sandbox a run sees only the Python runtime, numpy and the runner script, all
read-only; a small private /tmp and a minimal /dev; no network, no host /proc, its own pid
namespace (nothing it starts outlives it), uid 65534, an empty environment. When this process
is root and the runtime is readable by everyone, bubblewrap itself is started as uid 65534 too
(so the kernel's per-user process limit applies); otherwise it runs in a user namespace as root
outside, and the runner's seccomp filter is what refuses new processes.

Policy (`TUTOR_CODE_SANDBOX`, one place): `auto` (default) uses bubblewrap when it works, runs
code unsandboxed (and says so) where bubblewrap is not installed, and refuses code answers
(and says why) where it is installed but cannot start a sandbox; `required` refuses to run code
without it (`tutor serve`); `none` never uses it (tests of the fallback; machines where
bubblewrap misbehaves).

Every run's output is read up to a cap: the result pipe (length-prefixed JSON frames) up to
`MAX_CASE_RESULTS` bytes a test case, stderr up to `MAX_DIAGNOSTICS` (stdout is drained and
dropped); beyond the results cap the run is stopped. Arrays travel as raw bytes (base64), a
frame may hold only a few nested containers and values, frames are parsed one at a time as
they arrive, and what they hold once parsed is counted against the same cap, so what the app
holds follows the bytes it counts.
"""

from __future__ import annotations

import contextlib
import functools
import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.grading import _code_runner as runner
from tutor.grading.result import printable

ENV_POLICY = "TUTOR_CODE_SANDBOX"
# Passed into every run's environment when set, so that its processes can be told apart from
# other runs on the same machine (by an operator, or by the tests that check none is left).
ENV_TAG = "TUTOR_RUN_TAG"
POLICIES = ("auto", "required", "none")
RUNNER = Path(runner.__file__)
SANDBOX_RUNNER = "/runner/runner.py"
NOBODY = 65534
MAX_FRAME = 2 << 20  # bytes in one frame: an output of runner.MAX_ELEMENTS values is ~1.1 MB
MAX_CASE_RESULTS = MAX_FRAME  # bytes of results a run may send per test case (and for 4 more)
MAX_RESULTS = 64 << 20  # and in all, whatever the number of cases
MAX_CONTAINERS = 1024  # `[` and `{` in one frame; an honest one has a handful
MAX_ITEMS = 10_000  # `,` in one frame: an honest one has tens (arrays travel as base64 text)
MAX_STRING = 2000  # characters of any text in a frame (arrays' bytes apart)
MAX_DIAGNOSTICS = 64 << 10  # bytes of stderr kept from one run
TMPFS_SIZE = 1 << 20
INSTALL_HINT = "install the `bubblewrap` package (apt install bubblewrap, dnf install bubblewrap)"

# numpy reads these at import: one thread, so nothing is started behind the limits' back.
_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def policy() -> str:
    """The configured policy; an unknown value is treated as `required`, the safe reading."""
    value = os.environ.get(ENV_POLICY, "auto").strip().lower() or "auto"
    return value if value in POLICIES else "required"


@dataclass(frozen=True)
class Status:
    """Whether code answers run sandboxed here, and if not, why."""

    sandboxed: bool
    allowed: bool  # False: code answers are refused (policy `required`, no working sandbox)
    reason: str  # for people: what is used, or what is missing and how to get it
    unprivileged: bool = False  # bubblewrap itself started as uid 65534

    @property
    def notice(self) -> str | None:
        """What to tell a learner once, before their first code question; None when sandboxed."""
        if self.sandboxed:
            return None
        if self.allowed:
            return f"Code answers run without the OS sandbox: {self.reason}."
        return f"Code questions are unavailable here: {self.reason}."


@dataclass
class Outcome:
    """What one run of the runner produced, within the caps."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    returncode: int | None = None
    stderr: str = ""
    timed_out: bool = False
    protocol_error: str | None = None  # frames that were not what the runner writes
    too_large: bool = False  # the protocol error is only that there was too much of it
    parsed: int = 0  # about how many bytes the frames hold once parsed (`parsed_size`)

    def first(self, event: str) -> dict[str, Any] | None:
        return next((f for f in self.frames if f.get("event") == event), None)

    def by_case(self, event: str) -> dict[int, dict[str, Any]]:
        cases: dict[int, dict[str, Any]] = {}
        for f in self.frames:
            if f.get("event") == event and isinstance(f.get("case"), int):
                cases.setdefault(f["case"], f)
        return cases


# ---------------------------------------------------------------- what the sandbox shows


def _numpy_dirs() -> list[Path]:
    import numpy as np

    package = Path(np.__file__).resolve().parent
    dirs = [package]
    libs = package.with_name("numpy.libs")  # manylinux wheels keep OpenBLAS beside the package
    if libs.is_dir():
        dirs.append(libs)
    return dirs


def _python() -> Path:
    return Path(os.path.realpath(sys.executable))


# Always bound read-only (with /lib and /lib64 as links to them): the C library and the shared
# libraries of a system interpreter, and a system interpreter's standard library.
_SYSTEM_LIBS = (Path("/usr/lib"), Path("/usr/lib64"))


def _covered(path: Path, dirs: list[Path]) -> bool:
    return any(path.is_relative_to(d) for d in dirs)


def _all_site_packages() -> list[str]:
    """Every package folder of this interpreter and its base (a venv's and the system's)."""
    import site

    found = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    with contextlib.suppress(AttributeError):  # an old `site` without it
        found += site.getsitepackages() + site.getsitepackages([sys.base_prefix])
    return found


def _site_dirs() -> list[Path]:
    """The base interpreter's package folders that the sandbox would show (site-packages, and a
    Debian Python's dist-packages under /usr/lib): hidden, so that no other package is visible."""
    import site

    paths = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    found = {Path(paths[k]) for k in ("purelib", "platlib")}
    with contextlib.suppress(AttributeError):  # an old `site` without it
        found.update(Path(p) for p in site.getsitepackages([sys.base_prefix]))
    shown = [host for host, _ in _runtime_binds()] + list(_SYSTEM_LIBS)
    return sorted(d for d in found if d.is_dir() and _covered(d.resolve(), shown))


def _loaded_objects() -> list[Path]:
    """The shared objects this process has loaded, by the names the dynamic loader used
    (glibc's `dl_iterate_phdr`); empty where that cannot be asked."""
    import ctypes

    class Info(ctypes.Structure):
        _fields_ = [("addr", ctypes.c_void_p), ("name", ctypes.c_char_p)]

    callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(Info), ctypes.c_size_t, ctypes.c_void_p)
    names: list[bytes] = []

    def collect(info: Any, _size: int, _data: Any) -> int:
        if info.contents.name:
            names.append(info.contents.name)
        return 0

    try:
        libc = ctypes.CDLL(None)
        libc.dl_iterate_phdr(callback_type(collect), None)
    except (OSError, AttributeError):
        return []
    return [Path(os.fsdecode(n)) for n in names if n.startswith(b"/")]


def _symlink_chain(path: Path) -> list[Path]:
    """`path` and every link it goes through to its file (`/etc/alternatives/...` on Debian)."""
    chain = [Path(os.path.realpath(path.parent)) / path.name]  # /lib/x.so is /usr/lib/x.so
    while len(chain) < 40 and chain[-1].is_symlink():
        link = chain[-1].parent / os.readlink(chain[-1])
        chain.append(Path(os.path.realpath(link.parent)) / link.name)
    return chain


@functools.cache
def _runtime_binds() -> list[tuple[Path, Path]]:
    """(host path, sandbox path) pairs bound read-only: what the interpreter needs to start and
    import numpy, beyond `_SYSTEM_LIBS`.

    An interpreter of its own prefix (pyenv, a built Python under /opt) is bound whole. A system
    interpreter (prefix /usr: Debian's, and a `python3 -m venv` made by it, whose binary is the
    system's) gets its binary, its standard library and lib-dynload where they are not under
    /usr/lib, and every shared library this process loaded (numpy's included) that lies
    elsewhere, through each symbolic link the loader followed to it.
    """
    import numpy  # noqa: F401  (its libraries are among those to bind)

    prefix = Path(sys.base_prefix).resolve()
    python = _python()
    wanted: list[Path] = []
    if prefix != Path("/usr"):
        wanted.append(prefix)
    else:
        paths = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
        dynload = sysconfig.get_config_var("DESTSHARED")
        for name in (paths["stdlib"], paths["platstdlib"], dynload):
            if name and Path(name).is_dir():
                wanted.append(Path(name).resolve())
    wanted.append(python)
    # Not the packages this process imported (yaml, pydantic...): only numpy is to be seen.
    packages = [Path(p).resolve() for p in _all_site_packages()]
    if sys.prefix != sys.base_prefix:
        packages.append(Path(sys.prefix).resolve())  # a venv
    for library in _loaded_objects():
        if not _covered(Path(os.path.realpath(library)), packages):
            wanted += _symlink_chain(library)
    shown = [*_SYSTEM_LIBS, *_numpy_dirs()]
    binds: list[tuple[Path, Path]] = []
    for path in wanted:
        if not path.exists() or _covered(path, shown):
            continue
        shown.append(path)
        binds.append((path, path))
    return binds


def _unreadable_by_all(path: Path) -> Path | None:
    """The first of `path` and its parents that uid 65534 could not search or read; None."""
    try:
        for parent in [*reversed(path.parents), path]:
            mode = os.stat(parent).st_mode
            if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
                return parent
        return None if os.stat(path).st_mode & stat.S_IROTH else path
    except OSError:
        return path


def unreadable_runtime() -> Path | None:
    """What keeps bubblewrap from being started as uid 65534: the first part of the runtime
    (interpreter, numpy, runner) that user cannot read, e.g. a pyenv Python under /root."""
    paths = [host for host, _ in _runtime_binds()] + _numpy_dirs() + [RUNNER, Path("/usr/lib")]
    return next((bad for bad in map(_unreadable_by_all, paths) if bad is not None), None)


def _can_drop_to_nobody() -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    return unreadable_runtime() is None


def bwrap_argv(bwrap: str) -> list[str]:
    """The bubblewrap command line that runs the runner script in the sandbox."""
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--uid",
        str(NOBODY),
        "--gid",
        str(NOBODY),
        "--hostname",
        "sandbox",
        # /tmp and /dev first: a runtime or a virtual environment that lives under /tmp is
        # bound on top of them, not hidden by them
        "--size",
        str(TMPFS_SIZE),
        "--tmpfs",
        "/tmp",
        "--dev",
        "/dev",
        "--ro-bind",
        "/usr/lib",
        "/usr/lib",
        "--ro-bind-try",
        "/usr/lib64",
        "/usr/lib64",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
    ]
    for var in _THREAD_VARS:
        argv += ["--setenv", var, "1"]
    if os.environ.get(ENV_TAG):
        argv += ["--setenv", ENV_TAG, os.environ[ENV_TAG][:100]]
    for host, inside in _runtime_binds():
        argv += ["--ro-bind", str(host), str(inside)]
    for site in _site_dirs():
        argv += ["--tmpfs", str(site)]  # hide every other installed package
    for d in _numpy_dirs():
        argv += ["--ro-bind", str(d), str(d)]
    argv += [
        "--ro-bind",
        str(RUNNER),
        SANDBOX_RUNNER,
        "--chdir",
        "/tmp",
        "--",
        str(_python()),
        "-I",
        "-S",
        "-B",
        SANDBOX_RUNNER,
    ]
    return argv


def _dies_with_us() -> list[str]:
    """A prefix that makes the run die with this process, even if this process is SIGKILLed.

    util-linux's `setpriv --pdeathsig KILL` sets the parent-death signal and execs the command;
    it follows the thread that started the run, which waits in `run` until the run ends.
    Where there is no setpriv (not Linux), the wall-clock kill and the CPU limit remain.
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


def _plain_argv() -> list[str]:
    return [sys.executable, "-I", "-S", "-B", str(RUNNER)]


def _plain_env() -> dict[str, str]:
    env = dict.fromkeys(_THREAD_VARS, "1")
    if os.environ.get(ENV_TAG):
        env[ENV_TAG] = os.environ[ENV_TAG][:100]
    if os.name == "nt" and "SYSTEMROOT" in os.environ:  # Python cannot start without it
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    return env


# ---------------------------------------------------------------- running, with caps


def _children(pid: int) -> list[int]:
    """Host pids of `pid`'s children (Linux /proc); empty where that cannot be read."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        pass
    return found


def _alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a run and, for a sandbox, wait until its pid namespace is empty.

    Killing bwrap takes its sandbox down only asynchronously (the namespace's first process
    gets SIGKILL as its parent dies, and takes every process in the namespace with it); we kill
    that first process too and wait for it, so that nothing of a run outlives its grade.
    """
    inner = _children(proc.pid) if sys.platform.startswith("linux") else []
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # bwrap, or the plain runner, and its group
    with contextlib.suppress(OSError):
        proc.kill()
    for pid in inner:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while any(_alive(pid) for pid in inner) and time.monotonic() < deadline:
        time.sleep(0.01)


def run(
    request: dict[str, Any],
    wall_time: float,
    *,
    sandboxed: bool,
    unprivileged: bool = False,
    bwrap: str | None = None,
    warm: bool = True,
) -> Outcome:
    """Run the runner on `request`, reading its output within the caps, killed at `wall_time`.

    With `warm` (and a seccomp filter to seal the children), the run is a fresh fork of a warm
    parent in the same kind of sandbox (see `_WarmParent`); otherwise a fresh sandbox of its own.
    """
    if warm and _warm_possible():
        outcome = _run_warm(request, wall_time, sandboxed=sandboxed, unprivileged=unprivileged, bwrap=bwrap)
        if outcome is not None:
            return outcome
    return _run_cold(request, wall_time, sandboxed=sandboxed, unprivileged=unprivileged, bwrap=bwrap)


def _argv_env(sandboxed: bool, bwrap: str | None) -> tuple[list[str], dict[str, str]]:
    if sandboxed:
        argv, env = bwrap_argv(bwrap or shutil.which("bwrap") or "bwrap"), {}
    else:
        argv, env = _plain_argv(), _plain_env()
    return _dies_with_us() + argv, env


def _run_cold(
    request: dict[str, Any],
    wall_time: float,
    *,
    sandboxed: bool,
    unprivileged: bool = False,
    bwrap: str | None = None,
) -> Outcome:
    import json

    outcome = Outcome()
    argv, env = _argv_env(sandboxed, bwrap)
    results_r, results_w = os.pipe()
    where = {"path": [str(_numpy_dirs()[0].parent)], "result_fd": results_w}
    payload = json.dumps({**request, **where}, allow_nan=False)
    extra: dict[str, Any] = {}
    if unprivileged:
        extra = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    try:
        # A file, so that writing the request never blocks; handed over read-only.
        with tempfile.NamedTemporaryFile() as request_file, open(request_file.name, "rb") as stdin:
            request_file.write(payload.encode("utf-8"))
            request_file.flush()
            proc = subprocess.Popen(
                argv,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                pass_fds=(results_w,),
                start_new_session=os.name == "posix",
                **extra,
            )
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        os.close(results_r)
        os.close(results_w)
        outcome.stderr = str(exc)
        return outcome
    os.close(results_w)
    handle = _ColdRun(proc)
    try:
        _collect(handle, results_r, wall_time, outcome, len(request.get("cases", ())))
    except BaseException:
        handle.kill()  # whatever went wrong here, the run does not outlive it
        raise
    return outcome


class _ColdRun:
    """A run that is a process (bubblewrap, or the plain runner) of its own."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self.stdout, self.stderr = proc.stdout.fileno(), proc.stderr.fileno()

    def kill(self) -> None:
        _kill(self.proc)

    def wait(self, timeout: float) -> int | None:
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _collect(handle: Any, results_r: int, wall_time: float, outcome: Outcome, cases: int) -> None:
    streams = {results_r: "results", handle.stdout: "stdout", handle.stderr: "stderr"}
    # An honest run sends a frame per case and a few more; a flood of tiny frames is not one.
    max_frames = cases + 16
    results_cap = min(MAX_RESULTS, (cases + 4) * MAX_CASE_RESULTS)
    received = 0  # bytes of results so far
    stderr = bytearray()  # kept up to MAX_DIAGNOSTICS; stdout is only drained
    pending = bytearray()  # results read and not yet a whole frame
    deadline = time.monotonic() + wall_time
    selector = selectors.DefaultSelector()
    for fd in streams:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    try:
        while streams:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome.timed_out = True
                handle.kill()
                break
            for key, _ in selector.select(timeout=min(left, 0.5)):
                fd = int(key.fd)  # type: ignore[arg-type]
                name = streams[fd]
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    del streams[fd]
                    continue
                if name == "stderr":
                    stderr += chunk[: max(MAX_DIAGNOSTICS - len(stderr), 0)]  # the rest is dropped
                if name != "results":
                    continue
                received += len(chunk)
                if received > results_cap:
                    outcome.too_large = True
                    outcome.protocol_error = f"more than {results_cap >> 20} MB of results"
                    handle.kill()
                    streams.clear()
                    break
                pending += chunk
                error = _take_frames(pending, outcome, max_frames, results_cap)
                if error is not None:
                    outcome.protocol_error = error
                    handle.kill()
                    streams.clear()
                    break
    finally:
        selector.close()
        os.close(results_r)
        handle.close()
    try:
        outcome.returncode = handle.wait(max(2.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        outcome.timed_out = True
        handle.kill()
        try:
            outcome.returncode = handle.wait(5)
        except subprocess.TimeoutExpired:
            outcome.returncode = None
    outcome.stderr = bytes(stderr).decode("utf-8", "replace")[-2000:]


# ---------------------------------------------------------------- the warm parent


def _warm_possible() -> bool:
    """Warm runs need the seccomp filter: it is what keeps a child from starting processes
    that would outlive it inside the shared sandbox, or from signalling its siblings."""
    import socket

    return runner.seccomp_program(0) is not None and hasattr(socket, "CMSG_SPACE")


class _WarmParent:
    """A runner in `role: warm`: numpy imported, inside a sandbox like a fresh run's, forking one
    child per run. Started from one long-lived thread, so that the parent-death signal that
    ties it to this process fires only when this process dies."""

    def __init__(self, key: tuple[Any, ...], sandboxed: bool, unprivileged: bool, bwrap: str | None) -> None:
        import json
        import socket

        self.key = key
        self.active = 0
        self.doomed = False
        self.lock = threading.Lock()
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv, env = _argv_env(sandboxed, bwrap)
        request = {"role": "warm", "control_fd": theirs.fileno(), "path": [str(_numpy_dirs()[0].parent)]}
        extra: dict[str, Any] = {}
        if unprivileged:
            extra = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        try:
            with tempfile.TemporaryFile() as stdin:
                stdin.write(json.dumps(request).encode("utf-8"))
                stdin.seek(0)
                self.proc = subprocess.Popen(
                    argv,
                    stdin=stdin,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                    pass_fds=(theirs.fileno(),),
                    start_new_session=os.name == "posix",
                    **extra,
                )
        except BaseException:
            self.sock.close()
            raise
        finally:
            theirs.close()

    def alive(self) -> bool:
        return not self.doomed and self.proc.poll() is None

    def send(self, message: bytes, fds: list[int] | None = None) -> None:
        import array
        import socket

        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        with self.lock:
            self.sock.sendmsg([message], ancillary)

    def stop(self) -> None:
        """End the parent and, with its sandbox, every child it has."""
        with contextlib.suppress(OSError):
            self.sock.close()
        _kill(self.proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)

    def pids(self) -> set[int]:
        """Host pids of this parent's own processes (bubblewrap's and the warm runner), not of
        the children it forked for runs."""
        found: set[int] = set()
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.add(pid)
            try:
                exe = (Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") or [b""])[0]
            except OSError:
                continue
            if b"bwrap" in exe or b"setpriv" in exe:  # the sandbox's own; below it, the runner
                todo += _children(pid)
        return found


_warm_lock = threading.Lock()
_warm_parent: _WarmParent | None = None
_spawn_queue: Any = None


def _spawn(make: Any) -> Any:
    """Call `make` on the one long-lived thread that starts warm parents; its result."""
    import queue
    from concurrent.futures import Future

    global _spawn_queue
    if _spawn_queue is None:
        _spawn_queue = queue.SimpleQueue()

        def serve(jobs: Any) -> None:
            while True:
                fn, future = jobs.get()
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)

        threading.Thread(target=serve, args=(_spawn_queue,), name="tutor-code-spawner", daemon=True).start()
    future: Future[Any] = Future()
    _spawn_queue.put((make, future))
    return future.result()


def _acquire(sandboxed: bool, unprivileged: bool, bwrap: str | None) -> _WarmParent:
    global _warm_parent
    key = (sandboxed, unprivileged, bwrap, os.environ.get(ENV_TAG, "")[:100])
    with _warm_lock:
        parent = _warm_parent
        if parent is None or parent.key != key or not parent.alive():
            if parent is not None:
                _retire(parent)
            parent = _spawn(lambda: _WarmParent(key, sandboxed, unprivileged, bwrap))
            _warm_parent = parent
        parent.active += 1
        return parent


def _retire(parent: _WarmParent) -> None:
    """No new runs for `parent`; it is stopped once its last run is over (now, if none).
    Called with `_warm_lock` held."""
    global _warm_parent
    parent.doomed = True
    if _warm_parent is parent:
        _warm_parent = None
    if parent.active == 0:
        parent.stop()


def _release(parent: _WarmParent) -> None:
    with _warm_lock:
        parent.active -= 1
        if parent.doomed and parent.active == 0:
            parent.stop()


def _forget_after_fork() -> None:
    """In a forked child (a `tutor check` worker): the warm parent and the spawning thread are
    the parent process's; this process starts its own when it needs them."""
    global _warm_lock, _warm_parent, _spawn_queue
    _warm_lock, _warm_parent, _spawn_queue = threading.Lock(), None, None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def warm_pids() -> set[int]:
    """Host pids of the warm parent's own processes (for tests that look for leftover runs)."""
    with _warm_lock:
        return _warm_parent.pids() if _warm_parent is not None else set()


def stop_warm() -> None:
    """Stop the warm parent now (it is started again on the next run)."""
    with _warm_lock:
        if _warm_parent is not None:
            _retire(_warm_parent)


class _WarmRun:
    """A run that is a child forked by a warm parent; `status` says its pid, then its exit."""

    def __init__(self, parent: _WarmParent, status: int, stdout: int, stderr: int) -> None:
        self.parent, self.status = parent, status
        self.stdout, self.stderr = stdout, stderr
        self.pid: int | None = None
        self.code: int | None = None
        self.ended = False  # the status descriptor is at its end
        self.buffer = b""

    def _read(self, timeout: float) -> None:
        """Read status lines until the exit is known, the parent is gone, or `timeout`."""
        import select

        deadline = time.monotonic() + timeout
        while not self.ended and self.code is None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.status], [], [], left)[0]:
                return
            chunk = os.read(self.status, 256)
            if not chunk:
                self.ended = True
                return
            self.buffer += chunk
            *lines, self.buffer = self.buffer.split(b"\n")
            for line in lines:
                word, _, number = line.partition(b" ")
                with contextlib.suppress(ValueError):
                    if word == b"pid":
                        self.pid = int(number)
                    elif word == b"exit":
                        self.code = int(number)

    def kill(self) -> None:
        """Kill the child, and retire its parent: a run that had to be stopped leaves nothing
        behind, not even a parent that saw it (the next run gets a fresh one)."""
        self._read(0.0)
        if self.pid is None:
            self._read(2.0)
        if self.pid is not None and self.code is None:
            with contextlib.suppress(OSError):
                self.parent.send(f"kill {self.pid}".encode("ascii"))
        with _warm_lock:
            if not self.parent.doomed:
                _retire(self.parent)
        self._read(5.0)

    def wait(self, timeout: float) -> int | None:
        self._read(timeout)
        if self.code is None and not self.ended:
            raise subprocess.TimeoutExpired("warm run", timeout)
        return self.code

    def close(self) -> None:
        for fd in (self.stdout, self.stderr):
            with contextlib.suppress(OSError):
                os.close(fd)


def _run_warm(
    request: dict[str, Any],
    wall_time: float,
    *,
    sandboxed: bool,
    unprivileged: bool = False,
    bwrap: str | None = None,
) -> Outcome | None:
    """A run forked by the warm parent; None when no warm parent can be had (run cold then)."""
    import json

    payload = json.dumps({**request, "path": [], "result_fd": runner.RESULT_FD}, allow_nan=False)
    for attempt in range(2):
        try:
            parent = _acquire(sandboxed, unprivileged, bwrap)
        except (OSError, ValueError, subprocess.SubprocessError):
            return None
        pipes = [os.pipe() for _ in range(4)]  # stdout, stderr, results, status
        (out_r, out_w), (err_r, err_w), (res_r, res_w), (st_r, st_w) = pipes
        try:
            # A file, so that writing the request never blocks; handed over read-only.
            with tempfile.NamedTemporaryFile() as request_file, open(request_file.name, "rb") as stdin:
                request_file.write(payload.encode("utf-8"))
                request_file.flush()
                parent.send(b"run", [stdin.fileno(), out_w, err_w, res_w, st_w])
        except OSError:
            for r, w in pipes:
                os.close(r)
                os.close(w)
            with _warm_lock:
                parent.active -= 1
                if not parent.doomed:
                    _retire(parent)
            if attempt:
                return None
            continue
        for fd in (out_w, err_w, res_w, st_w):
            os.close(fd)
        handle = _WarmRun(parent, st_r, out_r, err_r)
        outcome = Outcome()
        try:
            _collect(handle, res_r, wall_time, outcome, len(request.get("cases", ())))
        except BaseException:
            handle.kill()
            raise
        finally:
            os.close(st_r)
            _release(parent)
        if outcome.returncode is None and handle.ended and not outcome.frames and not attempt:
            continue  # the parent died before this run began: once more, with a new one
        return outcome
    return None


MAX_DEPTH = 8  # an honest frame nests four deep ({"value": {"data": [...]}})


def clean(value: Any, depth: int = 0, key: str = "") -> Any:
    """A frame's value with every string printable and cut to `MAX_STRING` (an array's bytes
    apart); ValueError when nested too deep."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deep")
    if isinstance(value, str):
        return value if key == "b64" else printable(value[:MAX_STRING])
    if isinstance(value, list):
        return [clean(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(clean(k, depth + 1)): clean(v, depth + 1, str(k)) for k, v in value.items()}
    return value


def parsed_size(value: Any) -> int:
    """About how many bytes `value` (a parsed frame) holds in this process: what is capped."""
    total = 0
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            total += 49 + len(item)
        elif isinstance(item, list):
            total += 56 + 8 * len(item)
            todo += item
        elif isinstance(item, dict):
            total += 64 + 32 * len(item)
            todo += item.keys()
            todo += item.values()
        else:
            total += 32
    return total


def _take_frames(pending: bytearray, outcome: Outcome, max_frames: int, parsed_cap: int) -> str | None:
    """Move each complete frame at the front of `pending` into `outcome`, one at a time (so
    that what was read and what is parsed never both hold a flood); what was wrong, or None.

    A frame is parsed only within its caps: its size, its `[` and `{`, and its values (commas),
    each a few bytes that would be tens once parsed; and all that was parsed from the run is
    counted against `parsed_cap`.
    """
    import json

    header = runner.FRAME_HEADER.size
    while len(pending) >= header:
        (size,) = runner.FRAME_HEADER.unpack_from(pending, 0)
        if size > MAX_FRAME:
            return f"a result of {size} bytes (at most {MAX_FRAME >> 20} MB)"
        if len(pending) < header + size:
            return None
        data = bytes(memoryview(pending)[header : header + size])
        del pending[: header + size]
        if data.count(b"[") + data.count(b"{") > MAX_CONTAINERS or data.count(b",") > MAX_ITEMS:
            return "a result that is not in the runner's format"
        try:
            frame = clean(json.loads(data.decode("utf-8")))
        except (ValueError, UnicodeDecodeError, RecursionError, MemoryError):
            return "a result that is not in the runner's format"
        del data
        if not isinstance(frame, dict) or not isinstance(frame.get("event"), str):
            return "a result that is not in the runner's format"
        outcome.parsed += parsed_size(frame)
        if outcome.parsed > parsed_cap:
            outcome.too_large = True
            return f"more than {parsed_cap >> 20} MB of results once read"
        outcome.frames.append(frame)
        if len(outcome.frames) > max_frames:
            return f"more than {max_frames} results"
    return None


# ---------------------------------------------------------------- is it there?

_status: tuple[str, Status] | None = None  # (the policy it was found under, what was found)
_status_lock = threading.Lock()


def _probe(unprivileged: bool, bwrap: str) -> Outcome:
    limits = {"cpu": 10, "memory_mb": 512}
    request = {"role": "probe", "source": "", "function": "", "cases": [], "limits": limits}
    return run(request, 30.0, sandboxed=True, unprivileged=unprivileged, bwrap=bwrap, warm=False)


def status(*, refresh: bool = False) -> Status:
    """Whether code answers run in the sandbox here; probed once (about 0.1 s) and remembered."""
    global _status
    with _status_lock:
        mode = policy()
        if _status is None or refresh or _status[0] != mode:
            _status = (mode, _detect())
        return _status[1]


def _detect() -> Status:
    mode = policy()
    if mode == "none":
        return Status(False, True, f"code answers run without the OS sandbox ({ENV_POLICY}=none)")
    if not sys.platform.startswith("linux"):
        why = "the OS sandbox (bubblewrap) exists only on Linux"
        return Status(False, mode != "required", why)
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        why = f"bubblewrap is not installed: {INSTALL_HINT}"
        return Status(False, mode != "required", why)
    attempts = [True, False] if _can_drop_to_nobody() else [False]
    problem = ""
    for unprivileged in attempts:
        outcome = _probe(unprivileged, bwrap)
        if outcome.first("start") is not None:
            who = "started as an unprivileged user" if unprivileged else "in a user namespace"
            return Status(True, True, f"code answers run in the bubblewrap sandbox ({who})", unprivileged)
        problem = (outcome.stderr.strip().splitlines() or ["no output"])[-1]
    # Never a quiet fallback: bubblewrap is here, so the sandbox was meant to be used, and
    # running code without it would hide a broken set-up (code answers are refused, and said).
    why = (
        f"bubblewrap is installed but cannot start a sandbox here ({problem[:200]}); "
        f"to run code answers without the OS sandbox anyway, set {ENV_POLICY}=none"
    )
    return Status(False, False, why)


def run_code(request: dict[str, Any], wall_time: float) -> Outcome | Status:
    """Run per the policy: the Outcome, or the Status saying why code cannot run here."""
    current = status()
    if not current.allowed:
        return current
    if current.sandboxed:
        return run(request, wall_time, sandboxed=True, unprivileged=current.unprivileged)
    return run(request, wall_time, sandboxed=False)
