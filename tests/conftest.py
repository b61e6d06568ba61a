from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def sympy_worker_ready() -> None:
    """The SymPy worker is started and ready before any test grades: its start (seconds on a
    busy machine) is charged to a grade's time cap when it happens inside one, which would make
    the first symbolic grade of a run "could not decide" on a slow CI machine. `tutor grade`,
    `tutor check` and the app wait for it in the same way, outside the cap."""
    from tutor.grading import forms

    forms.wait_ready()


@pytest.fixture(autouse=True)
def course_index_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps course indexes in a folder of its own, never in the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def make_course(tmp_path: Path) -> Callable[..., Path]:
    """Write a small course: make_course(questions={"a.yaml": "..."}, lessons={...})."""

    def make(questions: dict[str, str] | None = None, lessons: dict[str, str] | None = None) -> Path:
        for sub, files in (("questions", questions or {}), ("lessons", lessons or {})):
            folder = tmp_path / sub
            folder.mkdir(exist_ok=True)
            for name, text in files.items():
                (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return make


async def wait_for_course(app, pilot, tries: int = 200) -> None:
    """Until the app has read its course and its first screens settled (no sleeps: pauses)."""
    for _ in range(tries):
        if getattr(app, "course", None) is not None:
            break
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.screen.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot, condition, tries: int = 3000) -> None:
    """Pause until `condition()` holds; bounded by a generous number of short pauses, so a busy
    machine only makes it slower, never makes it fail."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
