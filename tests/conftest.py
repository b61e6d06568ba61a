from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
