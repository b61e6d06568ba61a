"""Grade a code question: run the learner's function and the reference, compare their outputs.

Neither source ever runs in this process. A cheap `ast` screen rejects what no answer needs
(imports other than numpy and math, underscore attributes, exec and friends) with a friendly
message; it is not the boundary. The boundary is the OS sandbox (`sandbox`): the reference and
the answer each run in their own bubblewrap sandbox (`_code_runner.py`) under CPU, memory and
file limits and a seccomp filter, killed at a wall-clock limit, and only their outputs, read
within size caps, meet here. Reference outputs are cached per variant.

Test inputs: the question's `edge_cases` first (the failure a learner sees should be the most
instructive one), then `trials` random draws. Outputs must have the reference's shape, NaN and
infinity in the same places, and values within the question's tolerance.
"""

from __future__ import annotations

import ast
import hashlib
import json
import signal
import threading
import warnings
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tutor.content.model import CodeQuestion, Tolerance
from tutor.grading import sandbox
from tutor.grading._code_runner import ALLOWED_MODULES, Opaque, Truncated, decode, encode
from tutor.grading.result import Result, invalid
from tutor.grading.sandbox import Outcome

DEFAULT_REL = 1e-6
DEFAULT_ABS = 1e-9
MAX_SOURCE = 20_000  # characters; an answer is a function, not a library
SHOW_ITEMS = 8  # longer arrays are shown as their first and last few values
REFERENCE_WALL = 20.0  # seconds; see grade_code
REFERENCE_CPU = 10.0

# Names an answer never needs and that open a way around the screen.
_BLOCKED_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "__import__",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "breakpoint",
    }
)
# Attributes of numpy (or of anything) that reach files, C code or the system.
_BLOCKED_ATTRS = frozenset(
    {
        "ctypeslib",
        "ctypes",
        "f2py",
        "lib",
        "testing",
        "distutils",
        "os",
        "sys",
        "subprocess",
        "builtins",
        "load",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "fromregex",
        "tofile",
        "dump",
        "dumps",
        "memmap",
        "DataSource",
    }
)


# ---------------------------------------------------------------- static screen


def _char_offset(source: str, line: int, col: int, col_in_bytes: bool) -> int:
    lines = source.splitlines(keepends=True)
    if not 0 < line <= len(lines):
        return len(source)
    start = sum(len(x) for x in lines[: line - 1])
    text = lines[line - 1]
    if col_in_bytes:  # ast columns count UTF-8 bytes
        col = len(text.encode("utf-8")[: max(col, 0)].decode("utf-8", "ignore"))
    return start + min(max(col, 0), len(text))


def _import_problem(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
        names: list[str] = []
    else:
        modules = ["." * node.level + (node.module or "")]
        names = [alias.name for alias in node.names if alias.name != "*"]
    for module in modules:
        parts = module.split(".")
        if parts[0] not in ALLOWED_MODULES:
            return f"only numpy and math may be imported (not `{module}`)"
        names = names + parts[1:]
    for name in names:
        if name.startswith("_") or name in _BLOCKED_ATTRS:
            return f"`{name}` is not allowed in answers"
    return None


def _node_problem(node: ast.AST) -> str | None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        return _import_problem(node)
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            return (
                f"`.{node.attr}` is not allowed: answers may not reach into Python's "
                "internals through underscore names"
            )
        if node.attr in _BLOCKED_ATTRS:
            return f"`.{node.attr}` is not allowed in answers (no files, system or C access)"
    if isinstance(node, ast.Name) and (node.id in _BLOCKED_NAMES or node.id.startswith("__")):
        return f"`{node.id}` is not allowed in answers"
    return None


def _defined_names(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names.extend(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
    return names


def screen(source: str, function: str) -> Result | None:
    """An `invalid` Result for source that must not (or cannot) run, else None."""
    if len(source) > MAX_SOURCE:
        return invalid(f"Your code is too long ({len(source)} characters; at most {MAX_SOURCE}).")
    try:
        tree = ast.parse(source, "<answer>")
        # some errors (`return` outside a function) only show when compiling; nothing runs here
        with warnings.catch_warnings():  # SyntaxWarnings would go to the app's stderr
            warnings.simplefilter("ignore")
            compile(tree, "<answer>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or 1
        position = _char_offset(source, line, (exc.offset or 1) - 1, col_in_bytes=False)
        return invalid(f"line {line}: {exc.msg}", position)
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return invalid(f"Your code cannot be read: {exc}")
    problems = []
    for node in ast.walk(tree):
        problem = _node_problem(node)
        if problem is not None:
            line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
            # `a.b.c` nodes all start at `a`: the one that ends first is read first.
            end = (getattr(node, "end_lineno", line), getattr(node, "end_col_offset", col))
            problems.append((line, col, end, problem))
    if problems:
        line, col, _, problem = min(problems)  # ast.walk is breadth-first: report the earliest
        return invalid(f"line {line}: {problem}", _char_offset(source, line, col, True))
    defined = _defined_names(tree)
    if function not in defined:
        others = [n for n in defined if n.lower() == function.lower()] or defined
        hint = (
            f"Your code defines `{others[0]}`; the function must be called `{function}`." if others else None
        )
        return invalid(f"Define a function named `{function}`: def {function}(…):", None, hint)
    return None


# ---------------------------------------------------------------- showing values


def _show_float(x: float, digits: int = 6) -> str:
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


def _show_item(x: Any, digits: int = 6) -> str:
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    return _show_float(float(x), digits)


def _show_array(a: Any, digits: int) -> str:
    if a.ndim == 0:
        return _show_item(a.item(), digits)
    n = a.shape[0]
    idx = list(range(n)) if n <= SHOW_ITEMS else [0, 1, 2, -1, n - 2, n - 1]
    parts = ["…" if i == -1 else _show_array(a[i], digits) for i in idx]
    return "[" + ", ".join(parts) + "]"


def show(value: Any, digits: int = 6) -> str:
    """A compact rendering of an argument or output for feedback; long arrays are shortened."""
    import numpy as np

    if isinstance(value, Truncated):
        return f"an array of shape {value.shape}"
    if isinstance(value, Opaque):
        return f"{value.text} (a {value.type})"
    if value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, np.ndarray):
        text = _show_array(value, digits)
        if any(n > SHOW_ITEMS for n in value.shape):
            size = f"{value.size} values" if value.ndim == 1 else f"shape {value.shape}"
            text += f" ({size})"
        return text
    if isinstance(value, int | float | bool | np.generic):
        return _show_item(value.item() if isinstance(value, np.generic) else value, digits)
    return repr(value)


def _pair(got: float, want: float) -> tuple[str, str]:
    """Two numbers shown with enough digits to see that they differ."""
    for digits in (6, 10, 14, 17):
        a, b = _show_float(got, digits), _show_float(want, digits)
        if a != b:
            break
    return a, b


def _inputs(case: list[tuple[str, Any]]) -> str:
    return ", ".join(f"{name} = {show(value)}" for name, value in case) or "no arguments"


def _text(value: Any, limit: int = 300) -> str:
    """A field of an error report, as text of at most `limit` characters, whatever it was."""
    text = value if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(error: Any) -> str:
    """'line 3: return np.where(...) — ValueError: operands could not be broadcast…'

    The report comes from the answer's own process, so every field is checked and cut here.
    """
    if not isinstance(error, dict):
        error = {}
    kind = _text(error.get("type"), 80) or "Error"
    message = _text(error.get("message")).rstrip(".")
    text = f"{kind}: {message}" if message else kind
    line = error.get("line")
    if isinstance(line, int) and not isinstance(line, bool) and 0 < line <= MAX_SOURCE:
        text = f"line {line}: {_text(error.get('text'))} — {text}"
    return text


# ---------------------------------------------------------------- comparing outputs


def rule_text(tol: Tolerance | None) -> str:
    if tol is None:
        return f"within rel {DEFAULT_REL:g} or abs {DEFAULT_ABS:g}"
    if tol.sigfigs is not None:
        return f"to {tol.sigfigs} significant figures"
    parts = []
    if tol.rel is not None:
        parts.append(f"rel {tol.rel:g}")
    if tol.abs is not None:
        parts.append(f"abs {tol.abs:g}")
    return "within " + " or ".join(parts)


def _close(got: Any, want: Any, tol: Tolerance | None) -> Any:
    """Elementwise: within tolerance, or the same NaN / infinity (same sign)."""
    import numpy as np

    with np.errstate(all="ignore"):
        diff = np.abs(got - want)
        scale = np.abs(want)
        if tol is not None and tol.sigfigs is not None:
            n = tol.sigfigs
            exponent = np.floor(np.log10(np.where(scale > 0, scale, 1.0)))
            half_unit = 0.5 * 10.0 ** (exponent - n + 1) * (1 + 1e-9)
            ok = diff <= np.where(scale > 0, half_unit, 10.0**-n)
        else:
            rel, abs_ = (DEFAULT_REL, DEFAULT_ABS) if tol is None else (tol.rel, tol.abs)
            ok = np.zeros(diff.shape, dtype=bool)
            if rel is not None:
                ok |= diff <= rel * scale
            if abs_ is not None:
                ok |= diff <= abs_
        special = ~(np.isfinite(got) & np.isfinite(want))
        same_special = (np.isnan(got) & np.isnan(want)) | (got == want)
    return np.where(special, same_special, ok)


def _numbers(value: Any) -> Any:
    """The value as a float array, or None if it is not numbers (None, a string, a dict…)."""
    import numpy as np

    if value is None or isinstance(value, str | Opaque | Truncated):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int of 4,000 digits
        return None


def _what(value: Any, arr: Any) -> str:
    if isinstance(value, Truncated):
        return f"an array of shape {value.shape}"
    if arr.ndim == 0:
        return f"a single number, {show(value)}"
    return f"an array of shape {arr.shape}: {show(value)}"


@dataclass(frozen=True)
class Mismatch:
    note: str
    feedback: tuple[str, ...]


def compare(got: Any, want: Any, inputs: str, tol: Tolerance | None) -> Mismatch | None:
    """None when `got` matches `want`; otherwise the note and the feedback to give."""
    import numpy as np

    want_arr = _numbers(want)
    if want_arr is None:  # a reference returning a string or None: compare exactly
        if got == want:
            return None
        return Mismatch(
            "wrong-output",
            (f"For {inputs} your function returned {show(got)}; expected {show(want)}.",),
        )
    if isinstance(got, Truncated):
        return Mismatch(
            "wrong-shape",
            (f"For {inputs} your function returned {_what(got, None)}; expected {_what(want, want_arr)}.",),
        )
    got_arr = _numbers(got)
    if got_arr is None:
        lines = [f"For {inputs} your function returned {show(got)}; expected {show(want)}."]
        if got is None:
            lines.append("Did you forget `return`?")
        return Mismatch("wrong-output", tuple(lines))
    if got_arr.shape != want_arr.shape:
        return Mismatch(
            "wrong-shape",
            (
                f"For {inputs} your function returned {_what(got, got_arr)}; "
                f"expected {_what(want, want_arr)}.",
            ),
        )
    ok = _close(got_arr, want_arr, tol)
    if bool(np.all(ok)):
        return None
    lines = [f"For {inputs} your function returned {show(got)}; expected {show(want)}."]
    if got_arr.ndim > 0 and got_arr.size > 1:
        index = tuple(int(i) for i in np.argwhere(~ok)[0])
        a, b = _pair(float(got_arr[index]), float(want_arr[index]))
        where = f"index {index[0]}" if len(index) == 1 else f"index {index}"
        lines.append(f"The first difference is at {where}: {a} instead of {b}.")
    elif got_arr.ndim == 0:
        a, b = _pair(float(got_arr), float(want_arr))
        if (a, b) != (show(got), show(want)):
            lines[0] = f"For {inputs} your function returned {a}; expected {b}."
    if bool(np.any(~np.isfinite(got_arr) & np.isfinite(want_arr))):
        lines.append(
            "Your function produced nan or inf where the expected values are finite: "
            "look for an overflow (exp of a large number) or a 0/0."
        )
    return Mismatch("wrong-output", tuple(lines))


# ---------------------------------------------------------------- the runs


def _stop_reason(run: Outcome) -> str:
    """Why a run ended before finishing: 'timeout', 'memory' or 'crash'."""
    if run.timed_out:
        return "timeout"
    cpu_signals = {getattr(signal, "SIGXCPU", None), getattr(signal, "SIGKILL", None)}
    if _signal(run) in cpu_signals:
        return "timeout"
    if "MemoryError" in run.stderr:
        return "memory"
    return "crash"


def _signal(run: Outcome) -> int | None:
    """The signal that ended the run; bubblewrap reports its child's as exit status 128 + n."""
    code = run.returncode
    if code is None:
        return None
    if code < 0:
        return -code
    return code - 128 if code > 128 else None


def _decoded(event: dict[str, Any]) -> Any:
    try:
        return decode(event["value"])
    except Exception:  # frames from an answer's process are untrusted: anything may be in them
        return Opaque("?", "an unreadable value")


# Reference outputs by (reference, function, inputs, limits): a retry of the same variant, or
# the next learner on it, runs only the answer.
_REFERENCE_CACHE: OrderedDict[str, list[Any] | Result] = OrderedDict()
_REFERENCE_CACHE_SIZE = 128
_cache_lock = threading.Lock()


def _cache_key(request: dict[str, Any]) -> str:
    text = json.dumps(request, sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- grading


def _cases(question: CodeQuestion, seed: int) -> list[list[tuple[str, Any]]]:
    """(name, value) lists in argument order: edge cases first, then the random trials."""
    import numpy as np

    from tutor.content.variants import draw_code_args

    names = list(question.args)
    cases: list[list[tuple[str, Any]]] = []
    for k, edge in enumerate(question.edge_cases, start=1):
        if set(edge) != set(names):
            raise ValueError(f"edge case {k} gives {sorted(edge)} but the arguments are {names}")
        cases.append(
            [(n, np.asarray(edge[n], dtype=float) if isinstance(edge[n], list) else edge[n]) for n in names]
        )
    for i in range(question.trials):
        drawn = draw_code_args(question, seed * 1000 + i)
        cases.append([(n, drawn[n]) for n in names])
    return cases


def _broken(why: str) -> Result:
    return Result(
        "undecided",
        0.0,
        notes=("broken-question",),
        feedback=(
            f"This question is broken: {why}. Your answer could not be graded.",
            "Authors: run `tutor check` to see the problem.",
        ),
    )


def unavailable(status: sandbox.Status) -> Result:
    """The result for a code answer on a host that refuses to run code without the sandbox."""
    return Result(
        "undecided",
        0.0,
        notes=("code-unavailable",),
        feedback=(
            f"Code answers are switched off here: {status.reason}.",
            "Your answer was not run and costs no try.",
        ),
    )


def _reference_outputs(
    question: CodeQuestion, cases: list[list[tuple[str, Any]]], limits: dict[str, Any], wall_time: float
) -> list[Any] | Result:
    """The reference's outputs on every case, from its own sandboxed run (or the cache)."""
    request = {
        "role": "reference",
        "source": question.reference,
        "function": question.function,
        "cases": [[encode(v) for _, v in case] for case in cases],
        "limits": limits,
    }
    key = _cache_key(request)
    with _cache_lock:
        if key in _REFERENCE_CACHE:
            _REFERENCE_CACHE.move_to_end(key)
            return _REFERENCE_CACHE[key]
    run = sandbox.run_code(request, wall_time)
    if isinstance(run, sandbox.Status):
        return unavailable(run)
    outputs = _read_reference(run, cases)
    if run.first("start") is None:
        return outputs  # the runner did not start: try again next time
    with _cache_lock:
        # a broken reference too: it is broken for this variant every time, and may be slow
        _REFERENCE_CACHE[key] = outputs
        while len(_REFERENCE_CACHE) > _REFERENCE_CACHE_SIZE:
            _REFERENCE_CACHE.popitem(last=False)
    return outputs


def _read_reference(run: Outcome, cases: list[list[tuple[str, Any]]]) -> list[Any] | Result:
    if run.first("start") is None:
        return _broken(f"the code runner did not start ({run.stderr.strip()[-300:] or 'no output'})")
    if run.protocol_error:
        return _broken(f"its reference solution sent {run.protocol_error}")
    ref_error = run.first("ref-error")
    if ref_error is not None:
        return _broken(f"its reference solution does not load ({_describe(ref_error.get('error', {}))})")
    refs = run.by_case("ref")
    wants: list[Any] = []
    for i, case in enumerate(cases):
        event = refs.get(i)
        if event is None:
            return _broken(f"its reference solution stopped ({_stop_reason(run)}) for {_inputs(case)}")
        if "error" in event:
            return _broken(
                f"its reference solution fails for {_inputs(case)}: {_describe(event.get('error', {}))}"
            )
        want = _decoded(event)
        if isinstance(want, Opaque | Truncated):
            return _broken(f"its reference solution returns {show(want)}, which cannot be compared")
        if isinstance(want, int) and not isinstance(want, bool) and abs(want) > 2**1023:
            return _broken(
                f"its reference solution returns an integer too large to compare ({_inputs(case)})"
            )
        wants.append(want)
    return wants


def reference_not_a_number(question: CodeQuestion, seed: int) -> str | None:
    """Why the reference's outputs on this seed's inputs cannot be a key, when one is NaN (any
    answer returning NaN there would match it); None otherwise, and when it cannot run (the
    grading self-test says why)."""
    import numpy as np

    if not sandbox.status().allowed:
        return None
    try:
        cases = _cases(question, seed)
    except ValueError:
        return None
    wants = _reference_outputs(question, cases, {"cpu": REFERENCE_CPU, "memory_mb": 512}, REFERENCE_WALL)
    if isinstance(wants, Result):
        return None
    for case, want in zip(cases, wants, strict=True):
        arr = _numbers(want)
        if arr is not None and bool(np.any(np.isnan(arr))):
            return (
                f"the reference returns nan for {_inputs(case)}: any answer returning nan there "
                "matches it (keep the inputs where it is defined, or fix the reference)"
            )
    return None


def grade_code(
    question: CodeQuestion,
    source: str,
    seed: int,
    *,
    wall_time: float = 5.0,
    cpu_time: float = 3.0,
    memory_mb: int = 512,
) -> Result:
    """Grade the learner's `source` (defining `question.function`) against the reference.

    The reference and the answer run in two separate sandboxed processes, at the same time;
    only their outputs meet, here.
    """
    rejected = screen(source, question.function)
    if rejected is not None:
        return rejected
    status = sandbox.status()
    if not status.allowed:
        return unavailable(status)
    try:
        cases = _cases(question, seed)
    except ValueError as exc:  # includes VariantError from a broken `args` draw
        return _broken(f"its test inputs cannot be made ({exc})")

    limits = {"cpu": cpu_time, "memory_mb": memory_mb}
    request = {
        "role": "answer",
        "source": source,
        "function": question.function,
        "cases": [[encode(v) for _, v in case] for case in cases],
        "limits": limits,
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The author's reference gets a generous clock of its own: a busy machine must not make a
        # good question look broken. It runs beside the answer, so this rarely adds any time.
        ref_limits = {"cpu": max(cpu_time, REFERENCE_CPU), "memory_mb": memory_mb}
        reference = pool.submit(
            _reference_outputs, question, cases, ref_limits, max(wall_time, REFERENCE_WALL)
        )
        run = sandbox.run_code(request, wall_time)
        wants = reference.result()
    if isinstance(wants, Result):
        return wants
    if isinstance(run, sandbox.Status):
        return unavailable(run)

    n = len(cases)
    tol = question.tolerance
    details: dict[str, Any] = {"cases": n}
    time_limit = f"limit {wall_time:g} s, {cpu_time:g} s of CPU"
    memory_limit = f"limit {memory_mb} MB"

    if run.first("start") is None and not (run.timed_out or run.protocol_error):
        return _broken(f"the code runner did not start ({run.stderr.strip()[-300:] or 'no output'})")
    if run.too_large:
        return Result(
            "incorrect",
            0.0,
            notes=("too-large",),
            feedback=(
                f"Your function's outputs are far larger than expected ({run.protocol_error} over "
                f"{len(cases)} test inputs): check the shape of what it returns.",
            ),
            details={"cases": len(cases)},
        )
    if run.protocol_error:
        return invalid(
            f"Your code's results could not be read: it sent {run.protocol_error}. "
            "Return the value from your function; do not write to files or descriptors."
        )

    def fail(note: str, *feedback: str, case: int | None = None, rule: str | None = None) -> Result:
        more = {"failed_case": case} if case is not None else {}
        return Result(
            "incorrect",
            0.0,
            notes=(note,),
            feedback=feedback,
            rule=rule,
            details={**details, **more},
        )

    def stopped(prefix: str, case: int | None) -> Result:
        reason = _stop_reason(run)
        if reason == "timeout":
            details["stopped_by"] = "wall" if run.timed_out else "cpu"
            return fail(
                "timeout",
                f"{prefix} took too long ({time_limit}): probably an infinite loop, "
                "or a Python loop over a huge array.",
                case=case,
                rule=time_limit,
            )
        if reason == "memory":
            return fail(
                "memory",
                f"{prefix} needed more memory than the {memory_mb} MB allowed.",
                case=case,
                rule=memory_limit,
            )
        number = _signal(run)
        how = f"signal {number}" if number is not None else f"exit status {run.returncode}"
        return fail("crash", f"{prefix} crashed the Python process running it ({how}).", case=case)

    answer_error = run.first("answer-error")
    if answer_error is not None:
        error = answer_error.get("error") or {}
        note = "memory" if isinstance(error, dict) and error.get("memory") else "exception"
        return fail(
            note,
            f"Your code raised an error before `{question.function}` could be called: {_describe(error)}.",
        )
    if run.first("answer-loaded") is None:
        return stopped(f"Your code, before `{question.function}` was even called,", None)

    outs = run.by_case("out")
    rule = rule_text(tol)
    for i, case in enumerate(cases):
        inputs = _inputs(case)
        event = outs.get(i)
        if event is None:
            return stopped(f"For {inputs} your function", i)
        warning = event.get("warning")
        if "error" in event:
            error = event["error"] if isinstance(event["error"], dict) else {}
            lines = [f"For {inputs} your function raised an error: {_describe(error)}."]
            if error.get("memory"):
                lines[0] = (
                    f"For {inputs} your function needed more memory than the {memory_mb} MB "
                    f"allowed: {_describe(error)}."
                )
                return fail("memory", *lines, case=i, rule=memory_limit)
            if error.get("type") == "TypeError" and not error.get("line"):
                names = ", ".join(name for name, _ in case)
                lines.append(f"It is called as {question.function}({names}).")
            return fail("exception", *lines, case=i)
        try:
            mismatch = compare(_decoded(event), wants[i], inputs, tol)
        except Exception:  # an output no honest run produces (forged frames)
            mismatch = Mismatch("wrong-output", (f"For {inputs} your function's output could not be read.",))
        if mismatch is not None:
            lines = list(mismatch.feedback)
            if isinstance(warning, str) and warning:
                lines.append(f"NumPy warned: {warning[:300]}.")
            return fail(mismatch.note, *lines, case=i, rule=rule)
    return Result(
        "correct",
        1.0,
        rule=f"matched the reference on {n} inputs ({rule})",
        details=details,
    )
