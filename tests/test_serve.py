"""`tutor serve`: one learner per connection, code refused without the OS sandbox, a minimal
environment, localhost by default; and the notices that say how code answers are run."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import wait_for_course
from tutor.cli import main
from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.grading import sandbox
from tutor.progress.learners import check_name, folder_name, learner_folder
from tutor.progress.store import ProgressStore
from tutor.quiz.plain import PlainQuiz
from tutor.quiz.session import QuizSession
from tutor.tui.app import StartAt, TutorApp


@pytest.fixture(autouse=True)
def _fresh_status() -> Any:
    yield
    sandbox.status(refresh=True)


# ---------------------------------------------------------------- learners' folders


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=80))
def test_any_name_stays_inside_the_learners_folder(name: str) -> None:
    base = Path("/srv/tutor/learners")
    folder = learner_folder(base, name)
    assert folder.parent == base
    assert "/" not in folder.name and "\\" not in folder.name and folder.name not in (".", "..")
    assert folder.name.isascii()


@pytest.mark.parametrize("name", ["../../etc", "..", "/root", "a/../../b", "C:\\Windows", "\x00evil"])
def test_hostile_names_cannot_climb_out(name: str) -> None:
    folder = learner_folder(Path("/srv/l"), name)
    assert folder.parent == Path("/srv/l") and ".." not in folder.name


def test_names_that_look_alike_keep_apart_and_the_same_name_comes_back() -> None:
    assert folder_name("Ana") != folder_name("ana") != folder_name("ana!")
    assert folder_name("Ana") == folder_name(" Ana ")
    assert folder_name("Zoë Ng").startswith("zoe-ng-")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "Type your name"),
        ("   ", "Type your name"),
        ("x" * 61, "At most 60"),
        ("a\x07b", "Letters"),
        ("!!!", "at least one"),
    ],
)
def test_names_that_cannot_be_used_say_why(name: str, problem: str) -> None:
    assert problem in (check_name(name) or "")


# ---------------------------------------------------------------- the served app


async def test_a_served_app_asks_who_is_learning_and_keeps_their_progress_apart(tmp_path: Path) -> None:
    from tests.test_tui import COURSE

    learners = tmp_path / "learners"
    app = TutorApp(
        COURSE, ProgressStore(learners / ".nobody"), StartAt("home"), warm_up=False, learners=learners
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "NameScreen"
        assert app.course is None  # nothing is loaded, or recorded, before the name
        await pilot.press("enter")
        await pilot.pause()
        assert "Type your name" in str(app.screen.query_one("#name-problem").render())
        for ch in "Ana":
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert app.store.folder == learner_folder(learners, "Ana")
        assert "Ana" in app.sub_title


class _FakeServer:
    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, command: str, host: str, port: int, title: str, templates_path: Path) -> None:
        import os

        assert (templates_path / "app_index.html").is_file()
        _FakeServer.made.append({"command": command, "host": host, "port": port, "env": dict(os.environ)})

    def serve(self) -> None:
        pass


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    module = types.ModuleType("textual_serve.server")
    module.Server = _FakeServer  # type: ignore[attr-defined]
    package = types.ModuleType("textual_serve")
    package.server = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "textual_serve", package)
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    _FakeServer.made = []
    # serve_command rewrites os.environ for the apps it starts: keep this test run's intact
    import os

    saved = dict(os.environ)
    yield _FakeServer.made
    os.environ.clear()
    os.environ.update(saved)


def test_serve_listens_on_localhost_gives_apps_a_minimal_environment_and_one_learner_each(
    fake_server: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["serve", "--port", "0"])  # 0: whatever port is free here
    assert result.exit_code == 0, result.output
    (made,) = fake_server
    assert made["host"] == "localhost"
    # Each connection is a fork of the warm parent (tests/test_serve_warm.py), reached by connect.py.
    assert "connect.py" in made["command"] and "sessions.sock" in made["command"]
    assert "AWS_SECRET_ACCESS_KEY" not in made["env"]
    assert made["env"][sandbox.ENV_POLICY] == "required"  # code only in the sandbox
    assert set(made["env"]) <= {*__import__("tutor.cli").cli._SERVED_ENV, sandbox.ENV_POLICY}


def test_trusting_a_user_header_on_an_address_others_reach_is_warned_about(
    fake_server: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    trust = ["--port", "0", "--trust-user-header", "X-Remote-User", "--cold"]
    result = CliRunner().invoke(main, ["serve", *trust])
    assert result.exit_code == 0, result.output
    assert "anyone who can reach" not in result.output  # localhost: only this machine reaches it
    assert "--trusted-learner" in fake_server[-1]["command"]  # each session takes the server's name
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", *trust])
    assert "anyone who can reach 0.0.0.0" in result.output and "X-Remote-User" in result.output


def test_serve_without_bubblewrap_says_code_is_unavailable_unless_allowed(
    fake_server: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["serve", "--port", "0"])  # 0: whatever port is free here
    assert result.exit_code == 0
    assert "code questions will show as unavailable" in result.output and "bubblewrap" in result.output
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--allow-unsandboxed-code"])
    assert "WITHOUT the OS sandbox" in result.output
    assert fake_server[-1]["env"][sandbox.ENV_POLICY] == "auto"


# ---------------------------------------------------------------- saying how code runs


def test_plain_mode_says_once_that_code_runs_unsandboxed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(sandbox.ENV_POLICY, "none")
    course = load_course(builtin_course_root())
    entries = [course.questions["mse-code"], course.questions["mse-code"]]
    session = QuizSession(entries, seed=1, on_attempt=ProgressStore(tmp_path).record, clock=lambda: 0.0)
    lines: list[str] = []
    answers = iter(["skip", "skip"])
    PlainQuiz(session, lambda prompt: next(answers, None), lines.append).run()
    notes = [line for line in lines if "without the OS sandbox" in line]
    assert len(notes) == 1, lines


async def test_the_app_says_once_that_code_runs_unsandboxed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(sandbox.ENV_POLICY, "none")
    app = TutorApp(builtin_course_root(), ProgressStore(tmp_path), StartAt("quiz", "mse-code"), warm_up=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [n.message for n in app._notifications if "without the OS sandbox" in n.message]
        assert len(said) == 1, [n.message for n in app._notifications]


@pytest.mark.parametrize("policy", ["auto", "none"])
async def test_a_code_answer_is_graded_inside_the_running_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, policy: str
) -> None:
    from textual.widgets import TextArea

    monkeypatch.setenv(sandbox.ENV_POLICY, policy)
    app = TutorApp(builtin_course_root(), ProgressStore(tmp_path), StartAt("quiz", "mse-code"), warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        editor = app.screen.query_one("#answer-code", TextArea)
        editor.text = "import numpy as np\ndef mse(y, yhat):\n    return np.mean((y - yhat) ** 2)\n"
        await pilot.press("ctrl+s")
        for _ in range(400):  # the grade runs in a worker: wait for it, never for a time
            await app.screen.workers.wait_for_complete()
            await pilot.pause()
            if "Correct" in str(app.screen.query_one("#feedback").render()):
                break
        assert "Correct" in str(app.screen.query_one("#feedback").render())


# ---------------------------------------------------------------- the page served


def test_the_served_page_loads_its_fonts_from_the_server_not_a_font_host(tmp_path):
    """`tutor serve` renders its page; it names no host but its own (the app must work offline)."""
    import re
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = None
        for _ in range(600):  # bounded: up to a minute on a slow machine
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=5) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        assert page is not None, "the server did not answer"
        own = f"http://localhost:{port}/"
        hosts = set(re.findall(r"https?://[^/\"'\s)]+", page.replace(own, "")))
        assert hosts <= {"http://www.w3.org"}, hosts  # only the SVG namespace, which is not fetched
        assert "fonts.googleapis" not in page
        font = re.search(r'url\("([^"]+RobotoMono-VariableFont_wght\.ttf)"\)', page)
        assert font is not None
        with urllib.request.urlopen(font.group(1), timeout=5) as response:
            assert response.status == 200 and len(response.read()) > 10_000
    finally:
        server.terminate()
        server.wait(timeout=30)


def font_characters(path: Path) -> set[int]:
    """The code points a TrueType font maps (its cmap's format 4 subtables)."""
    import struct

    data = path.read_bytes()
    tables = {}
    for i in range(struct.unpack(">H", data[4:6])[0]):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        tables[tag] = offset
    cmap = tables[b"cmap"]
    chars: set[int] = set()
    for i in range(struct.unpack(">H", data[cmap + 2 : cmap + 4])[0]):
        (sub,) = struct.unpack(">I", data[cmap + 8 + 8 * i : cmap + 12 + 8 * i])
        start = cmap + sub
        if struct.unpack(">H", data[start : start + 2])[0] != 4:
            continue
        n2 = struct.unpack(">H", data[start + 6 : start + 8])[0]
        ends = struct.unpack(f">{n2 // 2}H", data[start + 14 : start + 14 + n2])
        starts = struct.unpack(f">{n2 // 2}H", data[start + 16 + n2 : start + 16 + 2 * n2])
        for a, b in zip(starts, ends, strict=True):
            chars.update(range(a, b + 1))
    return chars


def test_the_header_icon_is_a_character_the_served_font_has():
    import textual_serve

    from tutor.tui.widgets.chrome import ICON

    font = Path(textual_serve.__file__).parent / "static" / "fonts" / "RobotoMono-VariableFont_wght.ttf"
    chars = font_characters(font)
    assert ord("a") in chars and ord("⭘") not in chars  # the parser reads the font, which lacks ⭘
    assert ord(ICON) in chars


def test_serve_on_a_busy_port_says_so_in_one_line_and_how_to_choose_another(
    fake_server: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code != 0
    assert f"port {port} on localhost is in use" in result.output and "--port" in result.output
    assert "Traceback" not in result.output and not fake_server  # no server started
