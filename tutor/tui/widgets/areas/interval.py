"""The answer area of `interval` questions: one line, with the set it reads as shown as it is
typed (`reads as: (0, 0.25) ∪ [1, ∞)`), as for a number."""

from __future__ import annotations

from tutor.tui.widgets.answers import MathAnswer, register_area


@register_area("interval")
class IntervalAnswer(MathAnswer):
    """The value is the line as typed; the kind reads it (`tutor.kinds.interval`)."""
