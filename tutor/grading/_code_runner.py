"""Run one side of a code question (the reference, or a learner's answer) on test inputs.

`tutor.grading.code` starts this file as a script inside the OS sandbox (`tutor.grading.sandbox`:
bubblewrap, with only the Python runtime and numpy visible); it is the only place in the project
where a learner's or an author's source is exec'ed. The parent imports this module only for
its codec (`encode`, `decode`) and its frame format, which run nothing.

The reference and the answer never share a process: each gets its own sandboxed run, and the
parent compares their outputs. Whatever an answer does inside its own process (walk frames,
forge results) it can only report its own outputs, never see the reference's.

Protocol: one JSON request on stdin, `{role, source, function, cases, limits, path}`; results
as frames on file descriptor 3 (a 4-byte big-endian length, then that many bytes of JSON),
written at once so that a child killed for time or memory still tells the parent how far it
got. stdout and stderr are only diagnostics, and the parent reads a capped amount of them.

    role "reference":  start · ref {case, value|error} … · done   (or ref-error)
    role "answer":     start · answer-loaded | answer-error · out {case, value|error, warning} … · done
    role "probe":      start

After its imports the runner seals itself: resource limits, then (Linux x86-64) a seccomp
filter that allows only what computing needs (an allow-list): no new processes or threads, no
programs, sockets, shared memory, mounts, file writes, signals to other processes or changes
to limits. Inside bubblewrap that is a second wall;
without it (`TUTOR_CODE_SANDBOX=none`, or no bubblewrap installed) it is the main one.
"""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import copy
import importlib
import json
import math
import os
import struct
import sys
import warnings
from dataclasses import dataclass
from typing import Any

ALLOWED_MODULES = frozenset({"numpy", "math"})
MAX_ELEMENTS = 100_000  # a larger output is sent as its shape and first values only
HEAD = 10
MAX_TEXT = 300
FILE_LIMIT = 1 << 20  # bytes; answers have no business writing files
RESULT_FD = 3
FRAME_HEADER = struct.Struct(">I")

# numpy submodules loaded on first attribute access; an answer that uses one gets it loaded
# before the seal makes loading impossible.
_LAZY_NUMPY = ("random", "fft", "polynomial", "ma", "char", "strings", "rec")

# Builtins an answer never needs; the parent's static screen rejects most of them by name,
# this is the second layer (friendly, not the boundary).
_DENIED_BUILTINS = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "breakpoint",
        "input",
        "help",
        "exit",
        "quit",
        "copyright",
        "credits",
        "license",
        "memoryview",
        "__loader__",
        "__spec__",
    }
)


# ---------------------------------------------------------------- codec (shared with the parent)


@dataclass(frozen=True)
class Opaque:
    """A value that is neither a number, an array, a string nor None (a dict, a function…)."""

    type: str
    text: str


@dataclass(frozen=True)
class Truncated:
    """An array too large to send whole: its shape and its first values."""

    shape: tuple[int, ...]
    head: list[float]


_WIRE = {"bool": "|b1", "int": "<i8", "float": "<f8"}


def _num(x: float) -> float | str:
    # Strict JSON has no NaN or Infinity: send them as 'nan', 'inf', '-inf'.
    return x if math.isfinite(x) else repr(x)


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _opaque(value: Any) -> dict[str, Any]:
    try:
        text = repr(value)
    except Exception:  # a learner's own __repr__ may raise
        text = "?"
    return {"t": "other", "type": type(value).__name__, "text": _short(text)}


def _encode_array(a: Any, original: Any) -> dict[str, Any]:
    import numpy as np

    if a.dtype.kind == "c":
        if np.any(a.imag):
            return _opaque(original)
        a = a.real
    if a.dtype.kind not in "biuf":
        try:
            a = a.astype(float)
        except (TypeError, ValueError):
            return _opaque(original)
    if a.dtype.kind == "u":
        a = a.astype(float)  # an unsigned 64-bit value may not fit a signed one
    dtype = {"b": "bool", "i": "int", "f": "float"}[a.dtype.kind]
    out: dict[str, Any] = {"t": "array", "dtype": dtype, "shape": list(a.shape)}
    flat = a.ravel()
    if a.size > MAX_ELEMENTS:
        out["truncated"] = True
        out["data"] = [_num(float(x)) for x in flat[:HEAD]]
        return out
    # Raw little-endian bytes in base64: 8 bytes a value once decoded, whatever the JSON held,
    # so the parent's memory follows the byte count it caps.
    raw = np.ascontiguousarray(flat, dtype=_WIRE[dtype]).tobytes()
    out["b64"] = base64.b64encode(raw).decode("ascii")
    return out


def encode(value: Any) -> dict[str, Any]:
    """A JSON-safe, tagged form of an argument or a return value."""
    import numpy as np

    if value is None:
        return {"t": "none"}
    if isinstance(value, bool | np.bool_):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, int | np.integer):
        return {"t": "int", "v": int(value)}
    if isinstance(value, float | np.floating):
        return {"t": "float", "v": _num(float(value))}
    if isinstance(value, complex | np.complexfloating):
        return encode(float(value.real)) if value.imag == 0 else _opaque(value)
    if isinstance(value, str):
        return {"t": "str", "v": _short(value)}
    if isinstance(value, np.ndarray):
        return _encode_array(value, value)
    if isinstance(value, list | tuple):
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):  # ragged
            return _opaque(value)
        if arr.dtype.kind in "biufc":
            return _encode_array(arr, value)
    return _opaque(value)


def decode(obj: dict[str, Any]) -> Any:
    import numpy as np

    t = obj["t"]
    if t == "none":
        return None
    if t == "bool":
        return bool(obj["v"])
    if t == "int":
        return int(obj["v"])
    if t == "float":
        return float(obj["v"])  # float('nan'), float('-inf') read the explicit forms
    if t == "str":
        return str(obj["v"])
    if t == "array":
        shape = tuple(int(n) for n in obj["shape"])
        if len(shape) > 32 or any(n < 0 for n in shape):
            raise ValueError("not an array's shape")
        if obj.get("truncated"):
            return Truncated(shape, [float(x) for x in obj["data"]][:HEAD])
        raw = base64.b64decode(obj["b64"], validate=True)
        values = np.frombuffer(raw, dtype=_WIRE[obj["dtype"]])
        if values.size != math.prod(shape):
            raise ValueError("an array whose values do not fill its shape")
        return values.reshape(shape).copy()
    return Opaque(str(obj.get("type", "?")), str(obj.get("text", "?")))


# ---------------------------------------------------------------- seccomp (Linux x86-64)

# An allow-list: what a Python process computing with numpy needs once its imports are done,
# and nothing else (a deny-list always misses the next syscall a kernel adds). Numbers are for
# x86-64 (arch/x86/entry/syscalls/syscall_64.tbl). Other architectures get no filter:
# bubblewrap's namespaces and the resource limits still hold there.
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000  # O_WRONLY O_RDWR O_CREAT O_TRUNC O_APPEND
_EPERM, _EACCES, _ENOTTY, _ENOSYS = 1, 13, 25, 38
_ALLOW_X86_64 = {
    "read": 0, "write": 1, "close": 3, "stat": 4, "fstat": 5, "lstat": 6, "poll": 7, "lseek": 8,
    "mmap": 9, "mprotect": 10, "munmap": 11, "brk": 12, "rt_sigaction": 13,
    "rt_sigprocmask": 14, "rt_sigreturn": 15, "pread64": 17, "readv": 19, "writev": 20,
    "access": 21, "pipe": 22, "select": 23, "sched_yield": 24, "mremap": 25, "msync": 26,
    "mincore": 27, "madvise": 28, "dup": 32, "dup2": 33, "pause": 34, "nanosleep": 35,
    "getitimer": 36, "alarm": 37, "setitimer": 38, "getpid": 39, "exit": 60, "wait4": 61,
    "uname": 63, "getdents": 78, "getcwd": 79, "chdir": 80, "fchdir": 81, "readlink": 89,
    "umask": 95, "gettimeofday": 96, "getrlimit": 97, "getrusage": 98, "sysinfo": 99,
    "times": 100, "getuid": 102, "getgid": 104, "geteuid": 107, "getegid": 108, "getppid": 110,
    "getpgrp": 111, "getgroups": 115, "getresuid": 118, "getresgid": 120, "getpgid": 121,
    "getsid": 124, "capget": 125, "rt_sigpending": 127, "rt_sigtimedwait": 128,
    "rt_sigsuspend": 130, "sigaltstack": 131, "statfs": 137, "fstatfs": 138, "getpriority": 140,
    "sched_getparam": 143, "sched_getscheduler": 145, "sched_get_priority_max": 146,
    "sched_get_priority_min": 147, "sched_rr_get_interval": 148, "arch_prctl": 158,
    "gettid": 186, "time": 201, "futex": 202, "sched_getaffinity": 204, "getdents64": 217,
    "set_tid_address": 218, "restart_syscall": 219, "fadvise64": 221, "clock_gettime": 228,
    "clock_getres": 229, "clock_nanosleep": 230, "exit_group": 231, "epoll_wait": 232,
    "epoll_ctl": 233, "newfstatat": 262, "readlinkat": 267, "faccessat": 269, "pselect6": 270,
    "ppoll": 271, "set_robust_list": 273, "get_robust_list": 274, "epoll_pwait": 281,
    "epoll_create1": 291, "dup3": 292, "pipe2": 293, "getcpu": 309, "getrandom": 318,
    "statx": 332, "rseq": 334, "close_range": 436, "faccessat2": 439, "epoll_pwait2": 441,
}  # fmt: skip
# fcntl commands that reach other processes (F_SETOWN and F_SETSIG send signals on I/O) or
# other files (leases, directory notifications).
_FCNTL_DENIED = (8, 10, 15, 1024, 1026)
# ioctl: asking about a terminal or a descriptor's flags, nothing that changes a file.
_IOCTL_ALLOWED = (0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451)


def seccomp_program(pid: int) -> bytes | None:
    """The classic-BPF seccomp filter the runner installs on itself, or None off x86-64 Linux.

    Everything not allowed fails with EPERM; no new process or thread, no program, no socket,
    no file opened for writing, no signal to another process. `pid` is the runner's own pid:
    it may still signal itself (Python's `signal.raise_signal`), nothing else.
    """
    import platform

    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "AMD64"):
        return None
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000

    def errno(e: int) -> int:
        return 0x00050000 | e

    prog: list[tuple[int, int, int, int]] = []

    def op(code: int, jt: int, jf: int, k: int) -> None:
        prog.append((code, jt, jf, k))

    def one_of(values: tuple[int, ...], hit: int, miss: int) -> None:
        """With A loaded: return `hit` if A is one of `values`, else `miss`."""
        for i, value in enumerate(values):
            op(jeq, len(values) - i, 0, value)  # to the `hit` return
        op(ret, 0, 0, miss)
        op(ret, 0, 0, hit)

    arg = [16 + 8 * i for i in range(6)]  # offsetof(struct seccomp_data, args[i]), low half
    op(ld, 0, 0, 4)  # arch: a 32-bit or foreign-ABI syscall ends the process
    op(jeq, 1, 0, _AUDIT_ARCH_X86_64)
    op(ret, 0, 0, kill)
    op(ld, 0, 0, 0)  # syscall number
    op(jge, 0, 1, _X32_BIT)  # the x32 ABI: another table, another way around the list
    op(ret, 0, 0, errno(_EPERM))
    for nr in (435, 437):  # clone3 and openat2: "not here", so that glibc falls back or gives up
        op(jeq, 0, 1, nr)
        op(ret, 0, 0, errno(_ENOSYS))
    # open(path, flags) and openat(dir, path, flags): reading only
    for nr, flags in ((2, arg[1]), (257, arg[2])):
        op(jeq, 0, 4, nr)
        op(ld, 0, 0, flags)
        op(jset, 0, 1, _WRITE_FLAGS)
        op(ret, 0, 0, errno(_EACCES))
        op(ret, 0, 0, allow)
    # kill(pid, sig) and tgkill(tgid, tid, sig): only this process
    for nr in (62, 234):
        op(jeq, 0, 4, nr)
        op(ld, 0, 0, arg[0])
        op(jeq, 0, 1, pid)
        op(ret, 0, 0, allow)
        op(ret, 0, 0, errno(_EPERM))
    # prlimit64(pid, resource, new, old): reading a limit (new == NULL) only
    op(jeq, 0, 6, 302)
    op(ld, 0, 0, arg[2])
    op(jeq, 0, 3, 0)
    op(ld, 0, 0, arg[2] + 4)
    op(jeq, 0, 1, 0)
    op(ret, 0, 0, allow)
    op(ret, 0, 0, errno(_EPERM))
    # fcntl(fd, cmd, ...): all but the commands that reach beyond this process
    op(jeq, 0, len(_FCNTL_DENIED) + 3, 72)
    op(ld, 0, 0, arg[1])
    one_of(_FCNTL_DENIED, errno(_EPERM), allow)
    # ioctl(fd, request, ...): a few harmless questions only
    op(jeq, 0, len(_IOCTL_ALLOWED) + 3, 16)
    op(ld, 0, 0, arg[1])
    one_of(_IOCTL_ALLOWED, allow, errno(_ENOTTY))
    allowed = sorted(_ALLOW_X86_64.values())
    op(ld, 0, 0, 0)
    one_of(tuple(allowed), allow, errno(_EPERM))
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


def drop_capabilities() -> None:
    """Give up every Linux capability (a root app's runner without bubblewrap has them all),
    before the filter, which then refuses to take any back. Best effort, like the limits."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        class _Header(ctypes.Structure):
            _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

        class _Data(ctypes.Structure):
            _fields_ = (
                ("effective", ctypes.c_uint32),
                ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32),
            )

        libc = ctypes.CDLL(None, use_errno=True)
        ulong = ctypes.c_ulong
        for cap in range(64):  # PR_CAPBSET_DROP: none can come back through a program either
            libc.prctl(24, ulong(cap), ulong(0), ulong(0), ulong(0))
        libc.prctl(47, ulong(4), ulong(0), ulong(0), ulong(0))  # PR_CAP_AMBIENT_CLEAR_ALL
        header = _Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
        libc.capset(ctypes.byref(header), (_Data * 2)())
    except (OSError, AttributeError, ImportError):
        pass


def install_seccomp() -> bool:
    """Install the filter on this process (and any thread it starts); False where not possible."""
    program = seccomp_program(os.getpid())
    if program is None:
        return False
    try:
        import ctypes

        class _Fprog(ctypes.Structure):
            _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))

        buffer = ctypes.create_string_buffer(program, len(program))
        fprog = _Fprog(len(program) // 8, ctypes.addressof(buffer))
        libc = ctypes.CDLL(None, use_errno=True)
        ulong = ctypes.c_ulong
        # PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with SECCOMP_MODE_FILTER
        if libc.prctl(38, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
            return False
        return bool(libc.prctl(22, ulong(2), ctypes.byref(fprog), ulong(0), ulong(0)) == 0)
    except (OSError, AttributeError, ImportError):
        return False


# ---------------------------------------------------------------- the child


class _Sink:
    """Stands in for stdout so a learner's print() cannot corrupt the protocol."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _guarded_import(
    name: str,
    globals: Any = None,
    locals: Any = None,
    fromlist: Any = (),
    level: int = 0,
) -> Any:
    if level != 0 or name.split(".")[0] not in ALLOWED_MODULES:
        raise ImportError(f"only numpy and math may be imported, not {name}")
    return builtins.__import__(name, globals, locals, fromlist, level)


def _answer_builtins() -> dict[str, Any]:
    safe = {k: v for k, v in vars(builtins).items() if k not in _DENIED_BUILTINS}
    safe["__import__"] = _guarded_import
    return safe


def _lower(resource: Any, which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit, never above the hard limit the child inherited (that would fail)."""
    hard = soft if hard is None else hard
    _, old_hard = resource.getrlimit(which)
    if old_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, old_hard), min(hard, old_hard)
    with contextlib.suppress(ValueError, OSError):  # best effort: the wall clock still guards
        resource.setrlimit(which, (soft, hard))


def _set_limits(limits: dict[str, Any]) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: only the parent's wall-clock timeout applies
        return
    cpu = max(1, math.ceil(float(limits["cpu"])))
    # Soft limit: SIGXCPU ends the process; the hard limit one second later is SIGKILL.
    _lower(resource, resource.RLIMIT_CPU, cpu, cpu + 1)
    _lower(resource, resource.RLIMIT_AS, int(limits["memory_mb"]) << 20)
    _lower(resource, resource.RLIMIT_FSIZE, FILE_LIMIT)
    _lower(resource, resource.RLIMIT_CORE, 0)


def _seal() -> None:
    """After every import: no new files, sockets, processes or threads."""
    try:
        import resource
    except ImportError:
        return
    # A few descriptors beyond stdio and the result pipe: numpy loads some submodules on first
    # use (np.unique reads numpy.ma), and the seccomp filter lets them be opened for reading only.
    _lower(resource, resource.RLIMIT_NOFILE, 32)
    if hasattr(resource, "RLIMIT_NPROC"):
        _lower(resource, resource.RLIMIT_NPROC, 0)  # ignored for root: seccomp refuses fork there


def _preload(source: str) -> None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                used.update(alias.name.split("."))
    for name in _LAZY_NUMPY:
        if name in used:
            with contextlib.suppress(ImportError):
                importlib.import_module("numpy." + name)


def _error(exc: BaseException, filename: str, source: str) -> dict[str, Any]:
    """Type, message, and the innermost line of `filename` (learner or reference) it passed."""
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    lines = source.splitlines()
    text = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else None
    try:
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    except Exception:
        message = ""
    return {
        "type": type(exc).__name__,
        "message": _short(message),
        "line": line,
        "text": _short(text) if text else None,
        "memory": isinstance(exc, MemoryError),
    }


def _warning(caught: list[warnings.WarningMessage], filename: str) -> str | None:
    if not caught:
        return None
    w = caught[0]
    text = _short(f"{w.category.__name__}: {w.message}")
    return f"line {w.lineno}: {text}" if w.filename == filename else text


def _call(fn: Any, args: list[Any], filename: str, source: str) -> dict[str, Any]:
    """Call `fn` on fresh copies of the arguments (an answer may change its inputs in place)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(*copy.deepcopy(args))
        except BaseException as exc:  # SystemExit and MemoryError are answers' faults too
            return {"error": _error(exc, filename, source), "warning": _warning(caught, filename)}
    try:
        return {"value": encode(value), "warning": _warning(caught, filename)}
    except BaseException as exc:
        return {"error": _error(exc, filename, source)}


def _load(source: str, filename: str, namespace: dict[str, Any], function: str) -> Any:
    exec(compile(source, filename, "exec"), namespace)
    fn = namespace.get(function)
    if not callable(fn):
        raise TypeError(f"`{function}` is not defined as a function")
    return fn


def read_frames(data: bytes, max_containers: int | None = None) -> tuple[list[Any], bytes]:
    """Split complete frames off `data`: (decoded JSON values, the unfinished rest).

    With `max_containers`, a frame holding more `[` and `{` than that is a ValueError before it
    is decoded: a few bytes each, they would be objects of many times their size once read.
    """
    frames: list[Any] = []
    view = memoryview(data)
    pos = 0
    while len(view) - pos >= FRAME_HEADER.size:
        (size,) = FRAME_HEADER.unpack_from(view, pos)
        end = pos + FRAME_HEADER.size + size
        if end > len(view):
            break
        frame = bytes(view[pos + FRAME_HEADER.size : end])
        if max_containers is not None and frame.count(b"[") + frame.count(b"{") > max_containers:
            raise ValueError("a frame of too many lists and mappings")
        frames.append(json.loads(frame.decode("utf-8")))
        pos = end
    return frames, bytes(view[pos:])


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    if request.get("role") == "warm":
        _warm(request)
        return
    _run(request)


def _run(request: dict[str, Any]) -> None:
    """One run: the reference, an answer or a probe, sealed before any of its source runs."""
    # The parent passes its end of the result pipe under whatever number it had; move it to 3.
    given = int(request["result_fd"])
    if given != RESULT_FD:
        os.dup2(given, RESULT_FD)
        os.close(given)
    results = os.fdopen(RESULT_FD, "wb", buffering=0)

    def emit(event: str, **fields: Any) -> None:
        data = json.dumps({"event": event, **fields}, allow_nan=False, separators=(",", ":"))
        payload = data.encode("ascii")
        results.write(FRAME_HEADER.pack(len(payload)) + payload)

    # -I -S hide every site folder; the parent says where numpy lives (and only it is there).
    sys.path.extend(p for p in request.get("path", []) if p not in sys.path)
    import numpy  # noqa: F401  (loaded before the limits, and before any source can)

    sys.stdout = _Sink()
    _set_limits(request["limits"])
    role: str = request["role"]
    function: str = request["function"]
    source: str = request["source"]
    _preload(source)
    _seal()
    drop_capabilities()
    sealed = install_seccomp()
    emit("start", seccomp=sealed, uid=os.getuid() if hasattr(os, "getuid") else None)
    if role == "probe":
        return

    cases = [[decode(v) for v in case] for case in request["cases"]]
    if role == "reference":
        try:
            ref_fn = _load(source, "<reference>", {"__name__": "reference"}, function)
        except BaseException as exc:
            emit("ref-error", error=_error(exc, "<reference>", source))
            return
        for i, args in enumerate(cases):
            result = _call(ref_fn, args, "<reference>", source)
            emit("ref", case=i, **result)
            if "error" in result:
                return
        emit("done")
        return

    namespace = {"__builtins__": _answer_builtins(), "__name__": "answer"}
    try:
        fn = _load(source, "<answer>", namespace, function)
    except BaseException as exc:
        emit("answer-error", error=_error(exc, "<answer>", source))
        return
    emit("answer-loaded")
    for i, args in enumerate(cases):
        result = _call(fn, args, "<answer>", source)
        emit("out", case=i, **result)
        if "error" in result:
            return  # this case fails whatever comes after
    emit("done")


# ---------------------------------------------------------------- the warm parent

# `role: warm` makes this process a warm parent: it imports numpy once, inside the same sandbox
# a run gets, and then forks one child per run on request. It never reads a request's source:
# each child reads its own request from its own descriptors after the fork, then seals itself
# exactly as a fresh run does, so nothing passes from one answer to the next. Control messages
# (SOCK_SEQPACKET): b"run" with five descriptors (request, stdout, stderr, results, status), or
# b"kill <pid>". On the status descriptor the parent writes "pid <n>" after the fork and
# "exit <code>" when the child has been reaped.
WARM_FDS = 5
_PR_SET_PDEATHSIG = 1


def _warm(request: dict[str, Any]) -> None:
    import ctypes  # noqa: F401  (the children's capability drop and filter use it: loaded once here)
    import select
    import signal
    import socket

    sys.path.extend(p for p in request.get("path", []) if p not in sys.path)
    import numpy  # noqa: F401  (only what a fresh run imports: its heap is what an answer walks)

    control = socket.socket(fileno=int(request["control_fd"]))
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    children: dict[int, int] = {}  # pid -> its status descriptor
    me = os.getpid()

    def report(fd: int, line: str) -> None:
        with contextlib.suppress(OSError):
            os.write(fd, line.encode("ascii") + b"\n")

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = children.pop(pid, None)
            if fd is not None:
                report(fd, f"exit {os.waitstatus_to_exitcode(status)}")
                os.close(fd)

    try:
        while True:
            ready, _, _ = select.select([control, wake_r], [], [])
            if wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(wake_r, 4096)
                reap()
            if control not in ready:
                continue
            msg, ancdata, _, _ = control.recvmsg(64, socket.CMSG_SPACE(WARM_FDS * 4))
            if not msg:
                return  # the app closed its end: it is gone, or done with us
            fds: list[int] = []
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    usable = len(data) - len(data) % 4
                    fds += list(struct.unpack(f"{usable // 4}i", data[:usable]))
            if msg == b"run" and len(fds) == WARM_FDS:
                pid = os.fork()
                if pid == 0:
                    _child(fds, me)  # never returns
                children[pid] = fds[4]
                report(fds[4], f"pid {pid}")
                for fd in fds[:4]:
                    os.close(fd)
                reap()  # a child that ended at once
                continue
            for fd in fds:
                os.close(fd)
            if msg.startswith(b"kill "):
                with contextlib.suppress(ValueError, OSError):
                    pid = int(msg[5:])
                    if pid in children:  # only our own, not yet reaped: its pid cannot be reused
                        os.kill(pid, signal.SIGKILL)
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _child(fds: list[int], parent: int) -> None:
    """In a fresh fork of the warm parent: take this run's descriptors as 0-3, then run it."""
    import fcntl
    import signal

    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds[:4]]
        for target, fd in enumerate(high):
            os.dup2(fd, target)
        os.closerange(4, 1 << 16)  # the control socket, the status pipe, every other run's
        import ctypes

        libc, ulong = ctypes.CDLL(None, use_errno=True), ctypes.c_ulong
        libc.prctl(_PR_SET_PDEATHSIG, ulong(9), ulong(0), ulong(0), ulong(0))
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)
        if "numpy.random" in sys.modules:  # a fresh global RandomState, as a fresh process has
            sys.modules["numpy.random"].seed()
        chunks = []
        while chunk := os.read(0, 1 << 16):
            chunks.append(chunk)
        request = json.loads(b"".join(chunks).decode("utf-8"))
        request["result_fd"] = RESULT_FD
        _run(request)
        code = 0
    except BaseException:  # what a fresh interpreter would print for an uncaught exception
        with contextlib.suppress(BaseException):
            import traceback

            traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
