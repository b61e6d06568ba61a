"""The `tutor` command line.

Heavy modules (SymPy, NumPy, the course checks) are imported inside the commands that need
them, so `tutor --help`, `tutor list` and `tutor schema` start at once.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from tutor import __version__
from tutor.cli_answers import AnswerCommand, echo, report_course_problems
from tutor.content.printable import printable
from tutor.content.seeds import ANSWER_KEY_SEEDS, DEFAULT_SEEDS
from tutor.content.words import plural

COURSE_HELP = (
    "Course folder (with lessons/ and questions/). Default: the course folder you are in, else the "
    "built-in course."
)


course_option = click.option(
    "--course",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=COURSE_HELP,
)


watch_option = click.option(
    "--watch", is_flag=True, help="Read the course again whenever one of its files changes (for authors)."
)


class _Tutor(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:  # its message may quote a file or an LRS's answer
            exc.message = printable(exc.message)  # type: ignore[misc]
            raise


@click.group(
    cls=_Tutor, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@course_option
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where your progress is kept (default: $TUTOR_DATA_DIR, else the platform's user data folder).",
)
@watch_option
@click.version_option(__version__, prog_name="tutor")
@click.pass_context
def main(ctx: click.Context, course: Path | None, data_dir: Path | None, watch: bool) -> None:
    """A self-grading quiz and tutor for the mathematics of machine learning.

    Run with no command to open the course.
    """
    if data_dir is not None:
        import os

        os.environ["TUTOR_DATA_DIR"] = str(data_dir)  # read by every command's store (default_data_dir)
    ctx.ensure_object(dict)
    ctx.obj["course"] = course
    if ctx.invoked_subcommand is None:
        _run_app(_pick_course(ctx, course), "home", watch=watch)


def _run_app(
    root: Path,
    kind: str,
    ref: str | None = None,
    seed: int | None = None,
    fresh: bool = False,
    watch: bool = False,
) -> None:
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    if not (root / "lessons").is_dir() and not (root / "questions").is_dir():
        raise click.UsageError(f"{root} holds no lessons/ or questions/ folder")
    start = StartAt(kind, ref, seed, fresh, exact=seed is not None)
    app = TutorApp(root, ProgressStore.default(), start, watch=watch)
    app.run()
    _close_store(app.store)


def _register_progress_commands() -> None:
    from tutor.cli_progress import progress_group, review_command

    main.add_command(review_command)
    main.add_command(progress_group)


# What an app served to a browser keeps of the server's environment: nothing secret, only what
# Python, the terminal driver and the data folder need.
_SERVED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "SYSTEMROOT", "XDG_DATA_HOME")


@main.command("serve")
@click.option("--host", default="localhost", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--allow-unsandboxed-code",
    is_flag=True,
    help="Run code answers even without the OS sandbox (bubblewrap). Not for a server others can reach.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where every learner's progress goes, a folder per name. Default: 'served' in the data folder.",
)
@click.option(
    "--cold",
    is_flag=True,
    hidden=True,
    help="Start each session as a new process instead of a fork of the warm parent (for comparison).",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(min=1),
    default=None,
    help="Learners served at once; one more gets a page saying tutor is full. "
    "Default: from the machine's memory (400 MB a session, within three quarters of it).",
)
@click.option(
    "--session-memory",
    type=click.IntRange(min=256),
    default=None,
    metavar="MB",
    help="The address space each session's processes may use (default 2048).",
)
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="The address browsers open, when it is not the one tutor listens on (behind a reverse "
    "proxy, e.g. https://tutor.example.org/): the page loads its scripts and connects from there.",
)
@click.option(
    "--trust-user-header",
    default=None,
    metavar="NAME",
    help="Take the learner from this request header, set by the authenticating proxy in front "
    "(e.g. X-Remote-User): no name prompt, and a request without it is refused. Only when "
    "nothing but the proxy can reach tutor.",
)
@course_option
@click.pass_context
def serve_command(
    ctx: click.Context,
    host: str,
    port: int,
    allow_unsandboxed_code: bool,
    data_dir: Path | None,
    cold: bool,
    max_sessions: int | None,
    session_memory: int | None,
    public_url: str | None,
    trust_user_header: str | None,
    course: Path | None,
) -> None:
    """Serve the app to web browsers (needs the `web` extra: pip install -e '.[web]').

    Each connection is its own app and its own learner: it asks a name (or takes it from
    --trust-user-header) and keeps that learner's progress apart. There is no login: put it
    behind an authenticating reverse proxy before anyone else can reach it (see the README).
    """
    import os

    from tutor.cli_serve import SESSION_MEMORY_MB, default_max_sessions, limited
    from tutor.cli_serve import public_url as checked_url
    from tutor.grading import sandbox
    from tutor.progress.store import default_data_dir

    try:
        from textual_serve.server import Server
    except ImportError:
        raise click.UsageError("serving needs textual-serve: pip install -e '.[web]'") from None
    if public_url is not None:
        try:
            public_url = checked_url(public_url)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--public-url") from None
    if trust_user_header is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,64}", trust_user_header):
        raise click.BadParameter(
            f"{trust_user_header!r} is not a header name (letters, digits and dashes)",
            param_hint="--trust-user-header",
        )
    root = _pick_course(ctx, course)
    _check_port_free(host, port)
    learners = (data_dir or default_data_dir() / "served").resolve()
    policy = "auto" if allow_unsandboxed_code else "required"
    os.environ[sandbox.ENV_POLICY] = policy
    status = sandbox.status(refresh=True)
    if allow_unsandboxed_code and not status.allowed:  # bubblewrap is here but cannot start
        click.echo(f"tutor: the OS sandbox cannot start: {status.reason}.", err=True)
        policy = "none"
        os.environ[sandbox.ENV_POLICY] = policy
        status = sandbox.status(refresh=True)
    if status.sandboxed:
        echo(f"tutor: {status.reason}.", err=True)
    elif status.allowed:
        echo(f"tutor: warning: code answers run WITHOUT the OS sandbox: {status.reason}.", err=True)
    else:
        echo(
            f"tutor: code questions will show as unavailable: {status.reason}. "
            "(--allow-unsandboxed-code runs them anyway; never on a server others can reach.)",
            err=True,
        )
    kept = {k: os.environ[k] for k in _SERVED_ENV if k in os.environ}
    os.environ.clear()
    os.environ.update(kept, **{sandbox.ENV_POLICY: policy})
    memory = session_memory or SESSION_MEMORY_MB
    trusted = trust_user_header is not None
    if trusted and host not in ("localhost", "127.0.0.1", "::1"):
        echo(
            f"tutor: warning: anyone who can reach {host} port {port} without the proxy can send "
            f"{trust_user_header} and learn as anyone: listen on 127.0.0.1 (--host) behind the proxy.",
            err=True,
        )
    with _warm_sessions(root, learners, memory, warm=not cold, trusted=trusted) as command:
        options: dict[str, Any] = {"public_url": public_url} if public_url else {}
        server = limited(Server)(
            command, host=host, port=port, title="tutor", templates_path=served_templates(), **options
        )
        server.max_sessions = max_sessions or default_max_sessions()
        server.trust_user_header = trust_user_header
        address = f"http://{host}:{port}" + (f" for {public_url}" if public_url else "")
        who = f"; learners named by the {trust_user_header} header" if trusted else ""
        echo(
            f"tutor: serving {root} on {address} (progress in {learners}{who}); at most "
            f"{plural(server.max_sessions, 'session')} at once, {memory} MB each",
            err=True,
        )
        try:
            server.serve()
        except OSError as exc:  # taken since the check above: still no traceback
            raise _listen_error(exc, host, port) from None


@contextlib.contextmanager
def _warm_sessions(
    root: Path, learners: Path, memory: int, warm: bool = True, trusted: bool = False
) -> Iterator[str]:
    """The command textual-serve runs per connection: a fork of one warm parent (see
    tutor/tui/web/warm.py) where the system allows it, else a fresh `tutor served-session`."""
    import os
    import shlex
    import shutil
    import socket
    import subprocess
    import tempfile

    cold = [sys.executable, "-m", "tutor", "--course", str(root), "served-session"]
    cold += ["--learners", str(learners), "--memory", str(memory)] + ["--trusted-learner"] * trusted
    if not warm or not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        yield shlex.join(cold)
        return
    folder = Path(tempfile.mkdtemp(prefix="tutor-serve-"))  # 0700: only this user connects
    path = folder / "sessions.sock"
    warm_cmd = [sys.executable, "-m", "tutor", "--course", str(root), "served-warm", "--socket", str(path)]
    warm_cmd += ["--learners", str(learners), "--memory", str(memory)] + ["--trusted-learner"] * trusted
    parent = subprocess.Popen(warm_cmd, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # generous: a loaded machine imports slowly
        while not path.exists() and parent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not path.exists():
            click.echo("tutor: warning: the warm parent did not start; each session starts afresh.", err=True)
            yield shlex.join(cold)
            return
        connect = Path(__file__).parent / "tui" / "web" / "connect.py"
        yield shlex.join([sys.executable, "-I", "-S", str(connect), str(path)])
    finally:
        parent.terminate()
        try:
            parent.wait(10)
        except subprocess.TimeoutExpired:
            parent.kill()
            parent.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _check_port_free(host: str, port: int) -> None:
    """Say so, in one line, when `port` on `host` cannot be listened on (the server itself
    failed with a 40-line traceback): every address `host` names, as the server binds them."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise click.ClickException(f"cannot listen on {host}: {exc}. --host chooses the address.") from None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server's own
            if family == socket.AF_INET6:  # as asyncio binds it: the IPv4 address is its own
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise _listen_error(exc, host, port) from None


def _listen_error(exc: OSError, host: str, port: int) -> click.ClickException:
    import errno

    if exc.errno == errno.EADDRINUSE:
        return click.ClickException(
            f"port {port} on {host} is in use (another tutor serve?): --port chooses another."
        )
    return click.ClickException(
        f"cannot listen on {host}:{port}: {exc.strerror or exc}. --host and --port choose where."
    )


def served_templates() -> Path:
    """The page `tutor serve` sends: textual-serve's, with its fonts from the server itself (the
    static folder textual-serve ships has them), never from a remote font host."""
    return Path(__file__).parent / "tui" / "web"


_TRUSTED_HELP = "The learner is the one the server names (--trust-user-header): never asked."


@main.command("served-session", hidden=True)
@click.option("--learners", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--memory", type=int, default=None, help="The address space in MB (set by `tutor serve`).")
@click.option("--trusted-learner", is_flag=True, help=_TRUSTED_HELP)
@course_option
@click.pass_context
def served_session_command(
    ctx: click.Context, learners: Path, memory: int | None, trusted_learner: bool, course: Path | None
) -> None:
    """One browser connection of `tutor serve`: asks who is learning, then opens the course."""
    _served_session(_pick_course(ctx, course), learners, memory, trusted_learner)


def _served_session(root: Path, learners: Path, memory: int | None, trusted: bool = False) -> None:
    import os

    from tutor.progress.learners import LEARNER_ENV, check_name

    if memory is not None:
        from tutor.cli_serve import cap_memory

        cap_memory(memory)  # before the session loads anything; its workers inherit it
    name = None
    if trusted:  # the server checked the proxy's header; a session never falls back to asking
        name = os.environ.get(LEARNER_ENV, "")
        if check_name(name) is not None:
            click.echo("tutor: this session has no learner's name from the server; it ends.", err=True)
            sys.exit(2)
        name = name.strip()
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp

    # The store is replaced once the learner is known (asked, or named by the server).
    app = TutorApp(
        root, ProgressStore(learners / ".nobody"), StartAt("home"), learners=learners, learner=name
    )
    app.run()
    _close_store(app.store)


@main.command("served-warm", hidden=True)
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--learners", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--memory", type=int, default=None, help="Each session's address space in MB.")
@click.option("--trusted-learner", is_flag=True, help=_TRUSTED_HELP)
@course_option
@click.pass_context
def served_warm_command(
    ctx: click.Context,
    socket_path: Path,
    learners: Path,
    memory: int | None,
    trusted_learner: bool,
    course: Path | None,
) -> None:
    """`tutor serve`'s warm parent: forks a session for each connection (tutor/tui/web/warm.py)."""
    from tutor.tui.web import warm

    root = _pick_course(ctx, course)
    warm.warm_up()
    # The limit is set in each session after the fork, not on the parent that forks them.
    warm.serve(socket_path, lambda: _served_session(root, learners, memory, trusted_learner))


@main.command("lesson")
@click.argument("lesson_id")
@watch_option
@course_option
@click.pass_context
def lesson_command(ctx: click.Context, lesson_id: str, watch: bool, course: Path | None) -> None:
    """Open the app on lesson LESSON_ID."""
    _run_app(_pick_course(ctx, course), "lesson", lesson_id, watch=watch)


@main.command("quiz")
@click.argument("ref")
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Show variant SEED of each question first: the one `tutor grade --seed` and `tutor preview "
    "--seed` show, and the `seed` a learner's record names.",
)
@click.option(
    "--plain", is_flag=True, help="A line-oriented quiz on stdin/stdout, for screen readers and scripts."
)
@click.option("--fresh", is_flag=True, help="Start afresh, even if this quiz was left in the middle.")
@course_option
@click.pass_context
def quiz_command(
    ctx: click.Context, ref: str, seed: int | None, plain: bool, fresh: bool, course: Path | None
) -> None:
    """Take the quiz of REF: a lesson, a question bank or one question id.

    A quiz left in the middle is resumed where it was, unless --seed or --fresh is given."""
    root = _pick_course(ctx, course)
    if not plain:
        _run_app(root, "quiz", ref, seed, fresh)
        return

    from tutor.content.loader import load_course
    from tutor.expr.suggest import did_you_mean
    from tutor.progress.store import ProgressStore
    from tutor.quiz.plain import PlainQuiz
    from tutor.quiz.resume import completion_recorder, open_quiz, saved_quiz

    loaded = load_course(root)
    _report_load_problems(loaded.diagnostics)
    entries = loaded.resolve(ref)
    if not entries:
        lesson = next((x.lesson for x in loaded.lessons if x.lesson.id == ref), None)
        if lesson is not None:
            raise click.UsageError(_empty_quiz(loaded, lesson))
        known = [x.lesson.id for x in loaded.lessons] + [b.bank.bank for b in loaded.banks]
        hint = did_you_mean(ref, known + list(loaded.questions))
        raise click.UsageError(f"`{ref}` names no lesson, bank or question{hint}")
    from tutor.content.usable import question_problems

    if problems := [p for entry in entries for p in question_problems(entry)]:
        report_course_problems(problems)
    store = ProgressStore.default(on_problem=lambda message: echo(message, err=True))
    if (report := store.skipped_report()) is not None:
        echo(report, err=True)
    from tutor.quiz.review import course_identity

    store.set_course(*course_identity(loaded))
    ref, saved = saved_quiz(loaded, ref, store.quiz)
    opened = open_quiz(
        entries,
        saved,
        seed=seed,
        exact=True,
        resume=False if fresh else None,
        on_attempt=store.record,
        on_change=lambda session: store.save_quiz(ref, session.snapshot(ref)),
    )
    store.set_state(last={"kind": "quiz", "ref": ref})
    if opened.notice:
        echo(opened.notice)
    session = opened.session
    session.quiz_id = ref  # written into each attempt
    session.on_complete = completion_recorder(store.quiz_finished, ref)

    def read(prompt: str) -> str | None:
        echo(prompt, nl=False)
        line = sys.stdin.readline()
        if not line:
            echo()
            return None
        if not sys.stdin.isatty():
            echo(line.rstrip("\n"))  # echo piped input so a transcript reads like a session
        return line.rstrip("\n")

    summary = PlainQuiz(session, read, echo).run()
    store.close()  # what waited for a record another tutor held is written, or said
    ctx.exit(0 if summary.total else 1)


def _close_store(store: Any) -> None:
    """Close the app's store after the app: what it says now goes to the terminal."""
    store.on_problem = lambda message: echo(message, err=True)
    store.close()


def _empty_quiz(loaded: Any, lesson: Any) -> str:
    """Why a lesson that exists has no question to ask: its quiz is empty, or names what did
    not load (and which file to fix), or what the course does not have."""
    import os

    from tutor.content.lint import unloaded_file

    if not lesson.quiz:
        return f"lesson `{lesson.id}` has no quiz: add `quiz:` with its banks or questions"
    reasons = []
    for ref in lesson.quiz:
        if loaded.resolve(ref):
            continue
        file = unloaded_file(ref, loaded)
        reasons.append(
            f"`{ref}` did not load (fix {os.path.relpath(file)} first)"
            if file is not None
            else f"`{ref}` is in no bank of the course"
        )
    return (
        f"lesson `{lesson.id}` exists, but its quiz is broken: " + "; ".join(reasons) + " (run `tutor check`)"
    )


def _pick_course(ctx: click.Context, course: Path | None) -> Path:
    """The course every command works on (`pick_course`): its --course, else tutor's."""
    from tutor.content.courseroot import pick_course

    return pick_course(course, (ctx.obj or {}).get("course"))


def _report_load_problems(diagnostics: list[Any]) -> None:
    for d in diagnostics:
        echo(str(d), err=True)
    if diagnostics:
        echo(
            f"({plural(len(diagnostics), 'problem')} in the course; run `tutor check` for details)",
            err=True,
        )


@main.command("list")
@course_option
@click.pass_context
def list_command(ctx: click.Context, course: Path | None) -> None:
    """List lessons and question banks with their question counts."""
    from tutor.content.loader import load_course

    loaded = load_course(_pick_course(ctx, course))
    banks_by_lesson: dict[str | None, list[Any]] = {}
    for bank in loaded.banks:
        banks_by_lesson.setdefault(bank.bank.lesson, []).append(bank)
    known = {x.lesson.id for x in loaded.lessons}
    total = sum(len(b.entries) for b in loaded.banks)
    echo(
        f"Course at {loaded.root}: {plural(len(loaded.lessons), 'lesson')}, "
        f"{plural(len(loaded.banks), 'bank')}, {plural(total, 'question')}"
    )
    for item in loaded.lessons_in_order:
        lesson = item.lesson
        quiz = loaded.resolve(lesson.id)
        echo(f"\n{lesson.id}  {lesson.title}  ({len(lesson.sections)} sections, quiz of {len(quiz)})")
        for bank in banks_by_lesson.get(lesson.id, []):
            echo(f"  {bank.bank.bank:<24} {bank.bank.title}  [{_type_counts(bank)}]")
    loose = [b for lesson_id, bs in banks_by_lesson.items() if lesson_id not in known for b in bs]
    if loose:
        echo("\nBanks without a lesson:")
        for bank in loose:
            echo(f"  {bank.bank.bank:<24} {bank.bank.title}  [{_type_counts(bank)}]")
    _report_load_problems(loaded.diagnostics)


def _type_counts(bank: Any) -> str:
    counts: dict[str, int] = {}
    for entry in bank.entries:
        counts[entry.question.type] = counts.get(entry.question.type, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


@main.command("schema")
@click.argument("kind", type=click.Choice(["bank", "lesson", "course"]), default="bank")
def schema_command(kind: str) -> None:
    """Print the JSON Schema of a question bank (default), a lesson file or course.yaml."""
    from tutor.content.schema import json_schema

    echo(json.dumps(json_schema(kind), indent=2))


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--seeds",
    default=DEFAULT_SEEDS,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Variants drawn per question.",
)
@click.option(
    "--key-seeds",
    default=ANSWER_KEY_SEEDS,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Of those, how many the answer key's self-tests grade (at most --seeds).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Processes to use [default: the cores].")
@click.option("--watch", is_flag=True, help="Check again each time a course file changes (ctrl+c stops).")
@course_option
@click.pass_context
def check_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    seeds: int,
    key_seeds: int,
    as_json: bool,
    watch: bool,
    course: Path | None,
    jobs: int | None = None,
) -> None:
    """Validate a course: YAML, fields, ids, references, expressions, placeholders and
    every question's computed values on SEEDS variants. Exits 1 when anything is wrong.

    PATHS may be course folders or files inside one; only their findings are shown. Without
    PATHS: the course folder you are in, else the built-in course.
    """
    from tutor.gcpause import collector_paused

    # The imports build the course model's classes: objects that live as long as the process,
    # which the cyclic collector would only walk again and again meanwhile.
    with collector_paused():
        from tutor.content.checks import total_questions
        from tutor.content.targets import find_targets
        from tutor.grading.checkpool import check_in_parallel

    if watch:
        from tutor.cli_author import watch_check

        watch_check(ctx, [t.root for t in find_targets(list(paths) or [_pick_course(ctx, course)])])
        return
    targets = find_targets(list(paths)) if paths else find_targets([_pick_course(ctx, course)])
    _quick_exit()
    findings: list[Any] = []
    counts = {"lessons": 0, "banks": 0, "questions": 0}
    for target in targets:
        loaded = target.load()
        bar = _Progress(total_questions(loaded), enabled=not as_json)
        report = check_in_parallel(
            loaded,
            seeds,
            progress=bar.advance,
            references=target.whole_course,
            jobs=jobs,
            key_seeds=key_seeds,
        )
        bar.close()
        findings.extend(d for d in report.diagnostics if target.covers(d.file))
        counts["lessons"] += report.lessons
        counts["banks"] += report.banks
        counts["questions"] += report.questions
    errors = sum(d.severity == "error" for d in findings)
    warnings = len(findings) - errors
    if as_json:
        payload = {
            "ok": errors == 0,
            "seeds": seeds,
            **counts,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.to_json() for d in findings],
        }
        echo(json.dumps(payload, indent=2))
    else:
        for d in findings:
            echo(str(d))
        verdict = "clean" if errors == 0 else plural(errors, "error")
        extra = f", {plural(warnings, 'warning')}" if warnings else ""
        echo(
            f"checked {plural(counts['lessons'], 'lesson')}, {plural(counts['banks'], 'bank')}, "
            f"{plural(counts['questions'], 'question')} on {plural(seeds, 'seed')}: {verdict}{extra}"
        )
    ctx.exit(1 if errors else 0)


# Answers often start with a minus: `-log(p)` is an answer, not an option.
@main.command("grade", cls=AnswerCommand)
@click.argument("question_id")
@click.argument("answer")
@click.option("--seed", default=0, show_default=True, type=int, help="Which variant of the question.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@course_option
@click.pass_context
def grade_command(
    ctx: click.Context, question_id: str, answer: str, seed: int, as_json: bool, course: Path | None
) -> None:
    """Grade ANSWER to QUESTION_ID, as the app would, and explain the verdict.

    For a derivation in steps, put one step per line; for a choice, give the option letters
    (a, c) in the order the options are written in the YAML.
    """

    from tutor.content import model as m
    from tutor.content.loader import load_course
    from tutor.content.variants import instantiate
    from tutor.expr.suggest import did_you_mean
    from tutor.grading.grader import grade

    loaded = load_course(_pick_course(ctx, course))
    entry = loaded.questions.get(question_id)
    if entry is None:
        hint = did_you_mean(question_id, loaded.questions)
        raise click.UsageError(f"no question `{question_id}` in the course{hint}")
    from tutor.content.usable import question_problems

    if problems := question_problems(entry, seed):
        report_course_problems(problems)
    variant = instantiate(entry.question, seed)
    if m.kinds()[entry.question.type].symbolic:
        from tutor.grading.forms import wait_ready

        wait_ready()  # SymPy's start is not the grade's: the grade has its own time cap
    result = grade(variant, answer.replace("\\n", "\n"))
    if as_json:
        echo(
            json.dumps(
                {"question": question_id, "seed": seed, **result.to_json()}, indent=2, ensure_ascii=False
            )
        )
        return
    terminal = _stdout_is_terminal()
    head = f"{question_id} (seed {seed}):"
    if terminal:
        echo(head)
        _echo_markdown(variant.prompt, terminal)
    else:
        from tutor.quiz.feedback import plain_markdown

        plain = plain_markdown(variant.prompt, 80)
        # a one-line prompt stays on the line of its id, as scripts read it
        echo(f"{head} {plain}" if "\n" not in plain else f"{head}\n{plain}")
    echo("")
    if result.read_as:
        echo(f"read as: {result.read_as}")
    score = f"  score {result.score:.2f}" if result.verdict != "invalid" else ""
    rule = ""
    if result.rule:
        rule = f"  ({result.rule})" if result.verdict == "correct" else f"  (needed: {result.rule})"
    echo(f"{result.label}{score}{rule}")
    if result.verdict == "invalid" and result.position is not None:
        from tutor.grading.result import printable

        echo(f"  {printable(answer)}\n  {' ' * result.position}^")
    for line in result.feedback:
        _echo_inline(line, terminal)
    if result.notes:
        echo(f"notes: {', '.join(result.notes)}")


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _echo_markdown(text: str, terminal: bool) -> None:
    """An author's Markdown as the app shows it: rendered on a terminal, plain lines in a pipe."""
    if terminal:
        from rich.console import Console
        from rich.markdown import Markdown

        Console(file=sys.stdout).print(Markdown(text.strip(), hyperlinks=False))
    else:
        from tutor.quiz.feedback import plain_markdown

        echo(plain_markdown(text, 80))


def _echo_inline(line: str, terminal: bool) -> None:
    """A line of feedback, indented: **bold**, *italic* and `code` styled on a terminal, their
    marks dropped in a pipe (the backticks stay there: they quote what was typed)."""
    from tutor.quiz.feedback import INLINE_MARKS, strip_marks

    if not terminal:
        echo(f"  {strip_marks(line, code=False)}")
        return
    from rich.console import Console
    from rich.text import Text

    out = Text("  ")
    last = 0
    for match in INLINE_MARKS.finditer(line):
        out.append(line[last : match.start()])
        bold, italic, code = match.groups()
        out.append(bold or italic or code, style="bold" if italic is None else "italic")
        last = match.end()
    out.append(line[last:])
    Console(file=sys.stdout).print(out)


def _quick_exit() -> None:
    """At exit, everything still alive (the course) is frozen first: the interpreter's last
    collection would walk it all for nothing (0.1 s of a `tutor check` of the built-in course)."""
    global _exit_hook
    if not _exit_hook:
        import atexit
        import gc

        atexit.register(gc.freeze)
        _exit_hook = True


_exit_hook = False


class _Progress:
    """A one-line progress bar on stderr, shown only when checking takes more than a moment."""

    DELAY = 0.5

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self.enabled = enabled and sys.stderr.isatty() and total > 0
        self.shown = False

    def advance(self, n: int) -> None:
        self.done += n
        if not self.enabled or time.monotonic() - self.start < self.DELAY:
            return
        width = 30
        filled = int(width * self.done / self.total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} questions")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


_register_progress_commands()
from tutor.cli_author import register  # noqa: E402  (the authoring commands)

register(main)

from tutor import cli_class  # noqa: E402  (registers export, import, report: issue 17)

cli_class.register(main)
