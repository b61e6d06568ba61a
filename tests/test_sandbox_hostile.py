"""Hostile code answers: whatever an answer does, it stays inside its sandbox.

Every payload here first escapes the friendly layers (the AST screen and the trimmed builtins)
by walking frames from a generator, from a traceback caught in a `match` pattern, or from a
numpy frame, and so holds the real `os` and `builtins`: the tests assert that the OS boundary
holds anyway. They run in each way the app can run code:

- `bwrap`: bubblewrap started by this (root or not) process, code as uid 65534 inside;
- `bwrap-nobody`: bubblewrap itself started as uid 65534 (needs the Python runtime readable by
  everyone, which a pyenv Python under /root is not);
- `plain`: no bubblewrap (`TUTOR_CODE_SANDBOX=none`), only the runner's limits and seccomp
  filter: it must still stop processes, writes, sockets and signals, but not reads, which is
  why `tutor serve` refuses to run code without bubblewrap.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.model import CodeQuestion
from tutor.grading import sandbox
from tutor.grading.code import grade_code

# What every escape ends with: from a frame, or a module's globals, to the real `os`.
_TO_OS = """
    def _modules(g):
        imp = g["importlib"].import_module
        return imp("os"), imp("builtins"), imp

    def _from_frame(frame):
        while frame is not None and "importlib" not in frame.f_globals:
            frame = frame.f_back
        return _modules(frame.f_globals)
"""

ESCAPES = {
    # generator frames: gi_frame and f_back carry no underscore
    "generator": """
        def _escape():
            def gen():
                yield me.gi_frame.f_back
            me = gen()
            return _from_frame(next(me))
    """,
    # a traceback read through a class pattern's keyword (not an attribute node)
    "match-traceback": """
        def _escape():
            try:
                1 / 0
            except Exception as exc:
                match exc:
                    case ZeroDivisionError(__traceback__=tb):
                        return _from_frame(tb.tb_frame)
    """,
    # the runner's own module, found from the class hierarchy through match patterns
    "match-subclasses": """
        def _escape():
            match ():
                case object(__class__=t):
                    pass
            match t:
                case object(__base__=base):
                    pass
            match base:
                case object(__subclasses__=subs):
                    pass
            for cls in subs():
                match cls:
                    case object(__init__=init):
                        pass
                match init:
                    case object(__globals__=g) if "importlib" in g and "sys" in g:
                        return _modules(g)
            raise RuntimeError("no escape")
    """,
}


def escape_source(name: str) -> str:
    """Source defining `_escape()`, which returns the real (os, builtins, import_module)."""
    return textwrap.dedent(_TO_OS) + textwrap.dedent(ESCAPES[name])


MODES = ("bwrap", "bwrap-nobody", "plain")


def _use(monkeypatch: pytest.MonkeyPatch, mode: str) -> sandbox.Status:
    """Make grading run in `mode`, or skip with the reason it cannot here."""
    if mode == "plain":
        monkeypatch.setenv(sandbox.ENV_POLICY, "none")
        return sandbox.status(refresh=True)
    monkeypatch.setenv(sandbox.ENV_POLICY, "auto")
    found = sandbox.status(refresh=True)
    if not found.sandboxed:
        pytest.skip(f"no working bubblewrap here: {found.reason}")
    if mode == "bwrap-nobody":
        if not sandbox._can_drop_to_nobody():
            # Only root can start bubblewrap as another user, and only with a runtime uid 65534 can
            # read: a pyenv Python under /root is not; a system Python (/usr/bin/python3) is.
            if os.geteuid() != 0:
                pytest.skip("bubblewrap is started as uid 65534 only by root")
            pytest.skip(f"the Python runtime is not readable by uid 65534 ({sandbox.unreadable_runtime()})")
        forced = sandbox.Status(True, True, "forced for a test", unprivileged=True)
    else:
        forced = sandbox.Status(True, True, "forced for a test", unprivileged=False)
    monkeypatch.setattr(sandbox, "_status", (sandbox.policy(), forced))
    return forced


@pytest.fixture(autouse=True)
def _fresh_status(monkeypatch: pytest.MonkeyPatch) -> Any:
    # Runs started by this test run carry this tag, so other runs on the machine are not counted.
    monkeypatch.setenv(sandbox.ENV_TAG, TAG)
    yield
    sandbox.status(refresh=True)


TAG = f"hostile-tests-{os.getpid()}"


def run_f(source: str, wall_time: float) -> sandbox.Outcome:
    """Run `source`'s f(1.5) as an answer is run, in the current mode."""
    request = {
        "role": "answer",
        "source": source,
        "function": "f",
        "cases": [[{"t": "float", "v": 1.5}]],
        "limits": {"cpu": 5, "memory_mb": 512},
    }
    outcome = sandbox.run_code(request, wall_time)
    assert isinstance(outcome, sandbox.Outcome)
    return outcome


def attack(payload: str, escape: str = "generator", wall_time: float = 20.0) -> str:
    """Run `payload` as the body of f(x), after an escape; what f returned, or its error."""
    source = escape_source(escape) + "\ndef f(x):\n    os, B, imp = _escape()\n"
    source += textwrap.indent(textwrap.dedent(payload).strip(), "    ") + "\n"
    outcome = run_f(source, wall_time)
    out = outcome.by_case("out").get(0)
    if out is None:
        return f"stopped: rc={outcome.returncode} {outcome.protocol_error or ''} {outcome.stderr[-300:]}"
    if "error" in out:
        return f"error: {out['error'].get('type')}: {out['error'].get('message')}"
    return str(out["value"].get("v"))


def _ours(entry: Path) -> bool:
    """True for a process started by a run of this test session (it carries our tag)."""
    try:
        return f"{sandbox.ENV_TAG}={TAG}".encode() in (entry / "environ").read_bytes()
    except OSError:
        return False


def _runner_processes() -> list[str]:
    """Command lines of any runner (or child of one) of ours still alive on this machine."""
    left = []
    warm = sandbox.warm_pids()  # the warm parent and its sandbox stay up by design; its children must not
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not _ours(entry) or int(entry.name) in warm:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and ("runner.py" in cmdline or "sleep-marker" in cmdline):
            left.append(cmdline)
    return left


def _sleeping_runner() -> bool:
    """True when a runner process is blocked in a sleep (the kernel's view, not a timer's)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not _ours(entry):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            wchan = (entry / "wchan").read_text()
        except OSError:
            continue
        if b"runner.py" in cmdline and b"bwrap" not in cmdline and "nanosleep" in wchan:
            return True
    return False


def test_every_escape_reaches_os_so_the_boundary_is_what_is_tested(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "plain")
    for escape in ESCAPES:
        assert attack("return os.name", escape) == "posix", escape


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("escape", list(ESCAPES))
@pytest.mark.parametrize("mode", ["bwrap", "bwrap-nobody"])
def test_no_host_file_can_be_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str, escape: str
) -> None:
    _use(monkeypatch, mode)
    canary = tmp_path / "secret.txt"
    canary.write_text("CANARY-7f3e")
    monkeypatch.setenv("TUTOR_TEST_SECRET", "ENV-CANARY-91ab")
    course_file = next((builtin_course_root() / "questions").glob("*.yaml"))
    for target in (canary, course_file, Path(sandbox.__file__), Path("/etc/passwd")):
        got = attack(
            f"""
            try:
                os.close(0)
                with B.open({str(target)!r}) as fh:
                    return "read:" + fh.read(200)
            except Exception as exc:
                return "blocked:" + type(exc).__name__
            """,
            escape,
        )
        assert got.startswith("blocked:"), (target, got)
    # the parent's environment, through /proc
    got = attack(
        """
        os.close(0)
        found = []
        for path in ("/proc/1/environ", f"/proc/{os.getppid()}/environ", "/proc/self/environ"):
            try:
                with B.open(path, "rb") as fh:
                    found.append(fh.read().decode("latin-1"))
            except Exception as exc:
                found.append(type(exc).__name__)
        return " ".join(found) + " " + " ".join(os.environ)
        """,
        escape,
    )
    assert "CANARY" not in got and "TUTOR_TEST_SECRET" not in got, got


@pytest.mark.parametrize("mode", MODES)
def test_nothing_is_written_outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str) -> None:
    _use(monkeypatch, mode)
    site = Path(sandbox._numpy_dirs()[0]).parent
    targets = [tmp_path / "pwned.txt", site / "zz_pwned.pth", Path("/tmp/tutor-pwned.txt")]
    for target in targets:
        for how in (
            f"B.open({str(target)!r}, 'w').write('import os')",
            f"os.close(os.open({str(target)!r}, os.O_CREAT | os.O_WRONLY, 0o644))",
            f"os.mkdir({str(target)!r})",
            f"os.symlink('/etc/passwd', {str(target)!r})",
        ):
            got = attack(
                f"""
                os.close(0)
                try:
                    {how}
                    return "wrote"
                except Exception as exc:
                    return "blocked:" + type(exc).__name__
                """
            )
            assert got.startswith("blocked:"), (how, got)
            assert not target.exists() and not target.is_symlink(), (how, target)
    # deleting or renaming a file the app owns
    victim = tmp_path / "keep.txt"
    victim.write_text("mine")
    for how in (f"os.unlink({str(victim)!r})", f"os.rename({str(victim)!r}, {str(victim)!r} + '.x')"):
        got = attack(
            f"try:\n    {how}\n    return 'done'\nexcept Exception as exc:\n    return 'blocked:' + repr(exc)"
        )
        assert got.startswith("blocked:"), got
    assert victim.read_text() == "mine"


# ---------------------------------------------------------------- processes and signals


@pytest.mark.parametrize("mode", MODES)
def test_no_process_is_started_and_nothing_outlives_the_grade(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _use(monkeypatch, mode)
    for how in (
        "os.fork()",
        "os.execv('/bin/sleep', ['sleep', '1000'])",
        "os.posix_spawn('/bin/sleep', ['sleep-marker', '1000'], {})",
        "assert os.system('sleep 1000') == 0",  # -1 when it cannot fork
        "os.setsid()",
        "imp('subprocess').Popen(['sleep', '1000'])",
    ):
        got = attack(
            f"try:\n    {how}\n    return 'ran'\nexcept BaseException as exc:\n    return 'blocked:' + type(exc).__name__"
        )
        assert got.startswith("blocked:") or got.startswith("error:"), (how, got)
    # a fork bomb, and threads, bounded; nothing left behind
    got = attack(
        """
        n = 0
        for _ in range(200):
            try:
                if os.fork() == 0:
                    while True:
                        pass
                n += 1
            except OSError:
                pass
        return str(n)
        """
    )
    assert got == "0", got
    assert _runner_processes() == []


def test_a_sandboxed_run_is_killed_with_everything_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even past the seccomp filter's refusal: the wall-clock kill ends the whole sandbox."""
    _use(monkeypatch, "bwrap")
    got = attack("while True:\n    pass", wall_time=3.0)
    assert got.startswith("stopped:"), got
    assert _runner_processes() == []


@pytest.mark.parametrize("mode", MODES)
def test_the_parent_cannot_be_signalled(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _use(monkeypatch, mode)
    me = os.getpid()
    # signal 0 asks only "may I?": a failure of the boundary does not take the test run down
    for target in (me, os.getppid(), 1):
        got = attack(
            f"try:\n    os.kill({target}, 0)\n    return 'could'\nexcept OSError as exc:\n    return 'blocked:' + type(exc).__name__"
        )
        assert got.startswith("blocked:"), (target, got)
    if mode != "plain":  # in its own pid namespace even a real kill reaches only itself
        for how in ("os.kill(os.getppid(), 9)", "os.kill(-1, 9)", f"os.kill({me}, 9)"):
            attack(f"try:\n    {how}\nexcept OSError:\n    pass\nreturn 'alive'")
    assert os.getpid() == me  # still here


# ---------------------------------------------------------------- network


@pytest.mark.parametrize("mode", MODES)
def test_no_connection_is_made(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _use(monkeypatch, mode)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        got = attack(
            f"""
            s = imp("socket")
            try:
                c = s.create_connection(("127.0.0.1", {port}), timeout=2)
                return "connected"
            except BaseException as exc:
                return "blocked:" + type(exc).__name__
            """
        )
        assert got.startswith("blocked:") or got.startswith("error:"), got
        with pytest.raises(BlockingIOError):
            listener.accept()


# ---------------------------------------------------------------- the grade itself


@pytest.fixture
def mse() -> CodeQuestion:
    course = load_course(builtin_course_root())
    question = course.questions["mse-code"].question
    assert isinstance(question, CodeQuestion)
    return question


def _answer(payload: str, escape: str = "generator") -> str:
    body = textwrap.indent(textwrap.dedent(payload).strip(), "    ")
    return escape_source(escape) + f"\ndef mse(y, yhat):\n    os, B, imp = _escape()\n{body}\n"


@pytest.mark.parametrize("mode", MODES)
def test_the_grade_cannot_be_forged(monkeypatch: pytest.MonkeyPatch, mode: str, mse: CodeQuestion) -> None:
    _use(monkeypatch, mode)
    forgeries = {
        # results in the old protocol, printed to stdout
        "stdout": """
            imp("sys").__stdout__.write('{"event":"out","case":0,"value":{"t":"float","v":0}}\\n')
            return -1.0
        """,
        # frames on the result pipe: every case 'matched', then done, then exit
        "frames": """
            w = imp("json")
            for i in range(200):
                data = B.getattr(w, "dumps")({"event": "out", "case": i, "value": {"t": "float", "v": 0.5}}).encode()
                os.write(3, len(data).to_bytes(4, "big") + data)
            data = b'{"event":"done"}'
            os.write(3, len(data).to_bytes(4, "big") + data)
            B.getattr(os, "_" + "exit")(0)
        """,
        # the reference function, looked for in every frame and every live object
        "reference": """
            gc = imp("gc")
            for obj in gc.get_objects():
                if callable(obj) and B.getattr(obj, "__module__", None) == "reference":
                    return obj(y, yhat)
            frame = imp("sys")._getframe()
            while frame is not None:
                if frame.f_globals.get("__name__") == "reference":
                    return frame.f_globals["mse"](y, yhat)
                frame = frame.f_back
            return -1.0
        """,
        "garbage": """
            os.write(3, b"\\xff\\xff\\xff\\xffnot a frame")
            return -1.0
        """,
    }
    for name, payload in forgeries.items():
        result = grade_code(mse, _answer(payload), 3)
        assert result.verdict != "correct", (name, result)


@pytest.mark.parametrize("mode", MODES)
def test_the_reference_source_is_not_in_the_answer_process(
    monkeypatch: pytest.MonkeyPatch, mode: str, mse: CodeQuestion
) -> None:
    _use(monkeypatch, mode)
    marker = "REFERENCE-MARKER-5c1d"
    question = mse.model_copy(update={"reference": mse.reference + f"\n_MARK = {marker!r}\n"})
    payload = f"""
        gc = imp("gc")
        wanted = "".join([{marker[:10]!r}, {marker[10:]!r}])  # never whole in the answer itself
        for obj in gc.get_objects():
            try:
                if wanted in B.repr(obj):
                    return 1e9
            except Exception:
                pass
        return float(((y - yhat) ** 2).mean())
    """
    # the search reprs every object: generous caps, so that a busy machine cannot time it out
    result = grade_code(question, _answer(payload), 2, wall_time=60.0, cpu_time=30.0)
    assert result.verdict == "correct", result  # the search found nothing, so the honest value went back


def test_a_course_file_cannot_reach_the_app_either(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mse: CodeQuestion
) -> None:
    """The reference is an author's code, untrusted once courses are shared: it is sandboxed too."""
    _use(monkeypatch, "bwrap")
    target = tmp_path / "from-reference.txt"
    escape = escape_source("generator")
    reference = escape + textwrap.dedent(
        f"""
        os, B, imp = _escape()
        try:
            B.open({str(target)!r}, "w").write("x")
        except Exception:
            pass

        def mse(y, yhat):
            return ((y - yhat) ** 2).mean()
        """
    )
    question = mse.model_copy(update={"reference": reference})
    result = grade_code(question, "def mse(y, yhat):\n    return ((y - yhat) ** 2).mean()", 4)
    assert result.verdict == "correct"
    assert not target.exists()


# ---------------------------------------------------------------- memory of the app


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_floods_of_output_do_not_reach_the_app(
    monkeypatch: pytest.MonkeyPatch, mode: str, mse: CodeQuestion
) -> None:
    _use(monkeypatch, mode)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    floods = (
        # 150 MB to stdout and to stderr
        """
            chunk = b"x" * (1 << 20)
            for _ in range(150):
                os.write(1, chunk)
                os.write(2, chunk)
            return -1.0
        """,
        # a 60 MB exception message, from __del__, in a loop (printed to stderr as unraisable)
        """
            class Boom:
                def __del__(self):
                    raise ValueError("m" * 60_000_000)
            for _ in range(3):
                Boom()
            return -1.0
        """,
        # a result frame that says it is 3 GB long
        """
            os.write(3, (3 << 30).to_bytes(4, "big") + b"{")
            return -1.0
        """,
        # millions of tiny frames
        """
            frame = (2).to_bytes(4, "big") + b"{}"
            os.write(3, frame * 1_300_000)
            return -1.0
        """,
        # lists of empty lists: a few bytes each on the wire, many times that once decoded
        """
            body = b'{"event":"x","v":[' + b"[[]]," * 800_000 + b'[]]}'
            os.write(3, len(body).to_bytes(4, "big") + body)
            os.write(3, len(body).to_bytes(4, "big") + body)
            return -1.0
        """,
        # an error report with megabytes in every field
        """
            w = imp("json")
            error = {"type": "T" * 3_000_000, "message": "m" * 1_000_000, "line": 10**300, "text": "x" * 1_000_000}
            data = B.getattr(w, "dumps")({"event": "out", "case": 0, "error": error}).encode()
            os.write(3, len(data).to_bytes(4, "big") + data)
            os.pause()
        """,
        # an honest-looking answer with a huge output array
        """
            np = imp("numpy")
            return np.zeros(50_000_000)
        """,
    )
    for payload in floods:
        result = grade_code(mse, _answer(payload), 1)
        assert result.verdict in ("incorrect", "invalid"), result
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 100, f"the app grew by {grown_mib:.0f} MiB"


# ---------------------------------------------------------------- who runs it


def test_code_runs_as_an_unprivileged_user_with_nothing_else_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "bwrap")
    got = attack(
        """
        os.close(0)
        names = sorted(os.listdir("/"))
        mods = []
        for name in ("tutor", "yaml", "sympy", "textual", "pydantic"):
            try:
                imp(name)
                mods.append(name)
            except ImportError:
                pass
        # the thread settings are ours; Python adds LC_CTYPE (locale coercion), bwrap PWD
        ours = ("_THREADS", "LC_CTYPE", "PWD", "TUTOR_RUN_TAG")
        env = sorted(k for k in os.environ if not k.endswith(ours))
        return "|".join([str(os.getuid()), str(os.getgid()), ",".join(names), ",".join(mods), ",".join(env)])
        """
    )
    uid, gid, names, modules, env = got.split("|")
    assert (uid, gid) == ("65534", "65534"), got
    assert "proc" not in names.split(",") and "home" not in names.split(","), names  # no host /proc
    assert modules == "", f"importable beside numpy: {modules}"
    assert env == "", f"environment leaked in: {env}"


def test_serving_without_a_sandbox_refuses_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mse: CodeQuestion
) -> None:
    monkeypatch.setenv(sandbox.ENV_POLICY, "required")
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap to be found
    status = sandbox.status(refresh=True)
    assert not status.allowed and "bubblewrap" in status.reason
    result = grade_code(mse, "def mse(y, yhat):\n    return ((y - yhat) ** 2).mean()", 1)
    assert result.verdict == "undecided" and "code-unavailable" in result.notes
    assert "bubblewrap" in " ".join(result.feedback)


def test_an_unknown_policy_is_read_as_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.ENV_POLICY, "off-please")
    assert sandbox.policy() == "required"


def test_the_local_app_without_bubblewrap_still_grades_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mse: CodeQuestion
) -> None:
    monkeypatch.setenv(sandbox.ENV_POLICY, "auto")
    monkeypatch.setenv("PATH", str(tmp_path))
    status = sandbox.status(refresh=True)
    assert status.allowed and not status.sandboxed and "bubblewrap is not installed" in status.reason
    result = grade_code(mse, "def mse(y, yhat):\n    return ((y - yhat) ** 2).mean()", 1)
    assert result.verdict == "correct", result


def test_python_executable_is_what_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox runs this very interpreter, so answers see the numpy the app was tested with."""
    _use(monkeypatch, "bwrap")
    got = attack(
        'np = imp("numpy")\nreturn np.__version__ + " " + ".".join(map(str, imp("sys").version_info[:2]))'
    )
    import numpy

    assert got == f"{numpy.__version__} {sys.version_info[0]}.{sys.version_info[1]}"


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_runs_die_with_an_app_killed_by_sigkill(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str
) -> None:
    """An answer that sleeps (no CPU, so no CPU limit) must not outlive an app that is killed."""
    import signal
    import subprocess
    import time

    _use(monkeypatch, mode)
    if mode == "bwrap":
        monkeypatch.setenv(sandbox.ENV_POLICY, "required")
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
            from tests.test_sandbox_hostile import attack
            from tutor.grading import sandbox
            print("grading", sandbox.status().sandboxed, flush=True)
            attack("imp('time').sleep(3600)  # sleep-marker", wall_time=3600)
            """
        )
    )
    app = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        assert app.stdout.readline().split() == ["grading", str(mode == "bwrap")]
        for _ in range(6000):  # until the answer is asleep inside the run (polling, not timing)
            if _sleeping_runner():
                break
            time.sleep(0.01)
        assert _sleeping_runner(), "the answer never went to sleep"
        app.send_signal(signal.SIGKILL)
        app.wait()
        for _ in range(3000):
            if not _runner_processes():
                break
            time.sleep(0.01)
        assert _runner_processes() == []
    finally:
        if app.poll() is None:
            app.kill()


# ---------------------------------------------------------------- raw system calls


def _syscall(body: str) -> str:
    """A payload that makes raw system calls with ctypes; returns 'result errno' per call."""
    return f"""
        ct = imp("ctypes")
        libc = ct.CDLL(None, use_errno=True)
        libc.syscall.restype = ct.c_long
        out = []
        def call(*args):
            ct.set_errno(0)
            r = libc.syscall(*args)
            out.append(f"{{r}}:{{ct.get_errno()}}")
        {body}
        return " ".join(out)
    """


@pytest.mark.parametrize("mode", MODES)
def test_raw_syscalls_beyond_computing_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str
) -> None:
    """Calls a deny-list missed once (found by an adversarial review), made directly with
    ctypes: every one fails, and the host shows no trace of them."""
    _use(monkeypatch, mode)
    target = tmp_path / "victim.txt"
    target.write_text("x")
    target.chmod(0o644)
    path = str(target).encode()
    hostname = socket.gethostname().encode()
    calls = [
        f"call(452, -100, {path!r}, 0o666, 0)",  # fchmodat2
        f"call(268, -100, {path!r}, 0o666)",  # fchmodat
        f"call(188, {path!r}, b'user.x', b'1', 1, 0)",  # setxattr
        f"call(188, {path!r}, b'system.posix_acl_access', b'\\x02\\x00\\x00\\x00', 4, 0)",
        f"call(428, -100, {str(tmp_path).encode()!r}, 1)",  # open_tree
        "call(430, b'tmpfs', 0)",  # fsopen
        "call(163, None)",  # acct
        f"call(170, {hostname!r}, {len(hostname)})",  # sethostname, to the name it has
        "call(141, 0, os.getppid(), 19)",  # setpriority on the parent
        "call(29, 0, 4096, 0o1600)",  # shmget(IPC_PRIVATE, …, IPC_CREAT | 0600)
        "call(68, 0, 0o1600)",  # msgget
        "call(240, b'/q', 0o100, 0o600, None)",  # mq_open(O_CREAT)
        "call(72, 1, 8, os.getppid())",  # fcntl(F_SETOWN, parent): signals by I/O
        "call(72, 1, 10, 9)",  # fcntl(F_SETSIG, SIGKILL)
        "call(16, 1, 0x40086602, 0)",  # ioctl(FS_IOC_SETFLAGS)
        "call(56, 0x11, 0, 0, 0, 0)",  # clone(SIGCHLD): a process
        "call(56, 0x50f00, 0, 0, 0, 0)",  # clone(CLONE_VM|CLONE_THREAD|…): a thread
        "call(435, 0, 0)",  # clone3
        "call(101, 16, os.getppid(), 0, 0)",  # ptrace(PTRACE_ATTACH, parent)
        "call(310, os.getppid(), 0, 0, 0, 0, 0)",  # process_vm_readv
        "call(425, 8, 0)",  # io_uring_setup
        "call(321, 0, 0, 0)",  # bpf
    ]
    got = attack(_syscall("\n        ".join(calls)))
    results = got.split()
    assert len(results) == len(calls), got
    for call, result in zip(calls, results, strict=True):
        value, errno = result.split(":")
        assert value == "-1" and errno != "0", (call, result)
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert socket.gethostname().encode() == hostname


@pytest.mark.parametrize("mode", MODES)
def test_honest_numpy_work_runs_under_the_filter(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """The allow-list is tight, not crippling: a right answer using much of numpy still runs."""
    _use(monkeypatch, mode)
    source = textwrap.dedent(
        """
        import math
        import numpy as np

        def f(x):
            a = np.arange(12.0).reshape(3, 4)
            r = np.random.default_rng(0).normal(size=(4, 4))
            np.random.default_rng().random(3)  # seeded from the OS
            s = np.linalg.solve(r @ r.T + 4 * np.eye(4), np.ones(4))
            e = np.linalg.eigvalsh(r @ r.T)
            ff = np.fft.fft(np.ones(8))
            p = np.polynomial.Polynomial([1, 2, 3])(2.0)
            u = np.unique(np.array([3, 1, 3]))  # loads numpy.ma on first use
            ein = np.einsum("ij,ij->", a, a)
            text = np.array2string(a) + repr(np.float64(1 / 3)) + f"{math.pi:.3f}"
            big = np.zeros(5_000_000).sum()
            with np.errstate(all="ignore"):
                np.log(np.array([0.0, -1.0]))
            try:
                {}["missing"]
            except KeyError:
                pass
            return float(s.sum() + e.sum() + ff.real.sum() + p + u.sum() + ein + len(text) + big) + x
        """
    )
    outcome = run_f(source, 60)
    out = outcome.by_case("out").get(0)
    assert out is not None and "value" in out, (out, outcome.stderr)


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_hostile_frames_and_messages_give_a_result_never_a_crash(
    monkeypatch: pytest.MonkeyPatch, mode: str, mse: CodeQuestion
) -> None:
    _use(monkeypatch, mode)
    cases = {
        # a frame nested 100,000 deep: the JSON reader would recurse out of its stack
        "deep": """
            data = b'{"event":"out","case":0,"value":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
            os.write(3, len(data).to_bytes(4, "big") + data)
            return -1.0
        """,
        # a message with a lone surrogate: no terminal or web page can encode it
        "surrogate": """
            raise ValueError("bad \\ud800 value")
        """,
        # terminal escape sequences in what the learner sees
        "escapes": """
            raise ValueError("\\x1b]0;pwned\\x07\\x1b[2J gone")
        """,
    }
    for name, payload in cases.items():
        result = grade_code(mse, _answer(payload), 1)
        assert result.verdict in ("incorrect", "invalid"), (name, result)
        text = " ".join(result.feedback)
        text.encode("utf-8")  # printable everywhere: no lone surrogates
        assert "\x1b" not in text and "\x07" not in text, (name, text)


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)")
def test_an_installed_bubblewrap_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where bubblewrap is installed, the sandbox must start: a probe that fails (for instance a
    virtual environment under /tmp hidden by the sandbox's own /tmp) would otherwise only show
    as skipped tests."""
    monkeypatch.setenv(sandbox.ENV_POLICY, "auto")
    status = sandbox.status(refresh=True)
    assert status.sandboxed, status.reason


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_a_forged_error_report_is_cut_to_size(
    monkeypatch: pytest.MonkeyPatch, mode: str, mse: CodeQuestion
) -> None:
    _use(monkeypatch, mode)
    payload = """
        w = imp("json")
        error = {"type": "T" * 100_000, "message": "m" * 100_000, "line": {"a": 1}, "text": "x" * 100_000}
        data = B.getattr(w, "dumps")({"event": "out", "case": 0, "error": error}).encode()
        os.write(3, len(data).to_bytes(4, "big") + data)
        os.pause()
    """
    result = grade_code(mse, _answer(payload), 1)
    assert result.verdict == "incorrect"
    assert max(len(line) for line in result.feedback) < 1000, [len(line) for line in result.feedback]
    assert "{'a': 1}" not in " ".join(result.feedback)


def test_a_large_honest_output_is_a_wrong_shape_not_a_protocol_error(mse: CodeQuestion) -> None:
    # an outer product where a mean was asked: 90,000 values on each of the 22 inputs
    question = mse.model_copy(update={"args": {**mse.args}})
    source = "def mse(y, yhat):\n    import numpy as np\n    return np.ones((300, 300))"
    result = grade_code(question, source, 1)
    assert result.verdict == "incorrect" and result.notes == ("wrong-shape",), result
    assert "do not write to files" not in " ".join(result.feedback)


@pytest.mark.parametrize("mode", ["bwrap", "plain"])
def test_the_runner_has_no_capabilities_and_a_read_only_request(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    _use(monkeypatch, mode)
    got = attack(
        """
        os.close(1)
        status = B.open("/proc/self/status").read() if "proc" in os.listdir("/") else "CapEff: 0 CapBnd: 0"
        caps = status.split("CapEff:")[1].split()[0] + " " + status.split("CapBnd:")[1].split()[0]
        try:
            os.write(0, b"x")
            wrote = "wrote"
        except OSError:
            wrote = "refused"
        return caps + " " + wrote
        """
    )
    eff, bnd, wrote = got.split()
    assert int(eff, 16) == 0 and int(bnd, 16) == 0, got
    assert wrote == "refused"


def test_a_broken_reference_is_run_once_per_variant(
    monkeypatch: pytest.MonkeyPatch, mse: CodeQuestion
) -> None:
    """A reference that fails (here: hangs until its clock runs out) fails the same way each
    time: its result is remembered, so the next grade of that variant does not wait again."""
    runs: list[str] = []
    real = sandbox.run_code

    def counting(request: dict[str, Any], wall_time: float) -> Any:
        runs.append(request["role"])
        return real(request, wall_time)

    monkeypatch.setattr(sandbox, "run_code", counting)
    question = mse.model_copy(update={"reference": "def mse(y, yhat):\n    raise ValueError('broken')\n"})
    for _ in range(3):
        result = grade_code(question, "def mse(y, yhat):\n    return 0.0", 7)
        assert result.verdict == "undecided" and "broken-question" in result.notes
    assert runs.count("reference") == 1, runs


def test_a_reference_returning_a_huge_integer_is_a_broken_question(mse: CodeQuestion) -> None:
    question = mse.model_copy(update={"reference": "def mse(y, yhat):\n    return 10**4000\n"})
    result = grade_code(question, "def mse(y, yhat):\n    return 0.0", 8)
    assert result.verdict == "undecided" and "broken-question" in result.notes, result
