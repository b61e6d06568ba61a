"""Can this question be asked and graded? The errors `tutor check` gives, for one question.

Commands that ask or grade a question (`tutor grade`, `tutor quiz --plain`) check it first,
so a reference answer that cannot be read is reported as the same file:line message
`tutor check` prints, never as a traceback from deep inside grading.
"""

from __future__ import annotations

from tutor.content.diagnostics import Diagnostic
from tutor.content.loader import QuestionEntry


def question_problems(entry: QuestionEntry, seed: int | None = None) -> list[Diagnostic]:
    """The errors (not warnings) in `entry`, and, given a `seed`, in that variant."""
    from tutor.content.checks import check_question
    from tutor.content.variants import VariantError, instantiate

    found = [d for d in check_question(entry) if d.severity == "error"]
    if found or seed is None:
        return found
    try:
        instantiate(entry.question, seed)
    except VariantError as exc:
        return [_at(entry, exc.field, f"seed {seed}: {exc}")]
    except ValueError as exc:  # a ReadError or EvalError the static checks did not foresee
        return [_at(entry, (), f"seed {seed}: {exc}")]
    return []


def _at(entry: QuestionEntry, field: tuple[str | int, ...], message: str) -> Diagnostic:
    pos = entry.source.smap.pos((*entry.path, *field))
    return entry.source.diag(pos, message, entry.where())
