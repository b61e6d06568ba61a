"""Progress on disk: an append-only log of attempts plus a small state file.

Each attempt is one JSON line, flushed and fsynced as it is written, so a crash loses at most
the line being written. The state file (where the learner left off) is replaced atomically.

The learner's record must survive anything: a torn line, bytes that are not UTF-8, a line from
a newer version or edited by hand, a state file of the wrong shape, a folder that cannot be
written. Reading never raises: a line that is not an attempt is skipped and reported
(`skipped_lines`), and left in the file as it is. Writing never raises either: the first
failure is reported once (`save_problem`, `on_problem`), the quiz goes on, and attempts that
could not be written are kept in memory and written with the next one that can be.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

ENV_DIR = "TUTOR_DATA_DIR"

# An attempt is a few hundred bytes; a longer line is not one of ours, and is not parsed.
MAX_LINE = 1 << 20


def default_data_dir() -> Path:
    """`$TUTOR_DATA_DIR`, else the platform's per-user data folder."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    from platformdirs import user_data_dir

    return Path(user_data_dir("tutor", appauthor=False))


@dataclass(frozen=True)
class Attempt:
    question: str
    verdict: str
    score: float
    seed: int
    notes: tuple[str, ...] = ()
    hints: int = 0
    solution_seen: bool = False
    self_assessed: bool = False
    at: float = field(default_factory=time.time)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def attempt_from_json(data: Any) -> Attempt | None:
    """The attempt a decoded log line holds, or None when it is not a well-formed one.

    Every field is checked for its type, so that a hand-edited or foreign line cannot reach
    `best()` as a string score or a NaN. Unknown keys (from a newer version) are ignored.
    """
    if not isinstance(data, dict):
        return None
    question, verdict, score, seed = (data.get(k) for k in ("question", "verdict", "score", "seed"))
    if not (isinstance(question, str) and isinstance(verdict, str) and _is_int(seed)):
        return None
    if not (_is_number(score) and 0.0 <= score <= 1.0):
        return None
    notes = data.get("notes", [])
    hints = data.get("hints", 0)
    solution_seen = data.get("solution_seen", False)
    self_assessed = data.get("self_assessed", False)
    at = data.get("at", 0.0)
    if not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        return None
    if not (_is_int(hints) and hints >= 0 and _is_number(at)):
        return None
    if not (isinstance(solution_seen, bool) and isinstance(self_assessed, bool)):
        return None
    return Attempt(
        question=question,
        verdict=verdict,
        score=float(score),
        seed=seed,
        notes=tuple(notes),
        hints=hints,
        solution_seen=solution_seen,
        self_assessed=self_assessed,
        at=float(at),
    )


def _clean_state(data: dict[str, Any]) -> dict[str, Any]:
    """The state with the keys the app reads checked for shape; a wrong one is dropped."""
    out = dict(data)
    last = out.get("last")
    if "last" in out and not (
        isinstance(last, dict) and isinstance(last.get("kind"), str) and isinstance(last.get("ref"), str)
    ):
        del out["last"]
    opened = out.get("opened")
    if "opened" in out:
        if isinstance(opened, list):
            out["opened"] = [x for x in opened if isinstance(x, str)]
        else:
            del out["opened"]
    if "theme" in out and not isinstance(out["theme"], str):
        del out["theme"]
    return out


def _json_line(attempt: Attempt) -> str:
    line = json.dumps(asdict(attempt), ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8; escaped, it is still JSON
        line = json.dumps(asdict(attempt))
    return line + "\n"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


class ProgressStore:
    def __init__(self, folder: Path, on_problem: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.attempts_path = folder / "attempts.jsonl"
        self.state_path = folder / "state.json"
        self.quizzes_path = folder / "quizzes.json"  # quizzes in progress, by their ref
        self.quiz_problem: str | None = None  # why the quizzes in progress could not be read, if so
        self._quiz_lock = threading.Lock()  # an attempt is saved from the grading thread
        # Told once, with `save_problem`, when progress first cannot be saved.
        self.on_problem = on_problem
        self.save_problem: str | None = None
        self.read_problem: str | None = None  # why the log could not be read at all, if so
        self.skipped_lines: list[int] = []  # 1-based line numbers of the log that hold no attempt
        self._attempts: list[Attempt] | None = None
        self._unsaved: list[Attempt] = []  # recorded while the folder could not be written
        self._best: dict[str, float] | None = None  # derived from the attempts; reset on record

    @classmethod
    def default(cls, on_problem: Callable[[str], None] | None = None) -> ProgressStore:
        """The store in the learner's data folder (see `default_data_dir`)."""
        return cls(default_data_dir(), on_problem)

    def _cannot_save(self, exc: OSError) -> None:
        if self.save_problem is not None:
            return  # said once is enough
        self.save_problem = (
            f"Progress cannot be saved to {self.folder}: {_reason(exc)}. "
            "You can go on, but your answers are not being recorded."
        )
        if self.on_problem is not None:
            self.on_problem(self.save_problem)

    # ------------------------------------------------------------ attempts

    def record(self, attempt: Attempt) -> None:
        """Append `attempt` to the log; never raises (see `save_problem`)."""
        known = self.attempts()  # read what is on disk before adding to it
        known.append(attempt)
        self._best = None
        pending = [*self._unsaved, attempt]
        text = "".join(_json_line(a) for a in pending)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.attempts_path, "a+b") as f:
                # After a crash mid-line, start on a fresh line so this attempt is not glued to it.
                torn = False
                if f.seek(0, os.SEEK_END) > 0:
                    f.seek(-1, os.SEEK_END)
                    torn = f.read(1) != b"\n"
                f.write((("\n" if torn else "") + text).encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            self._unsaved = pending  # kept, and written with the next attempt that can be
            self._cannot_save(exc)
            return
        self._unsaved = []

    def attempts(self) -> list[Attempt]:
        if self._attempts is None:
            self._attempts = list(self._read_attempts())
        return self._attempts

    def _read_attempts(self) -> Iterable[Attempt]:
        try:
            with open(self.attempts_path, "rb") as f:
                raw = f.read()
        except (FileNotFoundError, NotADirectoryError):
            return  # no record yet
        except OSError as exc:
            self.read_problem = f"Your progress in {self.attempts_path} cannot be read: {_reason(exc)}."
            return
        # Split on b"\n" only: str.splitlines() would also cut at \r, \x85 or U+2028 inside a value.
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            attempt = None
            if len(line) <= MAX_LINE:
                try:
                    attempt = attempt_from_json(json.loads(line.decode("utf-8")))
                except (ValueError, RecursionError):  # torn, not UTF-8, not JSON, or nested too deep
                    attempt = None
            if attempt is None:
                self.skipped_lines.append(number)
            else:
                yield attempt

    def skipped_report(self) -> str | None:
        """A sentence for the learner about what of the record was skipped, or None."""
        if self.read_problem:
            return self.read_problem
        n = len(self.skipped_lines)
        if not n:
            return self.quiz_problem
        if self.quiz_problem:
            return f"{self._skipped_lines_report(n)} {self.quiz_problem}"
        return self._skipped_lines_report(n)

    def _skipped_lines_report(self, n: int) -> str:
        shown = ", ".join(str(x) for x in self.skipped_lines[:5]) + (", …" if n > 5 else "")
        return (
            f"{n} line{'s' if n != 1 else ''} of {self.attempts_path} could not be read "
            f"(line{'s' if n != 1 else ''} {shown}) and {'were' if n != 1 else 'was'} skipped. "
            "The file is left as it is; the rest of your progress is here."
        )

    def best(self) -> dict[str, float]:
        """Best score per question id."""
        if self._best is None:
            self._best = {}
            for a in self.attempts():
                self._best[a.question] = max(self._best.get(a.question, 0.0), a.score)
        return dict(self._best)

    def last(self) -> dict[str, Attempt]:
        """Latest attempt per question id."""
        return {a.question: a for a in self.attempts()}

    def to_revisit(self, question_ids: Iterable[str]) -> list[str]:
        """Questions among `question_ids` whose latest attempt was not fully right."""
        last = self.last()
        return [q for q in question_ids if q in last and last[q].score < 1.0]

    def fraction_done(self, question_ids: list[str]) -> float:
        """Mean best score over the questions (unattempted count as 0)."""
        if not question_ids:
            return 0.0
        best = self.best()
        return sum(best.get(q, 0.0) for q in question_ids) / len(question_ids)

    # ------------------------------------------------------------ where the learner left off

    def _read_state(self) -> tuple[dict[str, Any], bool]:
        """The state, and whether a file is there that is not a JSON object."""
        try:
            data = json.loads(self.state_path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return {}, False
        except (OSError, ValueError, RecursionError):
            return {}, self.state_path.exists()
        if not isinstance(data, dict):
            return {}, True
        return _clean_state(data), False

    def state(self) -> dict[str, Any]:
        """Where the learner left off; `{}` when the file is missing or unreadable. Never raises."""
        return self._read_state()[0]

    def set_state(self, **changes: Any) -> None:
        """Merge `changes` into the state file, replacing it whole; never raises."""
        current, broken = self._read_state()
        data = {**current, **changes}
        tmp = self.state_path.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if broken:  # keep what was there for whoever wants to look at it
                os.replace(self.state_path, self.state_path.with_suffix(".json.bad"))
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self.state_path)
        except OSError as exc:
            self._cannot_save(exc)

    # ------------------------------------------------------------ quizzes in progress

    def _read_quizzes(self) -> tuple[dict[str, Any], bool]:
        """The quizzes in progress, and whether a file is there that is not a JSON object."""
        try:
            data = json.loads(self.quizzes_path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return {}, False
        except (OSError, ValueError, RecursionError) as exc:
            reason = _reason(exc) if isinstance(exc, OSError) else "it is not valid JSON"
            self.quiz_problem = (
                f"The quiz in progress in {self.quizzes_path} could not be read ({reason}); it starts afresh."
            )
            return {}, self.quizzes_path.exists()
        if not isinstance(data, dict):
            self.quiz_problem = (
                f"The quiz in progress in {self.quizzes_path} could not be read; it starts afresh."
            )
            return {}, True
        return {k: v for k, v in data.items() if isinstance(v, dict)}, False

    def quiz(self, ref: str) -> dict[str, Any] | None:
        """The saved quiz on `ref` (as `QuizSession.snapshot` made it), or None. Never raises."""
        with self._quiz_lock:
            return self._read_quizzes()[0].get(ref)

    def save_quiz(self, ref: str, data: dict[str, Any] | None) -> None:
        """Keep the quiz in progress on `ref` (None forgets it), replacing the file atomically;
        never raises (see `save_problem`)."""
        with self._quiz_lock:
            quizzes, broken = self._read_quizzes()
            if data is None:
                if ref not in quizzes:
                    return
                del quizzes[ref]
            else:
                quizzes[ref] = data
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                if broken:  # kept for whoever wants to look at it
                    os.replace(self.quizzes_path, self.quizzes_path.with_suffix(".json.bad"))
                fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".quizzes.", suffix=".tmp")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as f:
                        json.dump(quizzes, f, ensure_ascii=False)
                        f.flush()
                        os.fsync(f.fileno())
                    os.replace(tmp, self.quizzes_path)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
            except (OSError, ValueError) as exc:  # ValueError: a value JSON cannot hold
                if isinstance(exc, OSError):
                    self._cannot_save(exc)
