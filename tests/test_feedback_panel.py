"""Authored feedback is Markdown: its emphasis shows as emphasis, its multiplication stays."""

from __future__ import annotations

from tutor.tui.widgets.feedback import inline_markdown


def test_emphasis_and_code_lose_their_marks():
    text = inline_markdown("It is *and*, not **or**: see `np.where`.")
    assert text.plain == "It is and, not or: see np.where."
    assert [str(s.style) for s in text.spans] == ["italic", "bold", "bold"]


def test_a_star_between_operands_is_multiplication():
    for formula in ("2*(y - ŷ)*x", "a * b * c", "w*x + b*y"):
        assert inline_markdown(formula).plain == formula
