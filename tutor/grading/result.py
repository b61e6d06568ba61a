"""What grading returns: a verdict, a score, and words a learner can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tutor.content.verdicts import VERDICTS, Verdict

# Control characters (terminal escape sequences among them) and lone surrogates, which no
# terminal or web page can show: words for a learner never carry them, whoever wrote them.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every control character and lone surrogate shown as U+FFFD."""
    return _UNSHOWABLE.sub("\ufffd", text)


__all__ = ["VERDICTS", "Result", "Verdict", "caret", "invalid", "printable"]

SYMBOLS: dict[str, str] = {
    "correct": "✓ Correct",
    "partial": "◐ Partly correct",
    "incorrect": "✗ Incorrect",
    "invalid": "? Cannot read",
    "undecided": "… Could not decide",
}


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    score: float = 0.0
    notes: tuple[str, ...] = ()  # stable tags for statistics: "sign", "log-base", "factor-2"
    feedback: tuple[str, ...] = ()  # sentences for the learner, most important first
    read_as: str | None = None  # Unicode rendering of how the answer was read
    rule: str | None = None  # the tolerance or check that decided, e.g. "within 1 %"
    position: int | None = None  # for `invalid`: where in the answer the problem is
    parts: tuple[Result, ...] = ()  # per step, per line or per test case
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Feedback and readings often quote the answer back: one place makes them printable.
        if any(_UNSHOWABLE.search(line) for line in self.feedback):
            object.__setattr__(self, "feedback", tuple(printable(line) for line in self.feedback))
        if self.read_as is not None and _UNSHOWABLE.search(self.read_as):
            object.__setattr__(self, "read_as", printable(self.read_as))

    @property
    def counts_as_attempt(self) -> bool:
        # An unreadable answer costs nothing: the learner fixes it and tries again. Nor does
        # one the grader itself failed on.
        return self.verdict != "invalid" and not self.details.get("grader_failed")

    @property
    def label(self) -> str:
        return SYMBOLS[self.verdict]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "score": round(self.score, 6),
            "notes": list(self.notes),
            "feedback": list(self.feedback),
            "read_as": self.read_as,
            "rule": self.rule,
        }
        if self.position is not None:
            out["position"] = self.position
        if self.parts:
            out["parts"] = [p.to_json() for p in self.parts]
        if self.details:
            out["details"] = self.details
        return out


def caret(source: str, position: int) -> list[str]:
    """A one-line answer and a caret under the character at `position`, as both the app and
    plain mode show where an answer cannot be read."""
    return [f"  {source}", "  " + " " * position + "^"]


def invalid(message: str, position: int | None = None, hint: str | None = None) -> Result:
    feedback = (message,) if hint is None else (message, hint)
    return Result("invalid", 0.0, feedback=feedback, position=position)
