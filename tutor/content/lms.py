"""What the LMS formats can carry, known both to `tutor check` (which warns before an export
loses something) and to the exporters in `tutor.classroom` (which adapt and say so)."""

from __future__ import annotations

# The grades Moodle's importers accept for an answer (its `question_bank::fraction_options_full`,
# matched within 1e-5): any other makes Moodle refuse the whole file ("invalid grade"). GIFT and
# Moodle XML both go through that check; QTI carries any score.
_POSITIVE: tuple[float, ...] = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333)
_POSITIVE += (0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)
MOODLE_GRADES: tuple[float, ...] = _POSITIVE + tuple(-g for g in _POSITIVE if g)


def moodle_grade(fraction: float) -> float:
    """The grade Moodle accepts nearest to `fraction` (`fraction` itself when Moodle accepts it)."""
    nearest = min(MOODLE_GRADES, key=lambda g: abs(g - fraction))
    return fraction if abs(nearest - fraction) < 1e-5 else nearest
