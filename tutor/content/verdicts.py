"""The names of the verdicts: the one list that grading, self-tests, the record and the UI use."""

from __future__ import annotations

from typing import Literal, get_args

Verdict = Literal["correct", "partial", "incorrect", "invalid", "undecided"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
