"""Attempt rows for an instructor: the shared format of `tutor progress export` (and of the LMS
and xAPI exports that read it). One row per graded attempt, with exactly `FIELDS`."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from tutor.progress.store import Attempt, ProgressStore

FIELDS = (
    "attempt_id",
    "learner",
    "course_id",
    "course_version",
    "question_id",
    "quiz_id",
    "seed",
    "answer",
    "verdict",
    "score",
    "notes",
    "hints_used",
    "solution_seen",
    "seconds",
    "time",
)


def iso_utc(at: float) -> str:
    """Unix time as ISO 8601 UTC with a Z, to the millisecond."""
    return datetime.fromtimestamp(at, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def row(a: Attempt) -> dict[str, Any]:
    """One attempt as an export row."""
    return {
        "attempt_id": a.attempt_id,
        "learner": a.learner,
        "course_id": a.course_id,
        "course_version": a.course_version,
        "question_id": a.question,
        "quiz_id": a.quiz,
        "seed": a.seed,
        "answer": a.answer,
        "verdict": a.verdict,
        "score": a.score,
        "notes": list(a.notes),
        "hints_used": a.hints,
        "solution_seen": a.solution_seen,
        "seconds": a.seconds,
        "time": iso_utc(a.at),
    }


def rows(store: ProgressStore) -> list[dict[str, Any]]:
    """Every attempt in the store, oldest first."""
    return [row(a) for a in store.attempts()]


def finished_rows(store: ProgressStore) -> list[dict[str, Any]]:
    """Every quiz gone through to its end, with the score tutor showed, oldest first."""
    return [
        {
            "learner": f.learner,
            "course_id": f.course_id,
            "quiz_id": f.quiz,
            "score": f.score,
            "correct": f.correct,
            "total": f.total,
            "seconds": f.seconds,
            "time": iso_utc(f.at),
        }
        for f in store.finished_quizzes()
    ]


def to_json(data: list[dict[str, Any]]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# What makes a spreadsheet read a cell as a formula (OWASP's list): `=cmd|' /C calc'!A0` in an
# answer would run when a teacher opens the export.
# RFC 4180's line end: Python's csv quotes a cell holding a character of the line end, and a bare
# carriage return in an unquoted cell starts a new row in a spreadsheet (and its formula).
LINE_END = "\r\n"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_text(text: str) -> str:
    """A text cell as a csv export writes it: one a spreadsheet would read as a formula gets a
    leading `'`, so it is shown, never run. A plain number such as `-0.5` stays as it is (it
    runs nothing), and a cell that starts with `'` gets one more, so `csv_text` gives back
    exactly what was written."""
    if text.startswith("'") or (text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text)):
        return "'" + text
    return text


def csv_text(cell: str) -> str:
    """A text cell of a csv export as it was before `spreadsheet_text`."""
    return cell[1:] if cell.startswith("'") else cell


def csv_cells(r: dict[str, Any]) -> dict[str, Any]:
    """One row as csv cells: notes joined with ";", booleans as true/false, null as an empty
    cell, and every text cell made safe for a spreadsheet (numbers stay numbers)."""
    cells = dict(r)
    cells["notes"] = ";".join(r["notes"])
    cells["solution_seen"] = "true" if r["solution_seen"] else "false"
    for key in ("quiz_id", "seconds"):
        if r[key] is None:
            cells[key] = ""
    return {k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in cells.items()}


def to_csv(data: list[dict[str, Any]]) -> str:
    """The same columns as csv (see `csv_cells`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator=LINE_END)
    writer.writeheader()
    for r in data:
        writer.writerow(csv_cells(r))
    return out.getvalue()
