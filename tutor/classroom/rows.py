"""Attempt rows: the shape `tutor progress export --format csv|json` writes (see TEAM notes), which
the xAPI writer and the class report read.

A row has exactly FIELDS. `rows_from_attempts` builds rows from the attempts of today's store;
`read_rows` reads a json or csv export back, checking every field, so a hand-edited or hostile
file gives a clear message, never a traceback.
"""

from __future__ import annotations

import csv
import json
import math
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:  # the store's export (issue 15) is the one place of the row's shape, once it is there
    from tutor.progress.export import FIELDS  # type: ignore[import-not-found, unused-ignore]
except ImportError:
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
VERDICTS = ("correct", "partial", "incorrect", "invalid", "undecided")
_NAMESPACE = uuid.UUID("5b0e8a3c-7f7d-4b1e-9a57-1d2f0c3b9e11")


class RowError(ValueError):
    """A row or a file of rows that is not an attempt export."""


def iso(at: float) -> str:
    """A Unix time as ISO 8601 UTC with Z, to the millisecond."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def rows_from_attempts(
    attempts: Iterable[Any], learner: str, course_id: str, course_version: str = ""
) -> list[dict[str, Any]]:
    """Rows for the attempts of one learner's store (`tutor.progress.store.Attempt`).

    Today's store has no attempt id, answer text or time spent: the id is derived from what
    identifies the attempt (so a second export gives the same ids), the answer is empty and the
    seconds unknown."""
    out = []
    for a in attempts:
        key = f"{learner}\x1f{course_id}\x1f{a.question}\x1f{a.seed}\x1f{a.at!r}"
        out.append(
            {
                "attempt_id": str(uuid.uuid5(_NAMESPACE, key)),
                "learner": learner,
                "course_id": course_id,
                "course_version": course_version,
                "question_id": a.question,
                "quiz_id": None,
                "seed": a.seed,
                "answer": getattr(a, "answer", "") or "",
                "verdict": a.verdict,
                "score": a.score,
                "notes": list(a.notes),
                "hints_used": a.hints,
                "solution_seen": a.solution_seen,
                "seconds": getattr(a, "seconds", None),
                "time": iso(a.at),
            }
        )
    return out


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_row(row: Any, where: str) -> dict[str, Any]:
    """`row` if it is a well-formed attempt row; RowError saying which field is wrong."""
    if not isinstance(row, dict):
        raise RowError(f"{where}: not an object")
    missing = [f for f in FIELDS if f not in row]
    if missing:
        raise RowError(f"{where}: missing {', '.join(missing)}")
    for name in (
        "attempt_id",
        "learner",
        "course_id",
        "course_version",
        "question_id",
        "answer",
        "verdict",
        "time",
    ):
        if not isinstance(row[name], str):
            raise RowError(f"{where}: `{name}` is not text")
    if row["quiz_id"] is not None and not isinstance(row["quiz_id"], str):
        raise RowError(f"{where}: `quiz_id` is not text or null")
    if not _is_int(row["seed"]) or not _is_int(row["hints_used"]) or row["hints_used"] < 0:
        raise RowError(f"{where}: `seed` and `hints_used` must be whole numbers")
    score = row["score"]
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise RowError(f"{where}: `score` must be a number from 0 to 1")
    seconds = row["seconds"]
    if seconds is not None and (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise RowError(f"{where}: `seconds` must be a number of seconds or null")
    if not isinstance(row["notes"], list) or not all(isinstance(n, str) for n in row["notes"]):
        raise RowError(f"{where}: `notes` must be a list of texts")
    if not isinstance(row["solution_seen"], bool):
        raise RowError(f"{where}: `solution_seen` must be true or false")
    return {f: row[f] for f in FIELDS}


def _csv_row(raw: dict[str, str], where: str) -> dict[str, Any]:
    try:
        row: dict[str, Any] = dict(raw)
        row["quiz_id"] = raw["quiz_id"] or None
        row["seed"] = int(raw["seed"])
        row["hints_used"] = int(raw["hints_used"])
        row["score"] = float(raw["score"])
        row["seconds"] = float(raw["seconds"]) if raw["seconds"] else None
        row["notes"] = [n for n in raw["notes"].split(";") if n]
        row["solution_seen"] = {"true": True, "false": False, "1": True, "0": False}[
            raw["solution_seen"].lower()
        ]
    except (KeyError, ValueError, AttributeError):
        raise RowError(f"{where}: a field is missing or not of its type") from None
    return check_row(row, where)


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a json (a list of rows) or csv export; RowError for what is not one."""
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8", newline="") as f:
            for n, raw in enumerate(csv.DictReader(f), start=2):
                yield _csv_row(raw, f"{path}:{n}")
        return
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise RowError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise RowError(f"{path}: not a list of attempt rows")
    for n, row in enumerate(data, start=1):
        yield check_row(row, f"{path}: row {n}")


def write_csv(rows: Iterable[dict[str, Any]], out: Any) -> None:
    """Rows as csv, lists joined with ';' (the shape of `--format csv`)."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, "notes": ";".join(row["notes"]), "solution_seen": str(row["solution_seen"]).lower()}
        )
