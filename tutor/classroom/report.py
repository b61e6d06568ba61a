"""The class report: per question and per lesson, over many learners' attempt exports.

Engine: DuckDB (the `report` extra). A class of 1,000 learners with 1,000 attempts each is a
million rows; DuckDB reads csv and json in parallel straight from the files and does the
grouping, medians and correlations in C++, in about two seconds on 2 cores
(benchmarks/class_report.py). The standard library needs longer than the 10 s budget
just to decode that much JSON into dicts, and SQLite would first have to be fed the rows one by
one from Python, so both spend the budget before any statistic is computed.

Per question: attempts, learners, facility (share of learners fully right on their first try),
discrimination (point-biserial correlation between being right on the first try and the
learner's total on the other questions, as Moodle's discrimination index), median seconds,
the most frequent notes, and the most frequent wrong raw answers. Per lesson: the learners'
mastery (mean best score over the lesson's questions, unattempted counting 0) as a
distribution in five bands.
"""

from __future__ import annotations

import json
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tutor.classroom.rows import RowError

BANDS = ("0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %")
_COLUMNS = {
    "attempt_id": "VARCHAR",
    "learner": "VARCHAR",
    "course_id": "VARCHAR",
    "course_version": "VARCHAR",
    "question_id": "VARCHAR",
    "quiz_id": "VARCHAR",
    "seed": "BIGINT",
    "answer": "VARCHAR",
    "verdict": "VARCHAR",
    "score": "DOUBLE",
    "notes": "VARCHAR[]",
    "hints_used": "BIGINT",
    "solution_seen": "BOOLEAN",
    "seconds": "DOUBLE",
    "time": "VARCHAR",
}


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct(columns: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{_sql_string(k)}: {_sql_string(v)}" for k, v in columns.items()) + "}"


def sniff(path: Path) -> str:
    """csv, json (an array of rows), json-lines (a row per line) or xapi (statements), from the
    first bytes of the file."""
    try:  # DuckDB reads the file itself: a pipe or a device must not reach it (nor `open`)
        if not stat.S_ISREG(path.stat().st_mode):
            raise RowError(f"{path}: not a regular file (a pipe, a device or a socket)")
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as exc:
        raise RowError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"attempt_id") or path.suffix.lower() == ".csv":
        return "csv"
    if stripped.startswith((b"[", b"{")):
        if b'"actor"' in head and b'"verb"' in head:
            return "xapi"
        return "json" if stripped.startswith(b"[") else "json-lines"
    raise RowError(f"{path}: neither a csv, json nor xAPI export of attempts")


def _select(path: Path, kind: str) -> str:
    name = _sql_string(str(path))
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    if kind == "csv":
        csv_columns = {**_COLUMNS, "notes": "VARCHAR"}
        # A text cell that starts with ' had one put there against spreadsheet formulas
        # (tutor.progress.export.spreadsheet_text): drop it.
        unquoted = {
            c: f'CASE WHEN starts_with("{c}", \'\'\'\') THEN "{c}"[2:] ELSE "{c}" END'
            for c, t in csv_columns.items()
            if t == "VARCHAR"
        }
        notes = unquoted.pop("notes")
        replaced = ", ".join(f'{expr} AS "{c}"' for c, expr in unquoted.items())
        split = f"list_filter(string_split(coalesce({notes}, ''), ';'), lambda x: x <> '')"
        return (
            f"SELECT * REPLACE ({split} AS notes, {replaced}) "
            f"FROM read_csv({name}, header = true, columns = {_struct(csv_columns)}, quote = '\"', "
            f"escape = '\"', nullstr = '', strict_mode = true)"
        )
    # An export is one JSON array; saying so saves DuckDB a fifth of its parsing.
    fmt = "array" if kind == "json" else "auto"
    return f"SELECT {cols} FROM read_json({name}, format = '{fmt}', columns = {_struct(_COLUMNS)})"


def _load(con: Any, paths: Sequence[Path], scratch: Path) -> tuple[int, int]:
    """Every file into table `a` (deduplicated by attempt id); (rows read, rows dropped)."""
    import duckdb

    from tutor.classroom.xapi import rows_from_statements

    selects = []
    for k, path in enumerate(paths):
        kind = sniff(path)
        if kind == "xapi":
            try:
                statements = json.loads(path.read_bytes().decode("utf-8"))
            except (ValueError, RecursionError) as exc:
                raise RowError(f"{path}: not JSON ({exc})") from None
            rows = rows_from_statements(statements, str(path))
            converted = scratch / f"xapi-{k}.json"
            converted.write_text(json.dumps(rows), encoding="utf-8")
            path, kind = converted, "json"
        selects.append(_select(path, kind))
    try:
        con.execute(f"CREATE TEMP TABLE raw AS {' UNION ALL '.join(selects)}")
    except duckdb.Error as first:
        # Name the file that is not an export (each alone; only on this error path).
        for path, select in zip(paths, selects, strict=True):
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE probe AS {select}")
            except duckdb.Error as exc:
                raise RowError(f"{path}: not an attempt export ({_first_line(exc)})") from None
        raise RowError(f"the exports cannot be read together ({_first_line(first)})") from None
    (total,) = con.execute("SELECT count(*) FROM raw").fetchone()
    # A row that is not an attempt (no id, learner or question, a score outside 0..1) is dropped
    # and counted; the same attempt in two exports counts once.
    valid = """
        attempt_id IS NOT NULL AND learner IS NOT NULL AND question_id IS NOT NULL
        AND score BETWEEN 0 AND 1 AND (seconds IS NULL OR (isfinite(seconds) AND seconds >= 0))
    """
    (repeats,) = con.execute("SELECT count(*) - count(DISTINCT attempt_id) FROM raw").fetchone()
    if repeats:
        con.execute(
            f"""CREATE TEMP TABLE a AS SELECT * FROM raw WHERE {valid}
            QUALIFY row_number() OVER (PARTITION BY attempt_id ORDER BY time) = 1"""
        )
    else:  # the usual case: neither a sort of a million ids nor a copy
        con.execute(f"CREATE TEMP VIEW a AS SELECT * FROM raw WHERE {valid}")
    (kept,) = con.execute("SELECT count(*) FROM a").fetchone()
    return total, kept


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"


def build_report(
    paths: Sequence[Path], lessons: Mapping[str, str] | None = None, top: int = 3, threads: int | None = None
) -> dict[str, Any]:
    """The report as plain data (the shape `--json` prints). `lessons` maps question ids to
    their lesson; questions it does not name are reported under no lesson."""
    try:
        import duckdb
    except ImportError:
        raise RowError("the class report needs DuckDB: pip install -e '.[report]'") from None
    lessons = dict(lessons or {})
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    with tempfile.TemporaryDirectory(prefix="tutor-report-") as scratch:
        total, kept = _load(con, paths, Path(scratch))
    con.execute("CREATE TEMP TABLE lessons (question_id VARCHAR, lesson_id VARCHAR)")
    if lessons:
        con.executemany("INSERT INTO lessons VALUES (?, ?)", list(lessons.items()))
    con.execute(
        """
        CREATE TEMP TABLE lq AS
        SELECT learner, question_id, arg_min(score, time) AS first, max(score) AS best
        FROM a GROUP BY ALL
        """
    )
    con.execute("CREATE TEMP TABLE lt AS SELECT learner, sum(best) AS total FROM lq GROUP BY ALL")
    questions = con.execute(
        """
        WITH qa AS (
            SELECT question_id, count(*) AS attempts, count(DISTINCT learner) AS learners,
                   median(seconds) AS median_seconds, avg(score) AS mean_score
            FROM a GROUP BY ALL),
        qf AS (
            SELECT question_id, avg(CASE WHEN first >= 1 THEN 1.0 ELSE 0.0 END) AS facility,
                   corr(CASE WHEN first >= 1 THEN 1.0 ELSE 0.0 END, lt.total - lq.best) AS discrimination
            FROM lq JOIN lt USING (learner) GROUP BY ALL)
        SELECT qa.question_id, coalesce(l.lesson_id, '') AS lesson, attempts, learners, facility,
               discrimination, median_seconds, mean_score
        FROM qa JOIN qf USING (question_id) LEFT JOIN lessons l USING (question_id)
        ORDER BY lesson, qa.question_id
        """
    ).fetchall()
    notes = con.execute(
        f"""
        SELECT question_id, note, count(*) AS n FROM (SELECT question_id, unnest(notes) AS note FROM a)
        GROUP BY 1, 2
        QUALIFY row_number() OVER (PARTITION BY question_id ORDER BY n DESC, note) <= {int(top)}
        ORDER BY question_id, n DESC, note
        """
    ).fetchall()
    wrong = con.execute(
        f"""
        SELECT question_id, trim(answer) AS raw, count(*) AS n FROM a
        WHERE score < 1 AND trim(answer) <> ''
          AND coalesce(verdict, '') NOT IN ('correct', 'invalid', 'undecided')
        GROUP BY 1, 2
        QUALIFY row_number() OVER (PARTITION BY question_id ORDER BY n DESC, raw) <= {int(top)}
        ORDER BY question_id, n DESC, raw
        """
    ).fetchall()
    mastery = con.execute(
        """
        WITH sizes AS (SELECT lesson_id, count(*) AS n FROM lessons GROUP BY ALL),
        m AS (
            SELECT l.lesson_id, lq.learner, sum(lq.best) / any_value(sizes.n) AS mastery
            FROM lq JOIN lessons l USING (question_id) JOIN sizes USING (lesson_id)
            GROUP BY ALL)
        SELECT lesson_id, count(*) AS learners, avg(mastery), median(mastery),
               list(least(floor(mastery * 5), 4)::INTEGER) AS bands
        FROM m GROUP BY ALL ORDER BY lesson_id
        """
    ).fetchall()
    (learners,) = con.execute("SELECT count(DISTINCT learner) FROM a").fetchone() or (0,)
    con.close()

    by_question: dict[str, dict[str, Any]] = {}
    for qid, lesson, attempts, n_learners, facility, disc, med, mean in questions:
        by_question[qid] = {
            "question": qid,
            "lesson": lesson or None,
            "attempts": attempts,
            "learners": n_learners,
            "facility": _round(facility),
            "discrimination": _round(disc),
            "median_seconds": _round(med, 1),
            "mean_score": _round(mean),
            "top_notes": [],
            "top_wrong_answers": [],
        }
    for qid, note, n in notes:
        by_question[qid]["top_notes"].append({"note": note, "count": n})
    for qid, answer, n in wrong:
        by_question[qid]["top_wrong_answers"].append({"answer": answer, "count": n})
    lesson_rows = []
    for lesson_id, n_learners, mean, median, bands in mastery:
        counts = [0] * len(BANDS)
        for b in bands:
            counts[b] += 1
        lesson_rows.append(
            {
                "lesson": lesson_id,
                "learners": n_learners,
                "mean_mastery": _round(mean),
                "median_mastery": _round(median),
                "bands": dict(zip(BANDS, counts, strict=True)),
            }
        )
    return {
        "files": [str(p) for p in paths],
        "rows_read": total,
        "rows_used": kept,
        "learners": learners,
        "questions": list(by_question.values()),
        "lessons": lesson_rows,
    }


def _round(value: Any, digits: int = 3) -> float | None:
    if value is None:
        return None
    value = float(value)
    # NaN: no spread to correlate; + 0.0 turns a -0.0 (a correlation a hair below zero) into 0.0
    return None if value != value else round(value, digits) + 0.0


def fixed(value: float | None, digits: int = 2) -> str:
    """`value` to `digits` decimals, "–" for none, and never "-0.00" for a value that rounds to 0."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text
