"""The words of a verdict, shared by the app's feedback panel and the plain mode."""

from __future__ import annotations

from tutor.grading.result import Result


def feedback_text(
    result: Result,
    earned: float | None,
    answer: str | None = None,
    show_reading: bool = True,
    kept: float | None = None,
) -> str:
    """The panel's text, also used by the plain mode so both say the same thing.

    `earned` is what this try earns; `kept`, the question's best so far, when an earlier try
    earned more (a practice try after a right answer takes nothing away)."""
    lines = [result.label]
    if not result.counts_as_attempt:
        lines[0] += " (this try does not count)"
    elif earned is not None and kept is not None and kept > earned:
        lines[0] += f" · this try earns {earned:.2g}; the question keeps {kept:.2g} from an earlier try"
    elif earned is not None:
        lines[0] += f" · this question earns {earned:.2g}"
        if earned < result.score:
            spent = "hints, earlier tries or the solution cost the rest"
            lines[0] += f" (the answer is worth {result.score:.2g}; {spent})"
    if result.rule:
        lines[0] += f" · {result.rule}" if result.verdict == "correct" else f" · needed: {result.rule}"
    if result.read_as and show_reading:
        lines.append(f"read as: {result.read_as}")
    for text in result.feedback:
        lines.append(f"• {text}")
    if result.verdict == "invalid" and result.position is not None and answer and "\n" not in answer:
        lines.append(f"  {answer}")
        lines.append("  " + " " * result.position + "^")
    # each part's words are in the feedback above already ("Step 2: …"): just the verdicts
    for i, part in enumerate(result.parts, start=1):
        lines.append(f"  {i}. {part.label}")
    return "\n".join(lines)
