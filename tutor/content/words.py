"""Small helpers for the words people read, shared by every command and screen."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 question`, `3 questions`: never `question(s)`."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def points(value: float) -> str:
    """A score as people write it: at most two decimals, no trailing zeros (1, 0.5, 12.33)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# What the grader's own notes on a wrong answer mean, in a learner's words (a course's notes are
# ids its authors chose: `note_name` spells those out).
NOTE_NAMES = {
    "wrong-option": "a wrong option picked",
    "incomplete-selection": "options missed or picked too many",
    "self-assessed": "rubric points missed (your own check)",
    "sign": "sign flipped",
    "reciprocal": "upside down (the reciprocal)",
    "log-base": "log10 where ln is meant",
    "sum-not-mean": "the sum where the mean is meant",
    "close": "close, but not within the tolerance",
    "sigfigs": "too few significant figures",
    "form": "the right value in the wrong form",
    "spelling": "a spelling slip",
    "order": "steps in the wrong order",
    "pairs": "wrong pairs matched",
    "wrong-length": "a vector of the wrong length",
    "wrong-start": "a derivation from the wrong start",
    "wrong-result": "a derivation to the wrong result",
    "broken-link": "a step that does not follow",
    "carried-forward": "an earlier slip carried forward",
    "undecided": "could not be decided",
    "too-large": "output too large",
    "code-unavailable": "code that could not be run",
    "broken-question": "a question that could not be graded",
    "wrong-end": "an interval with a wrong end",
    "openness": "an interval's end included or left out wrongly",
    "skipped-step": "a derivation that skips the work asked for",
}
_ACRONYMS = {"mse", "mae", "bce", "rmse", "nll", "ce", "kl", "mle", "lr", "ml", "l1", "l2", "nan", "inf"}


def note_name(note: str) -> str:
    """A note on a wrong answer as a learner reads it: `sum-not-mean` → "the sum where the mean is
    meant", `factor-1-over-2` → "off by a factor of 1/2", `mse-not-bce` → "MSE not BCE"."""
    if note in NOTE_NAMES:
        return NOTE_NAMES[note]
    if note.startswith("factor-") and len(note) > len("factor-"):
        return "off by a factor of " + note[len("factor-") :].replace("-over-", "/")
    words = [w.upper() if w.lower() in _ACRONYMS else w for w in note.replace("_", "-").split("-") if w]
    return " ".join(words) or note
