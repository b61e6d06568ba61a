"""The course index kept between runs (tutor.content.index): the course map fills in from it at
once, but only while every course file is as it was; a broken or tampered index is ignored and
written again, never an error (issue 14)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import wait_for_course, wait_until
from tutor.content.index import (
    MAX_INDEX_BYTES,
    index_of,
    index_path,
    read_index,
    stamp,
    write_index,
)
from tutor.content.loader import load_course
from tutor.progress.store import ProgressStore
from tutor.tui.app import TutorApp

LESSON = """
id: {id}
title: {title}
summary: About {id}.
order: {order}
sections:
  - title: One
    body: Text.
quiz: [{id}-bank]
"""

BANK = """
bank: {id}-bank
title: Bank of {id}
lesson: {id}
questions:
  - id: {id}-q
    type: numeric
    prompt: What is 1 + 1?
    answer: "2"
    tags: [{id}-tag]
"""


def age(root: Path, seconds_ago: float = 3600) -> None:
    """Date every file of the course `seconds_ago` back: a course not being edited right now."""
    at = time.time() - seconds_ago
    for path in root.rglob("*.yaml"):
        os.utime(path, (at, at))


def write_lesson(root: Path, lesson_id: str, title: str, order: int) -> None:
    (root / "lessons").mkdir(exist_ok=True)
    (root / "questions").mkdir(exist_ok=True)
    (root / "lessons" / f"{lesson_id}.yaml").write_text(
        LESSON.format(id=lesson_id, title=title, order=order), encoding="utf-8"
    )
    (root / "questions" / f"{lesson_id}.yaml").write_text(BANK.format(id=lesson_id), encoding="utf-8")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    write_lesson(root, "alpha", "Alpha first", 1)
    write_lesson(root, "beta", "Beta second", 2)
    age(root)
    return root


def keep_index(root: Path) -> None:
    """What a run of the app leaves behind: the index of the course as it is."""
    files = stamp(root)
    assert files is not None
    assert write_index(root, index_of(load_course(root)), files)


# ---------------------------------------------------------------- the index file


def test_a_kept_index_is_the_courses_own(course):
    keep_index(course)
    index = read_index(course)
    assert index == index_of(load_course(course))
    assert [x.title for x in index.lessons] == ["Alpha first", "Beta second"]
    assert index.lessons[0].questions == ("alpha-q",)
    assert index.tags == {"alpha-q": ("alpha-tag",), "beta-q": ("beta-tag",)}


def test_it_is_not_used_once_a_file_changed_even_at_the_same_size(course):
    keep_index(course)
    path = course / "lessons" / "alpha.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Alpha first", "Alpha fresh"), encoding="utf-8")
    age(course, 1800)
    assert read_index(course) is None


def test_it_is_not_used_once_a_file_is_removed_or_added(course):
    keep_index(course)
    (course / "questions" / "beta.yaml").unlink()
    assert read_index(course) is None
    keep_index(course)
    assert read_index(course) is not None
    write_lesson(course, "gamma", "Gamma third", 3)
    age(course)
    assert read_index(course) is None
    keep_index(course)
    (course / "course.yaml").write_text("id: mine\ntitle: My course\n", encoding="utf-8")
    age(course)
    assert read_index(course) is None


def test_it_is_not_kept_when_the_course_changed_while_it_was_read(course):
    files = stamp(course)
    loaded = load_course(course)
    (course / "lessons" / "alpha.yaml").write_text(LESSON.format(id="alpha", title="New", order=1))
    age(course, 1800)
    assert not write_index(course, index_of(loaded), files)
    assert read_index(course) is None


def test_it_is_not_kept_for_a_file_saved_a_moment_ago(course):
    # Its stamp could not tell a second save within the file system's time resolution.
    (course / "lessons" / "alpha.yaml").touch()
    files = stamp(course)
    assert not write_index(course, index_of(load_course(course)), files)


def damaged(text: str) -> list[bytes]:
    data = json.loads(text)
    out = [
        b"",
        b"\x00\xff\xfe garbage",
        text.encode()[: len(text) // 2],  # cut short
        b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the parser goes
        b" " * (MAX_INDEX_BYTES + 1),
        b"null",
        b"[]",
        b'"a string"',
        json.dumps({**data, "format": 999}).encode(),
        json.dumps({**data, "tutor": "0.0.0"}).encode(),
        json.dumps({**data, "root": "/elsewhere"}).encode(),
        json.dumps({**data, "files": [[f[0], True, f[2]] for f in data["files"]]}).encode(),
        json.dumps({**data, "files": [[f[0], float(f[1]), f[2]] for f in data["files"]]}).encode(),
    ]
    for field, bad in [
        ("title", 7),
        ("lessons", {"a": 1}),
        ("lessons", [{"id": "alpha"}]),
        ("lessons", [{**data["index"]["lessons"][0], "title": "Evil \x1b]0;pwned\x07"}]),
        ("lessons", [{**data["index"]["lessons"][0], "questions": "alpha-q"}]),
        ("lessons", data["index"]["lessons"] * 1000),  # more rows than the course has lesson files
        ("questions", [1, 2]),
        ("tags", [["alpha-q", ["t"]]]),
        ("problems", [["f", 1, 1, "m", None, "yes"]]),
        ("problems", [["f", 1, 1]]),
    ]:
        out.append(json.dumps({**data, "index": {**data["index"], field: bad}}).encode())
    return out


def test_a_broken_or_tampered_index_is_ignored_never_an_error(course, course_index_cache):
    keep_index(course)
    path = index_path(course, course_index_cache)
    text = path.read_text(encoding="utf-8")
    for raw in damaged(text):
        path.write_bytes(raw)
        assert read_index(course) is None, raw[:200]
    path.unlink()
    path.mkdir()  # not even a file
    assert read_index(course) is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_anywhere_in_an_index_reads_as_an_index_or_nothing(course, course_index_cache, data):
    keep_index(course)
    path = index_path(course, course_index_cache)
    kept = json.loads(path.read_text(encoding="utf-8"))
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    )
    # Replace one value somewhere in the tree.
    node: Any = kept
    for _ in range(data.draw(st.integers(0, 5))):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        children = [(k, v) for k, v in children if isinstance(v, dict | list) and v]
        if not children:
            break
        _, node = data.draw(st.sampled_from(children))
    inner = list(node) if isinstance(node, dict) else list(range(len(node)))
    if inner:
        node[data.draw(st.sampled_from(inner))] = data.draw(values)
    path.write_text(json.dumps(kept), encoding="utf-8")
    index = read_index(course)  # whatever the file holds: an index or none, never an exception
    assert index is None or all(isinstance(x.title, str) for x in index.lessons)


# ---------------------------------------------------------------- the app's course map


def slow_loading(monkeypatch) -> threading.Event:
    """The course loads only once the returned event is set (the index is read all the same)."""
    from tutor.content import loader

    release = threading.Event()
    real = loader.load_course

    def slow(root, only=None):
        release.wait(60)
        return real(root, only)

    monkeypatch.setattr(loader, "load_course", slow)
    return release


def app_on(root: Path, tmp_path: Path) -> TutorApp:
    app = TutorApp(root, ProgressStore(tmp_path / "progress"), warm_up=False)
    app.clock = lambda: 0.0
    return app


def rows(app) -> list[str]:
    return [item.title for item in app.screen.query("LessonItem")]


async def test_the_map_fills_in_from_the_index_before_the_course_is_loaded(course, tmp_path, monkeypatch):
    keep_index(course)
    release = slow_loading(monkeypatch)
    app = app_on(course, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: len(rows(app)) == 2)
        assert app.course is None  # still loading
        assert rows(app) == ["Alpha first", "Beta second"]
        assert "2 lessons · 2 questions" in str(app.screen.query_one("#course-title").render())
        shown = list(app.screen.query("LessonItem"))
        release.set()
        await wait_for_course(app, pilot)
        assert list(app.screen.query("LessonItem")) == shown  # the course agreed: the same rows


@pytest.mark.parametrize(
    ("keys", "screen", "lesson"),
    [
        (("down", "enter"), "LessonScreen", "beta"),  # to the second lesson, and open it
        (("s",), "StatsScreen", None),  # like t, c, r and enter: kept, not dropped
    ],
)
async def test_keys_pressed_while_the_course_loads_act_on_the_map_the_index_drew(
    course, tmp_path, monkeypatch, keys, screen, lesson
):
    keep_index(course)
    release = slow_loading(monkeypatch)
    app = app_on(course, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: len(rows(app)) == 2)
        await pilot.press(*keys)
        assert app.course is None
        release.set()
        await wait_until(pilot, lambda: type(app.screen).__name__ == screen)
        await wait_for_course(app, pilot)
        assert type(app.screen).__name__ == screen
        if lesson is not None:
            assert app.screen.lesson.id == lesson


async def test_after_a_file_changed_the_map_never_shows_its_old_title(course, tmp_path, monkeypatch):
    keep_index(course)
    path = course / "lessons" / "alpha.yaml"
    path.write_text(LESSON.format(id="alpha", title="Alpha renamed", order=1), encoding="utf-8")
    age(course, 1800)
    release = slow_loading(monkeypatch)
    app = app_on(course, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(20):
            await pilot.pause()
            assert rows(app) == []  # no index fits: nothing until the course itself is there
        release.set()
        await wait_for_course(app, pilot)
        assert rows(app) == ["Alpha renamed", "Beta second"]
    assert [x.title for x in read_index(course).lessons] == ["Alpha renamed", "Beta second"]  # kept anew


async def test_a_tampered_index_is_put_right_by_the_course_and_never_read_as_markup(
    course, tmp_path, course_index_cache, monkeypatch
):
    keep_index(course)
    path = index_path(course, course_index_cache)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["index"]["lessons"][0]["title"] = "[@click=app.quit]Click me[/]"
    data["index"]["problems"] = [
        [str(course / "x.yaml"), 1, 1, "[b]bold[/b] [@click=app.quit]q[/]", None, False]
    ]
    path.write_text(json.dumps(data), encoding="utf-8")
    release = slow_loading(monkeypatch)
    app = app_on(course, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: bool(rows(app)))
        head = app.screen.query("LessonItem").first().render_line(0).text
        assert "1. [@click=app.quit]Click me[/]" in head  # the text as it is, not a link
        notice = str(app.screen.query_one("#notice-text").render())
        assert "[b]bold[/b] [@click=app.quit]q[/]" in notice
        release.set()
        await wait_for_course(app, pilot)
        assert rows(app) == ["Alpha first", "Beta second"]
    assert read_index(course).lessons[0].title == "Alpha first"  # written again, from the course


async def test_a_corrupt_index_is_ignored_and_written_again(course, tmp_path, course_index_cache):
    path = index_path(course, course_index_cache)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80not json{{{")
    app = app_on(course, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_course(app, pilot)
        assert rows(app) == ["Alpha first", "Beta second"]
    assert read_index(course) == index_of(load_course(course))


async def test_a_move_made_while_the_course_loads_is_kept_when_it_arrives(course, tmp_path, monkeypatch):
    keep_index(course)
    store = ProgressStore(tmp_path / "progress")
    store.set_state(last={"kind": "lesson", "ref": "beta"})  # where the last session left off
    release = slow_loading(monkeypatch)
    app = TutorApp(course, store, warm_up=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: len(rows(app)) == 2)
        listing = app.screen.query_one("#lessons")
        assert listing.index == 1  # the lesson last opened
        await pilot.press("up")
        release.set()
        await wait_for_course(app, pilot)
        assert listing.index == 0  # the learner's choice, not the last session's


@pytest.mark.parametrize("height", [12, 13])
async def test_the_highlighted_row_stays_in_view_when_the_course_arrives(
    course, tmp_path, monkeypatch, height
):
    # The course brings the "continue" line, which may wrap and push the list down a line.
    keep_index(course)
    release = slow_loading(monkeypatch)
    app = app_on(course, tmp_path)
    words = "Quiz: " + "a lesson with a long name " * 3 + "question 6 of 14"
    monkeypatch.setattr(TutorApp, "continue_plan", lambda self: ("quiz", "beta", words))
    async with app.run_test(size=(80, height)) as pilot:
        await wait_until(pilot, lambda: len(rows(app)) == 2)
        await pilot.press("down")
        await pilot.pause()
        listing = app.screen.query_one("#lessons")
        assert listing.scrollable_content_region.contains_region(listing.highlighted_child.region)
        release.set()
        await wait_for_course(app, pilot)
        await pilot.pause()
        item = listing.highlighted_child
        assert item.lesson_id == "beta"
        assert listing.scrollable_content_region.contains_region(item.region)
