"""Author `functions:` that grow exponentially when written out (each calling the one before
eight times) are refused by size, before anything evaluates them: `tutor check`, a grade, and a
lesson plot, which the app draws on its screen's thread."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tutor.cli import main
from tutor.content.expressions import declared_functions
from tutor.content.lessons import plot_series
from tutor.content.loader import load_course
from tutor.expr import MAX_EXPANDED, EvalError, FunctionDef, evaluate, parse, to_sympy


def chain(top: int) -> dict[str, str]:
    """f1(x) = x + 1, and each f(i) the sum of eight calls of f(i-1)."""
    bodies = {"f1": "x + 1"}
    for i in range(2, top + 1):
        bodies[f"f{i}"] = " + ".join([f"f{i - 1}(x)"] * 8)
    return bodies


def _yaml(bodies: dict[str, str], indent: int) -> str:
    return "\n".join(" " * indent + f"{k}: {v}" for k, v in bodies.items())


def test_each_function_too_large_once_written_out_is_refused_by_name() -> None:
    defs, problems = declared_functions(chain(9), ["t"])
    refused = [key for key, _ in problems]
    # 8^4 calls of f1 are over the cap, 8^3 are not; each refused one is named, and said why
    assert list(defs) == ["f1", "f2", "f3", "f4"]
    assert refused == ["f5", "f6", "f7", "f8", "f9"]
    assert all("too large" in why and f"{MAX_EXPANDED:,}" in why for _, why in problems)


def _hand_built(top: int) -> dict[str, FunctionDef]:
    """The chain built without `declared_functions` (as a caller could): nothing refused yet."""
    defs: dict[str, FunctionDef] = {}
    for name, body in chain(top).items():
        defs[name] = FunctionDef(("x",), parse(body, variables=["x"], functions=list(defs)))
    return defs


def test_evaluating_an_expression_too_large_once_written_out_is_refused() -> None:
    defs = _hand_built(6)
    tree = parse("f6(t)", variables=["t"], functions=list(defs))
    with pytest.raises(EvalError, match="too large"):
        evaluate(tree, {"t": 1.0}, defs)
    with pytest.raises(EvalError, match="too large"):
        to_sympy(tree, defs)
    # a few calls of an allowed function are still fine
    small = parse("f3(t) + f3(t)", variables=["t"], functions=list(defs))
    assert evaluate(small, {"t": 1.0}, defs) == 2 * 8 * 8 * 2.0


def test_check_names_the_function_at_its_line(make_course) -> None:
    bank = f"""
bank: bomb
title: Bomb
questions:
  - id: bomb-q
    type: expression
    prompt: Give f9(x).
    variables:
      x: {{domain: real}}
    functions:
{_yaml(chain(9), 6)}
    answer: f3(x)
"""
    root = make_course(questions={"bomb.yaml": bank})
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 1, result.output
    for i, line in zip(range(5, 10), range(14, 19), strict=True):
        assert f"bomb.yaml:{line}:11: question 'bomb-q': function `f{i}`: too large" in result.output


def test_a_plot_of_such_functions_is_not_evaluated(make_course) -> None:
    lesson = f"""
id: bomb
title: Bomb
summary: s
sections:
  - title: A
    body: b
    plot:
      range: [-1, 1]
      functions:
{_yaml(chain(9), 8)}
      curves:
        - {{y: "f9(x)", label: bomb}}
        - {{y: "f2(x)", label: small}}
"""
    root = make_course(lessons={"bomb.yaml": lesson})
    plot = load_course(root).lessons[0].lesson.sections[0].plot
    _, series = plot_series(plot)
    assert [s.label for s in series] == ["small"]
    result = CliRunner().invoke(main, ["check", str(root)])
    assert "bomb.yaml:18:13: lesson 'bomb': function `f9`: too large" in result.output, result.output


def test_a_plot_of_many_allowed_curves_draws_only_what_fits(make_course) -> None:
    # f4 is allowed (8^3 calls of f1), but ten curves of it are over the cap together
    curves = "\n".join(f'        - {{y: "f4(x)", label: c{i}}}' for i in range(10))
    lesson = f"""
id: many
title: Many
summary: s
sections:
  - title: A
    body: b
    plot:
      range: [-1, 1]
      functions:
{_yaml(chain(4), 8)}
      curves:
{curves}
"""
    root = make_course(lessons={"many.yaml": lesson})
    plot = load_course(root).lessons[0].lesson.sections[0].plot
    _, series = plot_series(plot)
    assert 0 < len(series) < 10
    result = CliRunner().invoke(main, ["check", str(root)])
    drawn = len(series)
    assert f"curve `c{drawn}`: the plot's curves together are too large to draw" in result.output, (
        result.output
    )
