"""`course.yaml`: a course's id and title, beside its lessons/ and questions/.

The id keys the learner's progress (the same question id in two courses is two questions) and
the title replaces the built-in course's tagline in the app's header. A course without the
file keeps working: it is "builtin" for the built-in course, else its folder's name.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from tutor.content.diagnostics import Diagnostic
from tutor.content.files import COURSE_FILE
from tutor.content.model import Slug, Strict

BUILTIN_ID = "builtin"


class CourseInfo(Strict):
    """A course's own fields: one file, course.yaml, at the top of the course folder."""

    id: Slug = Field(description="Stable id of the course: progress is kept under it. Never change it.")
    title: str = Field(min_length=1, description="Shown in the app's header.")
    description: str | None = None


def read_course_file(root: Path, diagnostics: list[Diagnostic]) -> CourseInfo | None:
    """The course's course.yaml, or None when there is none or it is broken (then a diagnostic)."""
    from tutor.content.errors import translate
    from tutor.content.files import read_capped
    from tutor.content.yamlsource import YamlError, load_yaml

    path = root / COURSE_FILE
    if not path.is_file():
        return None
    try:
        text = read_capped(path, 100_000).decode("utf-8")
        data, smap = load_yaml(text)
    except OSError as exc:
        diagnostics.append(Diagnostic(path, 1, 1, f"cannot read file: {exc.strerror}"))
        return None
    except UnicodeDecodeError:
        diagnostics.append(Diagnostic(path, 1, 1, "file is not UTF-8 text"))
        return None
    except YamlError as exc:
        diagnostics.append(Diagnostic(path, exc.pos.line, exc.pos.col, exc.message))
        return None
    if not isinstance(data, dict):
        diagnostics.append(Diagnostic(path, 1, 1, "course.yaml must be a mapping: `id:` and `title:`"))
        return None
    try:
        return CourseInfo.model_validate(data)
    except ValidationError as exc:
        for pos, message, _ in translate(exc.errors(), data, smap, CourseInfo):
            diagnostics.append(Diagnostic(path, pos.line, pos.col, message, "course"))
        return None


def default_course_id(root: Path) -> str:
    """The id of a course without a course.yaml."""
    from tutor.content.builtin import builtin_course_root

    return BUILTIN_ID if root.resolve() == builtin_course_root().resolve() else root.name


def template(course_id: str, title: str) -> str:
    """The course.yaml `tutor new course` writes."""
    return (
        "# The course: its id keys every learner's progress (never change it once learners start);\n"
        "# its title is shown in the app's header.\n"
        f"id: {course_id}\n"
        f"title: {_quoted(title)}\n"
        "# description: One paragraph about the course.\n"
    )


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
