"""Learners sharing one served app: each name gets its own progress folder.

`tutor serve` starts one app per browser connection; each asks who is learning and keeps that
learner's record in `<base>/<folder>`, where the folder name is made from the name and can
never reach outside `base` (no separators, dots or control characters survive).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

MAX_NAME = 60
# The learner a served session is for when `tutor serve --trust-user-header` takes the name from
# an authenticating proxy: set per connection by the server, passed on by the session's start
# (tutor/tui/web/connect.py, warm.py), and checked with `check_name` at every step.
LEARNER_ENV = "TUTOR_LEARNER"


def check_name(text: str) -> str | None:
    """Why `text` cannot be a learner's name, or None when it can."""
    name = text.strip()
    if not name:
        return "Type your name (or a nickname) to keep your progress apart from others'."
    if len(name) > MAX_NAME:
        return f"At most {MAX_NAME} characters, please."
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "Letters, digits, spaces and punctuation only."
    if not any(c.isalnum() for c in name):
        return "Use at least one letter or digit."
    return None


def folder_name(name: str) -> str:
    """A safe folder name for `name`: lowercase ASCII letters, digits and dashes, plus a short
    hash of the exact name so that 'Ana' and 'ana!' stay apart."""
    plain = unicodedata.normalize("NFKD", name.strip()).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40]
    digest = hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'learner'}-{digest}"


def learner_folder(base: Path, name: str) -> Path:
    """The progress folder of learner `name` under `base` (always directly inside it)."""
    folder = base / folder_name(name)
    assert folder.parent == base  # folder_name never yields a separator or '..'
    return folder
