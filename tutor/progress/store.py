"""Progress on disk: an append-only log of attempts plus a small state file.

Each attempt is one JSON line, flushed and fsynced as it is written, so a crash loses at most
the line being written; a torn last line is skipped when reading. The state file (where the
learner left off) is replaced atomically.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ENV_DIR = "TUTOR_DATA_DIR"


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


class ProgressStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.attempts_path = folder / "attempts.jsonl"
        self.state_path = folder / "state.json"
        self._attempts: list[Attempt] | None = None
        self._best: dict[str, float] | None = None  # derived from the attempts; reset on record

    @classmethod
    def default(cls) -> ProgressStore:
        return cls(default_data_dir())

    # ------------------------------------------------------------ attempts

    def record(self, attempt: Attempt) -> None:
        known = self.attempts()  # read what is on disk before adding to it
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(attempt), ensure_ascii=False)
        with open(self.attempts_path, "a+b") as f:
            # After a crash mid-line, start on a fresh line so this attempt is not glued to it.
            torn = False
            if f.seek(0, os.SEEK_END) > 0:
                f.seek(-1, os.SEEK_END)
                torn = f.read(1) != b"\n"
            f.write((("\n" if torn else "") + line + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        known.append(attempt)
        self._best = None

    def attempts(self) -> list[Attempt]:
        if self._attempts is None:
            self._attempts = list(self._read_attempts())
        return self._attempts

    def _read_attempts(self) -> Iterable[Attempt]:
        try:
            text = self.attempts_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        for line in text.splitlines():
            try:
                data = json.loads(line)
                data["notes"] = tuple(data.get("notes", ()))
                yield Attempt(**data)
            except (ValueError, TypeError):
                continue  # a line torn by a crash, or from a newer version

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

    def state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def set_state(self, **changes: Any) -> None:
        data = {**self.state(), **changes}
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)
