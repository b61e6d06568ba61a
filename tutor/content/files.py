"""Which files make a course, found without reading them (and without the course model's imports)."""

from __future__ import annotations

import errno
import os
import stat
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


def read_capped(path: Path, cap: int) -> bytes:
    """The bytes of the regular file at `path`, if it holds at most `cap`; else an OSError whose
    `strerror` says why. Its type and size are checked before anything is read, and no more
    than `cap` bytes are ever read: a link to /dev/zero would fill the memory, and a named pipe
    would wait for ever for a writer."""
    # O_NONBLOCK: opening a pipe does not wait for a writer (a regular file ignores it).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, a pipe or a socket)", str(path))
        if info.st_size > cap:
            raise OSError(errno.EFBIG, f"file is larger than {cap:,} bytes", str(path))
        chunks, size = [], 0
        while size <= cap:  # read to the end, which may have moved since fstat, never past cap
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise OSError(errno.EFBIG, f"file is larger than {cap:,} bytes", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)
