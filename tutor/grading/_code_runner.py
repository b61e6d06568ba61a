"""Run a code question's reference and a learner's function on test inputs, in a child process.

`tutor.grading.code` starts this file as a script (`python -I -B _code_runner.py`); it is the
only place in the project where a learner's source is exec'ed. The parent imports this module
only for its codec (`encode`, `decode`), which runs nothing.

Protocol: one JSON request on stdin, `{source, reference, function, cases, limits, path}`;
one JSON event per line on stdout, flushed at once, so that a child killed for time or memory
still tells the parent how far it got:

    start · ref {case, value|error} … · ref-error · answer-loaded | answer-error
    · out {case, value|error, warning} … · done

All reference outputs are computed before the learner's code is exec'ed, so an answer that
patches numpy (`np.mean = …`) cannot change what it is compared with. Imports: standard
library, numpy and math only.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import importlib
import json
import math
import sys
import warnings
from dataclasses import dataclass
from typing import Any

ALLOWED_MODULES = frozenset({"numpy", "math"})
MAX_ELEMENTS = 1_000_000  # a larger output is sent as its shape and first values only
HEAD = 10
MAX_TEXT = 300
FILE_LIMIT = 1 << 20  # bytes; answers have no business writing files

# numpy submodules loaded on first attribute access; an answer that uses one gets it loaded
# before the file-descriptor limit makes loading impossible.
_LAZY_NUMPY = ("random", "fft", "polynomial", "ma", "char", "strings", "rec")

# Builtins an answer never needs; the parent's static screen rejects most of them by name,
# this is the second layer.
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
    dtype = {"b": "bool", "i": "int", "u": "int", "f": "float"}[a.dtype.kind]
    out: dict[str, Any] = {"t": "array", "dtype": dtype, "shape": list(a.shape)}
    flat = a.ravel()
    if a.size > MAX_ELEMENTS:
        out["truncated"] = True
        flat = flat[:HEAD]
    data = flat.tolist()
    if dtype == "float":
        data = [_num(x) for x in data]
    out["data"] = data
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
        if obj.get("truncated"):
            return Truncated(shape, [float(x) for x in obj["data"]])
        dtype = {"bool": bool, "int": np.int64, "float": float}[obj["dtype"]]
        data = [float(x) for x in obj["data"]] if obj["dtype"] == "float" else obj["data"]
        return np.array(data, dtype=dtype).reshape(shape)
    return Opaque(str(obj.get("type", "?")), str(obj.get("text", "?")))


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
    _lower(resource, resource.RLIMIT_NOFILE, 3)  # stdin, stdout, stderr stay open
    if hasattr(resource, "RLIMIT_NPROC"):
        _lower(resource, resource.RLIMIT_NPROC, 0)  # ignored for root, still worth setting


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


def main() -> None:
    out = sys.stdout.buffer

    def emit(event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, **fields}, allow_nan=False, separators=(",", ":"))
        out.write(line.encode("ascii") + b"\n")
        out.flush()

    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    # -I hides the user site; the parent says where its numpy lives.
    sys.path.extend(p for p in request.get("path", []) if p not in sys.path)
    import numpy  # noqa: F401  (loaded before the limits, and before the answer can)

    sys.stdout = _Sink()
    _set_limits(request["limits"])
    emit("start")

    function: str = request["function"]
    reference: str = request["reference"]
    source: str = request["source"]
    try:
        ref_fn = _load(reference, "<reference>", {"__name__": "reference"}, function)
    except BaseException as exc:
        emit("ref-error", error=_error(exc, "<reference>", reference))
        return
    _preload(source)
    _seal()

    cases = [[decode(v) for v in case] for case in request["cases"]]
    for i, args in enumerate(cases):
        result = _call(ref_fn, args, "<reference>", reference)
        emit("ref", case=i, **result)
        if "error" in result:
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


if __name__ == "__main__":
    main()
