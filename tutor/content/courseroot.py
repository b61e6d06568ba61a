"""Which course a command works on: one rule for every command, cheap to import (the standard
library only, no loader), since every command asks it before anything else.

`--course` given to the command, else to `tutor`, else the course folder the working directory
is in (so that `cd course && tutor export bce` exports that course's bank), else the built-in
course.
"""

from __future__ import annotations

from pathlib import Path

COURSE_DIRS = ("lessons", "questions")


def course_root_of(path: Path) -> Path | None:
    """The course folder holding `path`: the folder itself, or the parent of the lessons/ or
    questions/ folder it lies in."""
    path = path.resolve()
    if path.is_dir() and any((path / d).is_dir() for d in COURSE_DIRS):
        return path
    for parent in [path, *path.parents]:
        if parent.name in COURSE_DIRS and parent.is_dir():
            return parent.parent
    return None


def pick_course(option: Path | None = None, main_option: Path | None = None) -> Path:
    """The course folder a command works on: its `--course` (`option`), else `tutor --course`
    (`main_option`), else the course folder the working directory is in, else the built-in one."""
    for given in (option, main_option):
        if given is not None:
            return given
    here = course_root_of(Path.cwd())
    if here is not None:
        return here
    from tutor.content.builtin import builtin_course_root

    return builtin_course_root()
