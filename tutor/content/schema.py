"""JSON Schema of the course files, for editors (yaml-language-server) and `tutor schema`."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from tutor.content.model import Bank, Lesson

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str) -> dict[str, Any]:
    from tutor.content.coursefile import CourseInfo

    model = {"bank": Bank, "lesson": Lesson, "course": CourseInfo}[kind]
    schema = TypeAdapter(model).json_schema()
    return {"$schema": SCHEMA_URL, "title": f"tutor {kind} file", **schema}
