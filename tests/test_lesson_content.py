"""Lessons compute their own numbers: `values:`, placeholders, formulas and plot curves."""

from __future__ import annotations

import math

from click.testing import CliRunner

from tutor.cli import main
from tutor.content.lessons import compute_values, plot_series, section_body
from tutor.content.loader import load_course

LESSON = """
id: x
title: X
summary: s
values:
  y: "[85, 72, 90, 60]"
  yhat: "[80, 75, 88, 65]"
  mse: mean((y - yhat)^2)
  p: 0.01
  bad: log(
  inf: log(0)
sections:
  - title: A
    body: |
      MSE is {{mse:.2f}} on {{y}} and {{msee}}, {{bad}} and {{mse:q}}; p is {{p}}.
    formulas:
      - "L(y, p) = -(y log(p) + (1-y) log(1-p))"
      - "L(y) = q + 1"
      - {show: "dL/dz", expr: "sigmoid(z) - y", variables: [z, y]}
    plot:
      range: [0, 1]
      y_range: [1, 0]
      controls:
        d: {min: 3, max: 1, value: 2, step: 1}
        k: {min: 0, max: 4, value: 1, step: 1}
      curves:
        - {y: k*x^2, label: scaled square}
"""


def test_values_are_computed_in_order_and_fill_the_text(make_course):
    course = load_course(make_course(lessons={"x.yaml": LESSON}))
    lesson = course.lessons[0].lesson
    computed = compute_values(lesson)
    # (25 + 9 + 4 + 25) / 4, worked by hand
    assert computed.values["mse"] == 15.75
    body = section_body(lesson.sections[0], computed.values)
    assert "MSE is 15.75 on [85, 72, 90, 60]" in body
    assert "p is 0.01" in body
    assert {p.name for p in computed.problems} == {"bad", "inf"}


def test_formula_shorthand_takes_variables_from_the_left_side(make_course):
    lesson = load_course(make_course(lessons={"x.yaml": LESSON})).lessons[0].lesson
    first, _, third = lesson.sections[0].formulas
    assert first.show == "L(y, p)" and first.variables == ["y", "p"]
    assert first.expr.startswith("-(y log(p)")
    assert third.show == "dL/dz" and third.variables == ["z", "y"]


def test_plot_series_follows_the_controls(make_course):
    plot = load_course(make_course(lessons={"x.yaml": LESSON})).lessons[0].lesson.sections[0].plot
    xs, series = plot_series(plot, {"k": 3}, points=11)
    assert math.isclose(series[0].ys[-1], 3.0) and math.isclose(xs[5], 0.5)
    _, default = plot_series(plot, None, points=11)
    assert math.isclose(default[0].ys[-1], 1.0)


def test_check_reports_each_lesson_problem_at_its_line(make_course):
    root = make_course(lessons={"x.yaml": LESSON})
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 1
    out = result.output
    assert "x.yaml:9:11: lesson 'x': value `bad`: the expression ends after `(`" in out
    assert "x.yaml:10:8: lesson 'x': value `inf`: is not a finite number" in out
    assert "unknown value `{{msee}}` in the text (did you mean `mse`?)" in out
    assert "`{{mse:q}}` cannot be formatted" in out
    assert "formula `q + 1`: `q` is not a known name" in out
    assert "y_range needs low < high" in out
    assert "control `d`: min must be below max" in out
    # a value that is broken is reported once, at its definition, not again at its use
    assert out.count("`bad`") == 1


def test_formula_variables_may_be_written_in_unicode(make_course):
    from tutor.content.lessons import formula_tree
    from tutor.expr import free_names

    lesson = LESSON.replace('"L(y) = q + 1"', '"MSE(y, ŷ) = mean((y - ŷ)^2)"')
    formula = load_course(make_course(lessons={"x.yaml": lesson})).lessons[0].lesson.sections[0].formulas[1]
    assert set(free_names(formula_tree(formula))) == {"y", "y_hat"}


def test_a_lesson_quiz_may_name_a_bank_that_shares_the_lessons_id(make_course):
    bank = """
    bank: regression
    title: R
    lesson: regression
    questions:
      - {id: one, type: numeric, prompt: "1 + 1?", answer: "2", hints: [Add.], tests: [{answer: "2", expect: correct}]}
    """
    lesson = """
    id: regression
    title: Regression
    summary: s
    sections: [{title: A}]
    quiz: [regression]
    """
    course = load_course(make_course(questions={"r.yaml": bank}, lessons={"r.yaml": lesson}))
    assert [e.id for e in course.resolve("regression")] == ["one"]


def test_plot_curves_and_titles_use_the_lessons_numbers(make_course):
    lesson = """
    id: v
    title: V
    summary: s
    values:
      x0: 2
      y0: 3
      points: "[1, 2]"
    sections:
      - title: A
        plot:
          title: "Loss against w (x = {{x0}}, y = {{y0}}, {{nope}})"
          x: w
          range: [0, 2]
          curves:
            - {y: (x0*w - y0)^2, label: loss}
            - {y: points*w, label: a vector cannot follow the axis}
    """
    root = make_course(lessons={"v.yaml": lesson})
    loaded = load_course(root).lessons[0].lesson
    values = compute_values(loaded).values
    plot = loaded.sections[0].plot
    _, series = plot_series(plot, None, points=3, values=values)
    assert [s.label for s in series] == ["loss"]
    assert list(series[0].ys) == [9.0, 1.0, 1.0]  # (2w − 3)² at w = 0, 1, 2
    out = CliRunner().invoke(main, ["check", str(root)]).output
    assert "unknown value `{{nope}}` in the plot title" in out
    assert "curve `a vector cannot follow the axis`: `points` is not a known name" in out
