"""Changes to a course's files, for `--watch`: the author saves, tutor reads the course again."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

COURSE_SUFFIXES = (".yaml", ".yml")
# Editors save in bursts (a temporary file, a rename, a chmod): one re-read per burst.
DEBOUNCE_MS = 300


def is_course_file(path: str) -> bool:
    """Whether a change to `path` can change the course: a lesson, a bank or course.yaml."""
    return path.endswith(COURSE_SUFFIXES)


def course_changes(roots: Iterable[Path], stop: Any = None) -> Iterator[set[Path]]:
    """Each burst of changes to the course files under `roots`, as the set of paths changed.
    Ends when `stop` (a threading.Event) is set, or quietly on ctrl+c."""
    from watchfiles import watch

    for changes in watch(
        *roots,
        watch_filter=lambda _change, path: is_course_file(path),
        debounce=DEBOUNCE_MS,
        stop_event=stop,
        raise_interrupt=False,
    ):
        yield {Path(path) for _, path in changes}
