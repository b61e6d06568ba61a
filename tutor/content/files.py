"""Which files make a course, found without reading them (and without the course model's imports)."""

from __future__ import annotations

from pathlib import Path

COURSE_FILE = "course.yaml"


def course_files(root: Path) -> list[tuple[str, Path]]:
    """(kind, path) for every YAML file of a course, lessons first, in name order."""
    out: list[tuple[str, Path]] = []
    for kind, sub in (("lesson", "lessons"), ("bank", "questions")):
        folder = root / sub
        if folder.is_dir():
            files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
            out.extend((kind, p) for p in files)
    return out
