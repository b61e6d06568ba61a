"""CSV formula injection (issue 23, item 4): an answer such as `=cmd|' /C calc'!A0` was written
as typed, and a spreadsheet opening the export runs it. Every text cell that starts like a
formula gets a leading `'`; numbers stay numbers; tutor's own readers give back what was typed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_report import row
from tutor.classroom.rows import read_rows, write_csv
from tutor.progress import export
from tutor.progress.store import Attempt, ProgressStore

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_progress_export_neutralises_formulas_in_every_text_cell(tmp_path, monkeypatch):
    from tutor.cli import main

    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path))
    store = ProgressStore(tmp_path, learner='=HYPERLINK("x")')
    for n, answer in enumerate([*HOSTILE, "-0.5", "+3", "1e-3", "'quoted"]):
        store.record(
            Attempt(
                question=f"-q{n}", verdict="incorrect", score=0.0, seed=-n, answer=answer, notes=("@note",)
            )
        )
    store.close()
    result = CliRunner().invoke(main, ["progress", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = cells(result.stdout)
    assert len(table) == len(HOSTILE) + 4
    for line in table:
        for name, cell in line.items():
            if name in ("seed", "score", "hints_used", "seconds"):
                float(cell or "0")  # numeric columns hold numbers, never a quote
                continue
            assert not (cell.startswith(TRIGGERS) and not _is_number(cell)), (name, cell)
    answers = [line["answer"] for line in table]
    assert answers[: len(HOSTILE)] == ["'" + a for a in HOSTILE]
    # a plain number runs nothing and stays one; a leading quote is doubled so reading is exact
    assert answers[len(HOSTILE) :] == ["-0.5", "+3", "1e-3", "''quoted"]
    assert {line["seed"] for line in table} >= {"-1", "-2"}  # a negative number in a numeric column
    assert all(line["learner"] == '\'=HYPERLINK("x")' and line["notes"] == "'@note" for line in table)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@'\t\r\n;,\"a1.eE x"), max_size=12))
def test_what_is_written_reads_back_as_it_was(tmp_path_factory, answer):
    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    original = row(
        1, "ana" + answer, "q" + answer, 0.0, answer, notes=[n for n in [answer.replace(";", "")] if n]
    )
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv([original], f)
    written = cells(path.read_text(encoding="utf-8"))[0]
    for name in ("answer", "learner", "question_id"):
        assert not written[name].startswith(TRIGGERS) or _is_number(written[name])
    (back,) = list(read_rows(path))
    assert back == original


def test_the_class_report_reads_the_answers_as_they_were_typed(tmp_path):
    pytest.importorskip("duckdb")
    from tutor.classroom.report import build_report

    path = tmp_path / "class.csv"
    rows = [row(n, f"l{n}", "q", 0.0, HOSTILE[n % 2], notes=["=note"]) for n in range(4)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(rows, f)
    assert "'=cmd" in path.read_text(encoding="utf-8")
    report = build_report([Path(path)])
    (question,) = report["questions"]
    assert {a["answer"] for a in question["top_wrong_answers"]} == set(HOSTILE[:2])
    assert question["top_notes"] == [{"note": "=note", "count": 4}]


def test_the_json_export_is_left_as_typed():
    data = [export.row(Attempt("q", "incorrect", 0.0, seed=1, answer=HOSTILE[0]))]
    assert json.loads(export.to_json(data))[0]["answer"] == HOSTILE[0]
