"""The course index: the few facts the course map shows, kept between runs so that the map is
filled in at once while the whole course (YAML, validation, the models' imports) loads behind it.

The index is a JSON file in the user's cache folder, one per course folder, stamped with the
path, size and modification time of every file of the course (and tutor's version): any file
changed, added or removed and the index is not used. It is untrusted input like any file: read
with `json` only, every field checked, and anything unexpected (a broken, truncated or tampered
file) makes it ignored, never an error. The app checks what it showed against the loaded
course anyway, so the map always ends up showing the course as it is.

This module imports neither the course model nor YAML: reading an index must stay cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.content.diagnostics import Diagnostic
from tutor.content.files import COURSE_FILE, course_files, read_capped

if TYPE_CHECKING:
    from tutor.content.loader import Course

ENV_DIR = "TUTOR_CACHE_DIR"
FORMAT = 1  # bumped whenever what the index holds, or how it is derived, changes
MAX_INDEX_BYTES = 4_000_000
# A file modified this recently may change again within its timestamp's resolution (coarse on
# some file systems) without its size changing: its stamp would not tell, so no index is kept.
SETTLE_NS = 2_000_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline

Stamp = tuple[tuple[str, int, int], ...]  # (path relative to the course, size, mtime in ns)


@dataclass(frozen=True)
class LessonFacts:
    """One row of the course map."""

    id: str
    title: str
    summary: str
    questions: tuple[str, ...]  # the lesson's quiz, by question id, in order
    banks: tuple[str, ...]  # the titles of the banks they come from


@dataclass(frozen=True)
class CourseIndex:
    """What the course map shows of a course, without the course."""

    title: str | None  # course.yaml's
    lessons: tuple[LessonFacts, ...]  # in course order
    questions: tuple[str, ...]  # every question id of the course
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # question id → its tags
    problems: tuple[Diagnostic, ...] = ()  # the course's errors, as `tutor check` sorts them


def index_of(course: Course) -> CourseIndex:
    """The index of a loaded course."""
    lessons = []
    for loaded in course.lessons_in_order:
        entries = course.resolve(loaded.lesson.id)
        lessons.append(
            LessonFacts(
                loaded.lesson.id,
                loaded.lesson.title,
                loaded.lesson.summary,
                tuple(e.id for e in entries),
                tuple(dict.fromkeys(e.bank.bank.title for e in entries)),
            )
        )
    questions = course.questions
    tags = {}
    for qid, entry in questions.items():
        found = getattr(entry.question, "tags", None) or []
        if found:
            tags[qid] = tuple(found)
    problems = tuple(d for d in course.diagnostics if d.severity == "error")
    return CourseIndex(course.title, tuple(lessons), tuple(questions), tags, problems)


# ---------------------------------------------------------------- stamps


def stamp(root: Path) -> Stamp | None:
    """The path, size and modification time of every file the course is read from (course.yaml
    when there is one, every lesson and bank); None when one cannot be looked at."""
    root = root.resolve()
    paths = [root / COURSE_FILE] if (root / COURSE_FILE).exists() else []
    paths += [path for _, path in course_files(root)]
    out = []
    try:
        for path in paths:
            info = path.stat()
            out.append((path.relative_to(root).as_posix(), info.st_size, info.st_mtime_ns))
    except (OSError, ValueError):
        return None
    return tuple(out)


def settled(files: Stamp, now_ns: int | None = None) -> bool:
    """Whether no file of `files` was modified too recently for its stamp to be trusted."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    return all(mtime <= now_ns - SETTLE_NS for _, _, mtime in files)


# ---------------------------------------------------------------- the file


def default_cache_dir() -> Path:
    """`$TUTOR_CACHE_DIR`, else the platform's per-user cache folder."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tutor", appauthor=False))


def index_path(root: Path, cache_dir: Path) -> Path:
    """Where the index of the course at `root` is kept: one file per course folder."""
    key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return cache_dir / "course-index" / f"{key}.json"


def _version() -> str:
    from tutor import __version__

    return __version__


def write_index(root: Path, index: CourseIndex, files: Stamp, cache_dir: Path | None = None) -> bool:
    """Keep `index` for the course at `root` as it was when stamped `files` (taken before the
    course was read). Not kept when the course changed meanwhile, or so recently that its stamp
    cannot be trusted; a cache that cannot be written is no error. True when it was written."""
    if stamp(root) != files or not settled(files):
        return False
    data = {
        "format": FORMAT,
        "tutor": _version(),
        "root": str(root.resolve()),
        "files": [list(f) for f in files],
        "index": {
            "title": index.title,
            "lessons": [
                {
                    "id": x.id,
                    "title": x.title,
                    "summary": x.summary,
                    "questions": list(x.questions),
                    "banks": list(x.banks),
                }
                for x in index.lessons
            ],
            "questions": list(index.questions),
            "tags": {q: list(t) for q, t in index.tags.items()},
            "problems": [[str(d.file), d.line, d.col, d.message, d.where, d.caused] for d in index.problems],
        },
    }
    path = index_path(root, cache_dir or default_cache_dir())
    text = json.dumps(data, ensure_ascii=True).encode("ascii")
    try:
        if path.stat().st_size == len(text) and path.read_bytes() == text:
            return True  # kept already: not written again on every run
    except OSError:
        pass
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(text)
        os.replace(tmp, path)  # whole or not at all: a reader never sees half a file
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)
        return False
    return True


def read_index(root: Path, cache_dir: Path | None = None) -> CourseIndex | None:
    """The kept index of the course at `root` if it is whole, well-formed and stamped with the
    course's files as they are now; else None (the course is then read in full)."""
    files = stamp(root)
    if files is None:
        return None
    path = index_path(root, cache_dir or default_cache_dir())
    try:
        data = json.loads(read_capped(path, MAX_INDEX_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # missing, not UTF-8, not JSON, nested too deep
        return None
    try:
        return _checked(data, root, files)
    except _Bad:
        return None


class _Bad(Exception):
    """An index file that is not what `write_index` writes."""


def _checked(data: Any, root: Path, files: Stamp) -> CourseIndex | None:
    d = _dict(data)
    if d.get("format") != FORMAT or d.get("tutor") != _version() or d.get("root") != str(root.resolve()):
        return None
    kept = tuple((_text(f[0]), _int(f[1]), _int(f[2])) for f in (_list(x, 3) for x in _list(d.get("files"))))
    if kept != files:
        return None  # a file changed, came or went since
    index = _dict(d.get("index"))
    title = index.get("title")
    lessons = []
    items = _list(index.get("lessons"))
    if len(items) > sum(1 for name, _, _ in files if name.startswith("lessons/")):
        raise _Bad  # one lesson a file: more rows than that is not this course's index
    for item in items:
        x = _dict(item)
        lessons.append(
            LessonFacts(
                _text(x.get("id")),
                _text(x.get("title")),
                _text(x.get("summary")),
                _texts(x.get("questions")),
                _texts(x.get("banks")),
            )
        )
    tags = {_text(q): _texts(t) for q, t in _dict(index.get("tags")).items()}
    problems = []
    for item in _list(index.get("problems")):
        file, line, col, message, where, caused = _list(item, 6)
        if not isinstance(caused, bool):
            raise _Bad
        problems.append(
            Diagnostic(
                Path(_text(file)),
                _int(line),
                _int(col),
                _text(message),
                None if where is None else _text(where),
                caused=caused,
            )
        )
    return CourseIndex(
        None if title is None else _text(title),
        tuple(lessons),
        _texts(index.get("questions")),
        tags,
        tuple(problems),
    )


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad
    return value


def _list(value: Any, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise _Bad
    return value


def _int(value: Any) -> int:
    if type(value) is not int:  # not a bool, not a float
        raise _Bad
    return value


def _text(value: Any) -> str:
    # No control characters: the text goes to the terminal (an escape sequence would act on it).
    if not isinstance(value, str) or _CONTROL.search(value):
        raise _Bad
    return value


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(_text(x) for x in _list(value))
