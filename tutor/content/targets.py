"""Map the paths given to `tutor check` onto the courses that contain them.

A file is checked in the context of its whole course (so references resolve), but only the
findings inside the given paths are shown. A file outside any course is checked alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.content.courseroot import COURSE_DIRS, course_root_of
from tutor.content.files import read_capped
from tutor.content.loader import MAX_FILE_BYTES, Course, load_course

__all__ = ["COURSE_DIRS", "Target", "course_root_of", "find_targets"]


@dataclass
class Target:
    root: Path
    paths: list[Path] = field(default_factory=list)  # empty: the whole course
    standalone: Path | None = None  # a single file outside any course

    @property
    def whole_course(self) -> bool:
        return self.standalone is None

    def load(self) -> Course:
        if self.standalone is not None:
            kind = _guess_kind(self.standalone)
            return load_course(self.root, only=[(kind, self.standalone)])
        return load_course(self.root)

    def covers(self, file: Path) -> bool:
        if not self.paths:
            return True
        file = file.resolve()
        return any(file == p or p in file.parents for p in self.paths)


def _guess_kind(path: Path) -> str:
    # A bank starts with `bank:`; anything else is read as a lesson.
    try:
        text = read_capped(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return "lesson"  # the loader says what is wrong with it
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return "bank" if stripped.startswith("bank:") else "lesson"
    return "lesson"


def find_targets(paths: list[Path]) -> list[Target]:
    by_root: dict[Path, list[Path]] = {}
    out: list[Target] = []
    for path in paths:
        resolved = path.resolve()
        root = course_root_of(resolved)
        if root is not None:
            by_root.setdefault(root, []).append(resolved)
        elif resolved.is_dir():
            out.append(Target(resolved))  # loading reports "no lessons/ or questions/"
        else:
            out.append(Target(resolved.parent, [resolved], standalone=resolved))
    for root, given in by_root.items():
        # Naming the course folder itself means the whole course: no filter.
        out.append(Target(root, [] if root in given else given))
    return out
