"""`tutor report`: a class's exports (json, csv and xAPI mixed) give the statistics worked out
by hand below, whatever file each learner's attempts come in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from tutor.classroom.rows import FIELDS, write_csv
from tutor.classroom.xapi import statements
from tutor.cli import main

COURSE = FIXTURES / "class-course"


def row(n: int, learner: str, question: str, score: float, answer: str, notes=(), seconds=None, **extra):
    base = {
        "attempt_id": f"00000000-0000-4000-8000-{n:012d}",
        "learner": learner,
        "course_id": "class-course",
        "course_version": "1",
        "question_id": question,
        "quiz_id": "intro",
        "seed": 0,
        "answer": answer,
        "verdict": "correct" if score == 1 else "incorrect",
        "score": score,
        "notes": list(notes),
        "hints_used": 0,
        "solution_seen": False,
        "seconds": seconds,
        "time": f"2026-11-01T10:00:{n:02d}Z",
    }
    return {**base, **extra}


# Four learners, two questions; the expected figures are worked out in the test below.
ROWS = {
    "ana": [
        row(1, "ana", "num-fixed", 1.0, "0.75", seconds=10),
        row(2, "ana", "pick-one", 0.0, "ReLU", ["wrong-option"], seconds=5),
        row(3, "ana", "pick-one", 1.0, "Sigmoid", seconds=15),
    ],
    "ben": [
        row(4, "ben", "num-fixed", 0.0, "1.33", ["inverted"], seconds=20),
        row(5, "ben", "num-fixed", 1.0, "0.75", seconds=30),
        row(6, "ben", "pick-one", 1.0, "Sigmoid"),
    ],
    "cleo": [
        row(7, "cleo", "num-fixed", 0.0, " 1.33 ", ["inverted"], seconds=40),
        row(8, "cleo", "pick-one", 0.0, "ReLU", ["wrong-option"], seconds=25),
    ],
    "dev": [
        row(9, "dev", "num-fixed", 1.0, "0.75", seconds=50),
        row(10, "dev", "pick-one", 1.0, "Sigmoid", seconds=35),
    ],
}


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    json_file = tmp_path / "ana-ben.json"
    json_file.write_text(json.dumps(ROWS["ana"] + ROWS["ben"]), encoding="utf-8")
    csv_file = tmp_path / "cleo.csv"
    with open(csv_file, "w", encoding="utf-8", newline="") as f:
        write_csv([*ROWS["cleo"], ROWS["ana"][0]], f)  # ana's first attempt twice: counted once
    xapi_file = tmp_path / "dev.xapi.json"
    xapi_file.write_text(json.dumps(statements(ROWS["dev"])), encoding="utf-8")
    return [json_file, csv_file, xapi_file]


def report_json(*args: str) -> dict:
    result = CliRunner().invoke(main, ["report", *args, "--course", str(COURSE), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_report_merges_json_csv_and_xapi_exports(exports):
    report = report_json(*map(str, exports))
    assert (report["rows_read"], report["rows_used"], report["learners"]) == (11, 10, 4)
    qs = {q["question"]: q for q in report["questions"]}
    assert set(qs) == {"num-fixed", "pick-one"}
    num, pick = qs["num-fixed"], qs["pick-one"]
    assert (num["attempts"], num["learners"], num["lesson"]) == (5, 4, "intro")
    assert (pick["attempts"], pick["learners"]) == (5, 4)
    # First try right: ana and dev on num-fixed, ben and dev on pick-one.
    assert num["facility"] == pick["facility"] == 0.5
    # Point-biserial of [1, 0, 0, 1] against the rest (best on the other question) [1, 1, 0, 1]:
    # cov 0.5 / sqrt(1 × 0.75).
    assert num["discrimination"] == pytest.approx(0.5 / 0.75**0.5, abs=1e-3)
    assert pick["discrimination"] == pytest.approx(0.5 / 0.75**0.5, abs=1e-3)
    assert num["median_seconds"] == 30  # 10, 20, 30, 40, 50
    assert pick["median_seconds"] == 20  # 5, 15, 25, 35 (ben's time unknown)
    assert num["top_notes"] == [{"note": "inverted", "count": 2}]
    assert num["top_wrong_answers"] == [{"answer": "1.33", "count": 2}]  # spaces trimmed
    assert pick["top_wrong_answers"] == [{"answer": "ReLU", "count": 2}]
    # Mastery of `intro` (ten questions): ana, ben, dev 2/10 each, cleo 0.
    (intro,) = report["lessons"]
    assert intro["lesson"] == "intro" and intro["learners"] == 4
    assert intro["bands"] == {"0–20 %": 1, "20–40 %": 3, "40–60 %": 0, "60–80 %": 0, "80–100 %": 0}
    assert intro["mean_mastery"] == 0.15


def test_terminal_and_html_reports(exports, tmp_path):
    page = tmp_path / "class.html"
    result = CliRunner().invoke(
        main, ["report", *map(str, exports), "--course", str(COURSE), "--html", str(page)]
    )
    assert result.exit_code == 0, result.output
    assert "num-fixed" in result.stdout and "inverted (2)" in result.stdout and "Lessons" in result.stdout
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert "http" not in html.replace("http-equiv", "")  # nothing fetched from elsewhere
    assert "<script" not in html


def test_hostile_answers_are_escaped_and_broken_rows_skipped(tmp_path):
    rows = [
        row(1, "eve", "num-fixed", 0.0, "<script>alert(1)</script>", ["<b>"]),
        row(2, "eve", "num-fixed", 7.0, "too much"),  # not an attempt: skipped, counted
        row(3, "eve", "pick-one", 1.0, "Sigmoid"),
    ]
    export = tmp_path / "eve.json"
    export.write_text(json.dumps(rows), encoding="utf-8")
    page = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(export), "--course", str(COURSE), "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "1 row skipped" in result.stdout
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


def test_a_file_that_is_not_an_export_is_named(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('[{"attempt_id": 1, "score": "high"}]', encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad), "--course", str(COURSE)])
    assert result.exit_code == 1 and "notes.json" in result.stderr and "Traceback" not in result.output
    bad.write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad), "--course", str(COURSE)])
    assert result.exit_code == 1 and "neither a csv, json nor xAPI export" in result.stderr


def test_csv_columns_are_the_shared_row_shape(tmp_path):
    out = tmp_path / "x.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        write_csv(ROWS["ana"], f)
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(FIELDS)


def test_a_discrimination_that_rounds_to_zero_is_never_minus_zero():
    from tutor.classroom.report import _round, fixed

    assert fixed(-0.001) == "0.00" and fixed(-0.0) == "0.00" and fixed(None) == "–"
    assert fixed(-0.2) == "-0.20" and fixed(0.456, 1) == "0.5"
    assert str(_round(-1e-9)) == "0.0"


def test_the_terminal_report_fits_80_columns_and_keeps_ids_whole(tmp_path, monkeypatch):
    long_ids = [f"a-rather-long-question-id-about-losses-{k}" for k in range(3)]
    rows = [
        row(10 * k + j, learner, qid, float((j + k) % 2), "0.5", seconds=10 + j)
        for k, qid in enumerate(long_ids)
        for j, learner in enumerate(["ana", "ben", "cleo", "dev"])
    ]
    export = tmp_path / "class.json"
    export.write_text(json.dumps(rows), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(main, ["report", str(export), "--course", str(COURSE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    table = result.output.split("What went wrong")[0]
    for qid in long_ids:
        assert qid in table  # whole, on one line
    assert "leaves out: lesson" in result.output


def test_a_right_answer_that_cost_a_hint_is_not_a_wrong_answer(tmp_path):
    # Right with a hint shown: score 0.7, verdict correct. Only ReLU was wrong.
    rows = [
        row(1, "ana", "pick-one", 0.7, "Sigmoid", hints_used=1, verdict="correct"),
        row(2, "ben", "pick-one", 0.0, "ReLU", ["wrong-option"]),
        row(3, "cleo", "pick-one", 0.0, "2", verdict="undecided"),
    ]
    export = tmp_path / "class.json"
    export.write_text(json.dumps(rows), encoding="utf-8")
    (pick,) = [q for q in report_json(str(export))["questions"] if q["question"] == "pick-one"]
    assert pick["top_wrong_answers"] == [{"answer": "ReLU", "count": 1}]
