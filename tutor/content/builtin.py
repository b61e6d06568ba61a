"""Where the built-in course lives: the repository's own lessons/ and questions/ in a source
checkout (or an editable install), or the copy a wheel carries inside the package."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_course_root() -> Path:
    checkout = _PACKAGE.parent
    if (checkout / "questions").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE / "_course"
