"""Attempt rows: the shape `tutor progress export --format csv|json` writes, which the xAPI
writer and the class report read.

A row has exactly FIELDS (`tutor.progress.export` builds them from the store); `read_rows` reads
a json or csv export back, checking every field, so a hand-edited or hostile file gives a clear
message, never a traceback.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tutor.progress.export import FIELDS, LINE_END, csv_cells, csv_text  # the one place of a row's shape


class RowError(ValueError):
    """A row or a file of rows that is not an attempt export."""


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
        raw = {k: csv_text(v) if isinstance(v, str) else v for k, v in raw.items()}
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
    """Rows as csv, the shape of `--format csv` (`tutor.progress.export.csv_cells`)."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator=LINE_END)
    writer.writeheader()
    for row in rows:
        writer.writerow(csv_cells(row))
