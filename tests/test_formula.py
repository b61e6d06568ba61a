"""Lesson formulas: pretty-printed only where SymPy shows them faithfully."""

from __future__ import annotations

import unicodedata

from tutor.content import model as m
from tutor.tui.widgets.formula import pretty_formula


def formula(text: str) -> m.Formula:
    # as a lesson's `formulas:` list reads it, shorthand string and all
    section = m.Section.model_validate({"title": "t", "formulas": [text]})
    return section.formulas[0]


def test_the_authors_form_is_kept():
    art = pretty_formula(formula("g(y_hat, y, n) = 2*(y_hat - y)/n"))
    assert art is not None
    art = unicodedata.normalize("NFC", art)  # SymPy writes ŷ as y + a combining hat
    assert "2⋅(ŷ - y)" in art and "─" in art  # a real fraction bar, and no (−2y + 2ŷ)


def test_cases_are_drawn_with_a_brace():
    art = pretty_formula(formula("L(e, delta) = e^2/2 if |e| <= delta else delta*(|e| - delta/2)"))
    assert art is not None and "⎧" in art and "for │e│ ≤ δ" in art


def test_vector_functions_and_sigmoid_stay_on_one_line():
    # SymPy would treat z as one number: sum(exp(z)) = exp(z), softmax(z) = 1
    for text in (
        "p(z_i, z) = exp(z_i)/sum(exp(z))",
        "s(z) = softmax(z)",
        "l(z) = logsumexp(z) - max(z)",
        "g(z, y) = sigmoid(z) - y",
        "h(e, d) = clip(e, -d, d)",
    ):
        assert pretty_formula(formula(text)) is None, text
