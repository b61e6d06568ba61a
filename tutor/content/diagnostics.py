"""Problems found in a course, each pinned to a file, line and column."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Diagnostic:
    file: Path
    line: int
    col: int
    message: str
    where: str | None = None  # "question 'bce-grad'", "lesson 'bce'", "bank 'bce'"
    severity: Literal["error", "warning"] = "error"
    # Caused by another finding (a quiz naming a bank that did not load): listed after every
    # finding that is not, so that fixing from the top of the report fixes causes first.
    caused: bool = False

    def display_path(self) -> str:
        """The file relative to the working directory when it is inside it, as editors like."""
        try:
            return os.path.relpath(self.file)
        except ValueError:  # pragma: no cover - other drive on Windows
            return str(self.file)

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        level = "warning: " if self.severity == "warning" else ""
        return f"{self.display_path()}:{self.line}:{self.col}: {level}{where}{self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.display_path(),
            "line": self.line,
            "column": self.col,
            "severity": self.severity,
            "where": self.where,
            "message": self.message,
        }


def sort_key(d: Diagnostic) -> tuple[bool, str, int, int]:
    return (d.caused, str(d.file), d.line, d.col)
