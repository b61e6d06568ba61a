"""Progress on disk: one SQLite database per learner (`progress.sqlite3` in the data folder).

Every graded attempt is committed as it is graded (WAL, synchronous=FULL), together with what it
does to the question's FSRS card and a review log, in one transaction: a kill -9 loses nothing
that was graded. Where the learner left off (`state`) and the quizzes in progress live in the
same database, so they survive a crash too. Two `tutor` processes on one folder take turns
(each write is a short IMMEDIATE transaction; readers never wait in WAL mode).

The schema is versioned with `PRAGMA user_version` (`MIGRATIONS`). A database created in a
folder that still holds the record of an older tutor (`attempts.jsonl`, `state.json`,
`quizzes.json`) imports it once, in the same transaction, and leaves those files as they are.

The learner's record must survive anything. Reading never raises: a line of the old log that
is not an attempt is skipped and reported (`skipped_lines`). A database that cannot be read is
moved aside (never deleted), said in `skipped_report`, and a fresh one started (which imports
the old log again, if there is one). Writing never raises either: a folder that cannot be
written is said once (`save_problem`, `on_problem`), the record is read as it is and kept in
memory for the session, and attempts that could not be committed are written with the next one
that can.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import math
import os
import sqlite3
import stat
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeGuard

from tutor.content.files import read_capped
from tutor.content.words import plural
from tutor.progress import srs
from tutor.progress.rating import AGAIN, median, rating_for

ENV_DIR = "TUTOR_DATA_DIR"
DB_NAME = "progress.sqlite3"
QUICK_CHECK_BYTES = 4 << 20  # a database up to this size gets SQLite's whole quick_check at start
MEDIAN_OF = 50  # "the question's median time" is over its latest timed attempts (read by the index)

# An attempt is a few hundred bytes; a longer line of the old log is not one of ours.
MAX_LINE = 1 << 20
OLD_LOG_BYTES = 1 << 30  # the old log is read whole, once: a million attempts are ~400 MB
OLD_JSON_BYTES = 64 << 20


def default_data_dir() -> Path:
    """`$TUTOR_DATA_DIR` (which `tutor --data-dir` sets), else the platform's per-user data folder."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    from platformdirs import user_data_dir

    return Path(user_data_dir("tutor", appauthor=False))


def os_user() -> str:
    """The name the operating system knows the learner by (the default learner name)."""
    try:
        return getpass.getuser() or "learner"
    except Exception:  # no user name in the environment or the password database
        return "learner"


def _new_id() -> str:
    return str(uuid.uuid4())


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
    at: float = field(default_factory=time.time)  # Unix time (UTC)
    answer: str = ""  # the raw answer text
    seconds: float | None = None  # from the question (or its fresh variant) being shown to this answer
    quiz: str | None = None  # the lesson, bank or question id of the quiz; None in a review
    try_number: int = 1  # graded attempts at this question in this quiz, this one included
    attempt_id: str = field(default_factory=_new_id)
    learner: str = ""  # filled in by the store when empty
    course_id: str = ""
    course_version: str = ""


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def attempt_from_json(data: Any) -> Attempt | None:
    """The attempt a decoded line of the old log holds, or None when it is not a well-formed one.

    Every field is checked for its type, so that a hand-edited or foreign line cannot reach the
    database as a string score or a NaN. Unknown keys (from a newer version) are ignored.
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
    for key in ("theme", "learner"):
        if key in out and not isinstance(out[key], str):
            del out[key]
    for key in ("new_per_day", "reviews_per_day"):  # settings: whole numbers, 0 to 9999
        value = out.get(key)
        if key in out and not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999):
            del out[key]
    places = out.get("places")
    if "places" in out:  # lesson id → [section index, lines scrolled into it]
        if isinstance(places, dict):
            out["places"] = {
                k: [int(v[0]), int(v[1])]
                for k, v in places.items()
                if isinstance(k, str)
                and isinstance(v, list)
                and len(v) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 100_000 for x in v)
            }
        else:
            del out["places"]
    return out


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8; escaped, it is still JSON
        return json.dumps(value)


def _text(value: str) -> str:
    """Text SQLite can store as UTF-8: a lone surrogate (from a terminal's bad bytes) is escaped."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


# ---------------------------------------------------------------- the schema and its migrations

SCHEMA_1 = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    attempt_id TEXT NOT NULL UNIQUE,
    learner TEXT NOT NULL,
    course_id TEXT NOT NULL,
    course_version TEXT NOT NULL,
    question TEXT NOT NULL,
    quiz TEXT,
    seed INTEGER NOT NULL,
    answer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    score REAL NOT NULL,
    notes TEXT NOT NULL,            -- a JSON list of mistake and diagnosis tags
    hints INTEGER NOT NULL,
    solution_seen INTEGER NOT NULL,
    self_assessed INTEGER NOT NULL,
    try_number INTEGER NOT NULL,
    seconds REAL,
    at REAL NOT NULL                -- Unix time, UTC
);
CREATE INDEX attempts_question_at ON attempts (question, at);
CREATE INDEX attempts_at ON attempts (at);
-- One row per question, kept with every attempt, so that the course map never scans the log.
CREATE TABLE questions (
    question TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    best REAL NOT NULL,
    last_score REAL NOT NULL,
    last_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE cards (
    question TEXT PRIMARY KEY,
    card TEXT NOT NULL,             -- fsrs.Card as JSON
    due REAL NOT NULL,
    last_review REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX cards_due ON cards (due);
-- What fitting FSRS parameters needs (fsrs.ReviewLog): the card, the rating, when, how long.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,
    card_id INTEGER NOT NULL,
    rating INTEGER NOT NULL,
    at REAL NOT NULL,
    duration_ms INTEGER,
    attempt_id TEXT                 -- NULL when the learner gave up without answering
);
CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE quizzes (ref TEXT PRIMARY KEY, data TEXT NOT NULL, at REAL NOT NULL) WITHOUT ROWID;
"""

# A quiz the learner went through to its end, with the score tutor showed: what an xAPI
# `completed` statement says (a quiz left midway has none).
SCHEMA_2 = """
CREATE TABLE finished (
    id INTEGER PRIMARY KEY,
    learner TEXT NOT NULL,
    course_id TEXT NOT NULL,
    course_version TEXT NOT NULL,
    quiz TEXT NOT NULL,
    score REAL NOT NULL,            -- 0..1, weighted, unanswered questions counting 0
    correct INTEGER NOT NULL,
    total INTEGER NOT NULL,
    seconds REAL,
    at REAL NOT NULL
);
"""

# MIGRATIONS[n] takes a database from user_version n to n + 1.
MIGRATIONS: list[str] = [SCHEMA_1, SCHEMA_2]
SCHEMA_VERSION = len(MIGRATIONS)


class _Corrupt(Exception):
    """The database file is there but is not a readable SQLite database."""


@dataclass(frozen=True)
class FinishedQuiz:
    """A quiz gone through to its end, and the score tutor showed for it."""

    learner: str
    course_id: str
    course_version: str
    quiz: str
    score: float
    correct: int
    total: int
    seconds: float | None
    at: float


@dataclass(frozen=True)
class QuestionStats:
    attempts: int
    best: float
    last_score: float
    last_at: float


OPEN_TRIES = 20  # opening a database another process is making at the same moment
# How long a write waits for another process's lock. Another tutor's writes take milliseconds;
# a lock held longer (a tutor stopped in a debugger, `sqlite3` holding a transaction) is said
# at once and the quiz goes on, the attempts kept and written when the lock is gone.
LOCK_WAIT = 3.0
HELD_WAIT_MS = 100  # what a write waits once the lock is known to be held
RETRY_EVERY = 2.0  # seconds between tries to write what waits for a locked database


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


class ProgressStore:
    def __init__(
        self,
        folder: Path,
        on_problem: Callable[[str], None] | None = None,
        *,
        learner: str | None = None,
        clock: Callable[[], float] = time.time,
        fuzz: bool = True,
    ) -> None:
        self.folder = folder
        self.db_path = folder / DB_NAME
        # The record of tutor before the database; imported once, then left as it is.
        self.attempts_path = folder / "attempts.jsonl"
        self.state_path = folder / "state.json"
        self.quizzes_path = folder / "quizzes.json"
        self.quiz_problem: str | None = None  # why the old quizzes in progress could not be imported
        # Told once, with `save_problem`, when progress first cannot be saved.
        self.on_problem = on_problem
        self.save_problem: str | None = None
        self.read_problem: str | None = None  # why the old log could not be read at all, if so
        self.moved_aside: str | None = None  # said when an unreadable database was moved aside
        self.skipped_lines: list[int] = []  # 1-based line numbers of the old log that hold no attempt
        self.imported = 0  # attempts imported from the old log when this database was made
        self.clock = clock
        self.fuzz = fuzz
        self.course_id = ""  # set by the app once the course is loaded (see `set_course`)
        self.course_version = ""
        self._learner = learner
        self._lock = threading.RLock()  # an attempt is saved from the grading thread
        self._conn: sqlite3.Connection | None = None
        self._unsaved: list[Attempt] = []  # graded while the database could not be written
        # Another process holds the database's lock: the session runs on a copy in memory (or,
        # when the file is open, the attempts wait in `_unsaved`), and a thread tries again.
        self._held = False
        self._waiting_state: dict[str, Any] = {}
        self._waiting_quizzes: dict[str, str | None] = {}
        self._retrying: threading.Thread | None = None
        self._closed = threading.Event()

    @classmethod
    def default(cls, on_problem: Callable[[str], None] | None = None) -> ProgressStore:
        """The store in the learner's data folder (see `default_data_dir`)."""
        return cls(default_data_dir(), on_problem)

    def set_course(self, course_id: str, course_version: str) -> None:
        """Which course (and which version of its files) the attempts from now on are on."""
        self.course_id, self.course_version = course_id, course_version

    def _cannot_save(self, exc: BaseException) -> None:
        if _locked(exc):
            if self._conn is not None and not self._held:
                # Known to be held: the next writes wait no more (the retries write them).
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute(f"PRAGMA busy_timeout = {HELD_WAIT_MS}")
            self._start_retrying()
        if self.save_problem is not None:
            return  # said once is enough
        if _locked(exc):
            self.save_problem = (
                f"Another tutor is using your record {self.db_path} (it is locked). You can go on: "
                "your answers are kept and saved to it as soon as it is free."
            )
        else:
            self.save_problem = (
                f"Progress cannot be saved to {self.folder}: {_reason(exc)}. "
                "You can go on, but your answers are not being recorded."
            )
        self._tell(self.save_problem)

    def _tell(self, message: str) -> None:
        if self.on_problem is not None:
            self.on_problem(message)

    # ------------------------------------------------------------ a database another process holds

    def _start_retrying(self) -> None:
        if self._retrying is not None and self._retrying.is_alive():
            return
        self._retrying = threading.Thread(target=self._retry_loop, name="tutor-progress-retry", daemon=True)
        self._retrying.start()

    def _retry_loop(self) -> None:
        while not self._closed.wait(RETRY_EVERY):
            if self.retry():
                return

    def waiting(self) -> int:
        """How many graded attempts wait for a database another process holds."""
        return len(self._unsaved)

    def _pending(self) -> bool:
        return bool(self._unsaved or self._waiting_state or self._waiting_quizzes)

    def retry(self, wait: float = 0.1) -> bool:
        """Write what waits for a database another process held (waiting at most `wait` s for
        its lock); True when nothing waits any more. Never raises."""
        with self._lock:
            if not self._pending():
                return True
            if not self._held and self.save_problem is not None and "locked" not in self.save_problem:
                return False  # not a lock: a folder that cannot be written stays so
            count = len(self._unsaved)
            try:
                if self._held:
                    conn = self._open_file_once(wait)
                    try:
                        self._flush(conn)
                    except BaseException:
                        conn.close()
                        raise
                    memory, self._conn, self._held = self._conn, conn, False
                    if memory is not None:
                        memory.close()
                else:
                    conn = self._db()
                    conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
                    try:
                        self._flush(conn)
                    except BaseException:
                        conn.execute(f"PRAGMA busy_timeout = {HELD_WAIT_MS}")
                        raise
                    conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT * 1000)}")
            except (OSError, sqlite3.Error, _Corrupt):
                return False
            self._unsaved, self._waiting_state, self._waiting_quizzes = [], {}, {}
            self.save_problem = None
        done = "nothing was lost" if not count else f"{plural(count, 'answer')} from this session saved to it"
        self._tell(f"Your record {self.db_path} is free again: {done}.")
        return True

    def _flush(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for a in self._unsaved:
                self._insert(conn, a)
            for key, value in self._waiting_state.items():
                conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, _json(value)))
            for ref, text in self._waiting_quizzes.items():
                if text is None:
                    conn.execute("DELETE FROM quizzes WHERE ref = ?", (ref,))
                else:
                    conn.execute("INSERT OR REPLACE INTO quizzes VALUES (?, ?, ?)", (ref, text, self.clock()))
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ opening

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            with self._lock:
                if self._conn is None:
                    self._conn = self._open()
        return self._conn

    def close(self) -> None:
        """Write what waits for a locked database (waiting a few seconds for it), say what could
        not be written, and close the database."""
        self._closed.set()
        if self._pending() and not self.retry(wait=LOCK_WAIT):
            self._tell(
                f"{plural(self.waiting(), 'answer')} from this session (and where you left off) could not be "
                f"saved: another tutor still holds your record {self.db_path}."
            )
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    def _open(self) -> sqlite3.Connection:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            return self._open_file()
        except _Corrupt as exc:
            self._move_aside(str(exc))
            try:
                return self._open_file()
            except (OSError, sqlite3.Error, _Corrupt) as again:
                return self._in_memory(again)
        except (OSError, sqlite3.Error) as exc:
            self._held = _locked(exc)
            return self._in_memory(exc)

    def _connect(self, target: str, uri: bool = False, wait: float = LOCK_WAIT) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=wait, check_same_thread=False, isolation_level=None, uri=uri)
        conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        return conn

    def _open_file(self) -> sqlite3.Connection:
        # Two processes making the same new database at once: switching its journal to WAL can
        # meet the other's lock without waiting (SQLite returns "locked" at once to avoid a
        # deadlock); the other is done in a moment, so try again rather than give up.
        # All the tries together wait LOCK_WAIT at most: each waits what is left of it.
        deadline = time.monotonic() + LOCK_WAIT
        for attempt in range(OPEN_TRIES):
            try:
                return self._open_file_once(max(0.05, deadline - time.monotonic()))
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or attempt == OPEN_TRIES - 1 or time.monotonic() >= deadline:
                    raise
                time.sleep(min(0.05 * (attempt + 1), max(0.0, deadline - time.monotonic())))
        raise AssertionError("unreachable")  # pragma: no cover

    def _open_file_once(self, wait: float = LOCK_WAIT) -> sqlite3.Connection:
        existed = self.db_path.exists()
        sides = [self.db_path.with_name(DB_NAME + suffix) for suffix in ("-wal", "-shm")]
        if (existed and not _regular(self.db_path)) or any(
            os.path.lexists(side) and not _regular(side) for side in sides
        ):
            # A named pipe would hang SQLite's first read for ever, a link to a device worse.
            raise _Corrupt("it is not a regular file (a pipe, a device or a socket)")
        conn = self._connect(str(self.db_path), wait=wait)
        try:
            if existed:
                self._check(conn)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            self._migrate(conn)
            # A write now, so that a database that can be read but not written is found at once.
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if wait != LOCK_WAIT:
                conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT * 1000)}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _check(self, conn: sqlite3.Connection) -> None:
        """Raise `_Corrupt` when the database file is damaged where it matters at start.

        A small database gets SQLite's whole `quick_check`. A large one (a long record) gets the
        checks that cost no scan: the schema, the small tables Home reads, the newest attempts;
        damage deeper in the log surfaces when it is read (said, and nothing is overwritten)."""
        try:
            with open(self.db_path, "rb") as f:
                header = f.read(16)
            if header and header != b"SQLite format 3\x00":
                raise _Corrupt("file is not a database")
            small = self.db_path.stat().st_size <= QUICK_CHECK_BYTES
            if small:
                ok = conn.execute("PRAGMA quick_check").fetchone()
                if ok is None or ok[0] != "ok":
                    raise _Corrupt(str(ok[0]) if ok else "the integrity check failed")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not small:
                for table in ("questions", "cards", "state", "quizzes"):
                    if table in tables:
                        conn.execute(f"SELECT * FROM {table}").fetchall()
                if "attempts" in tables:
                    conn.execute("SELECT * FROM attempts ORDER BY id DESC LIMIT 100").fetchall()
        except sqlite3.OperationalError:
            raise  # locked, or cannot be opened: not the file's fault
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise _Corrupt(_reason(exc)) from exc
        if version > SCHEMA_VERSION:
            raise sqlite3.OperationalError(
                f"it was made by a newer version of tutor (schema {version}); update tutor"
            )

    def _move_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.db_path.with_name(f"{DB_NAME}.unreadable-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.db_path.with_name(f"{DB_NAME}.unreadable-{stamp}-{n}")
        os.replace(self.db_path, aside)
        for suffix in ("-wal", "-shm"):  # they belong to the moved file, not to a fresh one
            side = self.db_path.with_name(DB_NAME + suffix)
            if side.exists():
                with contextlib.suppress(OSError):
                    os.replace(side, aside.with_name(aside.name + suffix))
        self.moved_aside = (
            f"Your progress database {self.db_path} could not be read ({reason}). "
            f"It was moved to {aside} (nothing was deleted) and a fresh one started."
        )

    def _in_memory(self, exc: BaseException) -> sqlite3.Connection:
        """The record as it is on disk (if it can be read), in memory for this session."""
        conn = self._connect(":memory:")
        if _regular(self.db_path):
            quoted = urllib.parse.quote(str(self.db_path))
            for flags in ("mode=ro", "mode=ro&immutable=1"):
                try:
                    source = self._connect(f"file:{quoted}?{flags}", uri=True, wait=1.0)
                    try:
                        source.backup(conn)
                    finally:
                        source.close()
                    break
                except sqlite3.Error:
                    continue
        try:
            self._migrate(conn)
        except sqlite3.Error:  # what was read is unusable: an empty record for this session
            conn.close()
            conn = self._connect(":memory:")
            self._migrate(conn)
        self._cannot_save(exc)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")  # another process may be making the same database
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            fresh = version == 0
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            if version < SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if fresh:
                self._import_old_record(conn)
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ the record of an older tutor

    def _import_old_record(self, conn: sqlite3.Connection) -> None:
        attempts = list(self._read_old_log())
        attempts.sort(key=lambda a: a.at)  # the log is in order; a hand-edited one may not be
        state = self._read_old_json(self.state_path)
        named = state.get("learner") if isinstance(state, dict) else None
        learner = self._learner or (named if isinstance(named, str) and named.strip() else os_user())
        for attempt in attempts:
            self._insert(conn, replace(attempt, learner=learner))
        self.imported = len(attempts)
        if isinstance(state, dict):
            for key, value in _clean_state(state).items():
                conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (_text(key), _json(value)))
        quizzes = self._read_old_json(self.quizzes_path, quizzes=True)
        if isinstance(quizzes, dict):
            for ref, data in quizzes.items():
                if isinstance(data, dict):
                    conn.execute(
                        "INSERT OR REPLACE INTO quizzes VALUES (?, ?, ?)",
                        (_text(ref), _json(data), self.clock()),
                    )

    def _read_old_log(self) -> Iterable[Attempt]:
        try:
            raw = read_capped(self.attempts_path, OLD_LOG_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            return  # no old record
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

    def _read_old_json(self, path: Path, quizzes: bool = False) -> Any:
        try:
            data = json.loads(read_capped(path, OLD_JSON_BYTES).decode("utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError, RecursionError) as exc:
            if quizzes and path.exists():
                reason = _reason(exc) if isinstance(exc, OSError) else "it is not valid JSON"
                self.quiz_problem = (
                    f"The quiz in progress in {path} could not be read ({reason}); it starts afresh."
                )
            return None
        if quizzes and not isinstance(data, dict):
            self.quiz_problem = f"The quiz in progress in {path} could not be read; it starts afresh."
        return data

    def skipped_report(self) -> str | None:
        """A sentence for the learner about what of the record could not be read, or None."""
        self._db()
        parts = [self.moved_aside, self.read_problem]
        n = len(self.skipped_lines)
        if n:
            shown = ", ".join(str(x) for x in self.skipped_lines[:5]) + (", …" if n > 5 else "")
            parts.append(
                f"{n} line{'s' if n != 1 else ''} of {self.attempts_path} could not be read "
                f"(line{'s' if n != 1 else ''} {shown}) and {'were' if n != 1 else 'was'} skipped. "
                "The file is left as it is; the rest of your progress is here."
            )
        parts.append(self.quiz_problem)
        said = [p for p in parts if p]
        return " ".join(said) if said else None

    # ------------------------------------------------------------ attempts

    @property
    def learner(self) -> str:
        """The learner's name: set once in the app (or by `tutor serve`), else the OS user's."""
        if self._learner is None:
            name = self.state().get("learner")
            self._learner = name if isinstance(name, str) and name.strip() else os_user()
        return self._learner

    def set_learner(self, name: str) -> None:
        """Name the learner (kept, and written into every attempt from now on)."""
        self._learner = name.strip()
        self.set_state(learner=self._learner)

    def _complete(self, attempt: Attempt) -> Attempt:
        return replace(
            attempt,
            learner=attempt.learner or self.learner,
            course_id=attempt.course_id or self.course_id,
            course_version=attempt.course_version or self.course_version,
        )

    def record(self, attempt: Attempt) -> None:
        """Commit `attempt` with its FSRS review; never raises (see `save_problem`)."""
        with self._lock:
            pending = [*self._unsaved, self._complete(attempt)]
            try:
                with self._write() as conn:
                    for a in pending:
                        self._insert(conn, a)
            except sqlite3.Error as exc:
                self._unsaved = pending  # kept, and written with the next attempt that can be
                self._cannot_save(exc)
                return
            # In memory while another process holds the file: kept until they are written there.
            self._unsaved = pending if self._held else []

    def quiz_finished(
        self, quiz: str, score: float, correct: int, total: int, seconds: float | None = None
    ) -> None:
        """The learner went through quiz `quiz` to its end with this score; never raises."""
        if not (math.isfinite(score) and 0 <= score <= 1 and 0 <= correct <= total):
            return
        with self._lock:
            try:
                with self._write() as conn:
                    conn.execute(
                        "INSERT INTO finished (learner, course_id, course_version, quiz, score, correct, "
                        "total, seconds, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (self.learner, self.course_id, self.course_version, _text(quiz), float(score),
                         int(correct), int(total), seconds, self.clock()),
                    )  # fmt: skip
            except sqlite3.Error as exc:
                self._cannot_save(exc)

    def finished_quizzes(self) -> list[FinishedQuiz]:
        """Every quiz gone through to its end, oldest first; rows of the wrong types are skipped."""
        out = []
        for row in self._query(
            "SELECT learner, course_id, course_version, quiz, score, correct, total, seconds, at "
            "FROM finished ORDER BY at, id"
        ):
            learner, course_id, version, quiz, score, correct, total, seconds, at = row
            if not all(isinstance(x, str) for x in (learner, course_id, version, quiz)):
                continue
            if not (_is_number(score) and _is_int(correct) and _is_int(total) and _is_number(at)):
                continue
            if not (seconds is None or _is_number(seconds)):
                continue
            out.append(FinishedQuiz(learner, course_id, version, quiz, score, correct, total, seconds, at))
        return out

    def gave_up(self, question: str, seconds: float | None = None) -> None:
        """The learner left a due question without answering it: an Again for its card, with no
        attempt recorded. Never raises."""
        with self._lock:
            try:
                with self._write() as conn:
                    self._review(conn, question, AGAIN, self.clock(), seconds, None)
            except sqlite3.Error as exc:
                self._cannot_save(exc)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    def _insert(self, conn: sqlite3.Connection, a: Attempt) -> None:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO attempts (attempt_id, learner, course_id, course_version, question,"
            " quiz, seed, answer, verdict, score, notes, hints, solution_seen, self_assessed, try_number,"
            " seconds, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.attempt_id,
                _text(a.learner),
                _text(a.course_id),
                a.course_version,
                _text(a.question),
                _text(a.quiz) if a.quiz is not None else None,
                a.seed,
                _text(a.answer),
                a.verdict,
                a.score,
                _json(list(a.notes)),
                a.hints,
                int(a.solution_seen),
                int(a.self_assessed),
                a.try_number,
                a.seconds,
                a.at,
            ),
        )
        if cursor.rowcount == 0:
            return  # already there (written before a failure that kept it pending)
        conn.execute(
            "INSERT INTO questions VALUES (?, 1, ?, ?, ?) ON CONFLICT (question) DO UPDATE SET"
            " attempts = attempts + 1, best = max(best, excluded.best),"
            " last_score = CASE WHEN excluded.last_at >= last_at"
            " THEN excluded.last_score ELSE last_score END,"
            " last_at = max(last_at, excluded.last_at)",
            (_text(a.question), a.score, a.score, a.at),
        )
        if a.self_assessed:
            return  # the learner's own tick is not evidence of recall
        timed = [
            row[0]
            for row in conn.execute(
                "SELECT seconds FROM attempts WHERE question = ? AND seconds IS NOT NULL AND attempt_id != ?"
                " ORDER BY at DESC LIMIT ?",
                (_text(a.question), a.attempt_id, MEDIAN_OF),
            )
        ]
        rating = rating_for(
            a.verdict,
            hints=a.hints,
            solution_seen=a.solution_seen,
            try_number=a.try_number,
            seconds=a.seconds,
            median_seconds=median(timed),
        )
        self._review(conn, a.question, rating, a.at, a.seconds, a.attempt_id)

    def _review(
        self,
        conn: sqlite3.Connection,
        question: str,
        rating: int,
        at: float,
        seconds: float | None,
        attempt_id: str | None,
    ) -> None:
        question = _text(question)
        row = conn.execute("SELECT card, last_review FROM cards WHERE question = ?", (question,)).fetchone()
        old = row[0] if row is not None and isinstance(row[0], str) else None
        if old is not None and _is_number(row[1]) and at < row[1]:
            at = row[1]  # FSRS cannot go back in time (a clock moved, or an imported log out of order)
        fitted = conn.execute("SELECT value FROM state WHERE key = 'fsrs_parameters'").fetchone()
        parameters = None
        if fitted is not None:
            with contextlib.suppress(ValueError, RecursionError):
                parameters = srs.parameters_from(json.loads(fitted[0]))
        try:
            card, due = srs.review(old, question, rating, at, self.fuzz, parameters)
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError):  # a card edited by hand
            card, due = srs.review(None, question, rating, at, self.fuzz, parameters)
        conn.execute("INSERT OR REPLACE INTO cards VALUES (?, ?, ?, ?)", (question, card, due, at))
        conn.execute(
            "INSERT INTO reviews (question, card_id, rating, at, duration_ms, attempt_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                question,
                srs.card_id(question),
                rating,
                at,
                round(seconds * 1000) if seconds is not None else None,
                attempt_id,
            ),
        )

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read; none when the database cannot be read (said once). Never raises."""
        try:
            with self._lock:
                return self._db().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            if self.read_problem is None:
                self.read_problem = f"Your progress in {self.db_path} cannot be read: {_reason(exc)}."
            return []

    def attempts(self) -> list[Attempt]:
        """Every attempt, oldest first (also those not yet written)."""
        rows = self._query(
            "SELECT attempt_id, learner, course_id, course_version, question, quiz, seed, answer, verdict,"
            " score, notes, hints, solution_seen, self_assessed, try_number, seconds, at"
            " FROM attempts ORDER BY at, id"
        )
        out = [a for a in map(_attempt_row, rows) if a is not None]  # a row edited by hand is left out
        return out + [a for a in self._unsaved if a.attempt_id not in {x.attempt_id for x in out}]

    def question_stats(self) -> dict[str, QuestionStats]:
        """Per question: how many attempts, the best score, the latest score and when."""
        out = {
            row[0]: QuestionStats(int(row[1]), float(row[2]), float(row[3]), float(row[4]))
            for row in self._query("SELECT question, attempts, best, last_score, last_at FROM questions")
            if isinstance(row[0], str) and _is_int(row[1]) and all(_is_number(x) for x in row[2:])
        }
        for a in self._unsaved:
            old = out.get(a.question)
            if old is None:
                out[a.question] = QuestionStats(1, a.score, a.score, a.at)
            else:
                newer = a.at >= old.last_at
                out[a.question] = QuestionStats(
                    old.attempts + 1,
                    max(old.best, a.score),
                    a.score if newer else old.last_score,
                    max(old.last_at, a.at),
                )
        return out

    def best(self) -> dict[str, float]:
        """Best score per question id."""
        return {q: s.best for q, s in self.question_stats().items()}

    def to_revisit(self, question_ids: Iterable[str]) -> list[str]:
        """Questions among `question_ids` whose latest attempt was not fully right."""
        stats = self.question_stats()
        return [q for q in question_ids if q in stats and stats[q].last_score < 1.0]

    def fraction_done(self, question_ids: Sequence[str], best: dict[str, float] | None = None) -> float:
        """Mean best score over the questions (unattempted count as 0)."""
        if not question_ids:
            return 0.0
        best = self.best() if best is None else best
        return sum(best.get(q, 0.0) for q in question_ids) / len(question_ids)

    # ------------------------------------------------------------ cards

    def cards(self) -> dict[str, tuple[str, float, float]]:
        """Per question with a card: (the card's JSON, when it is due, when it was last reviewed)."""
        return {
            row[0]: (row[1], float(row[2]), float(row[3]))
            for row in self._query("SELECT question, card, due, last_review FROM cards")
            if isinstance(row[0], str)
            and isinstance(row[1], str)
            and _is_number(row[2])
            and _is_number(row[3])
        }

    def due(self, question_ids: Iterable[str], until: float) -> list[tuple[str, float]]:
        """(question, due time) for the cards among `question_ids` due by `until`, soonest first."""
        wanted = set(question_ids)
        rows = self._query("SELECT question, due FROM cards WHERE due <= ? ORDER BY due, question", (until,))
        return [(q, float(d)) for q, d in rows if q in wanted and _is_number(d)]

    def review_logs(self) -> list[tuple[int, int, float, int | None]]:
        """(card id, rating, time, duration in ms) of every review, oldest first."""
        return [
            (card, rating, float(at), duration if _is_int(duration) else None)
            for card, rating, at, duration in self._query(
                "SELECT card_id, rating, at, duration_ms FROM reviews ORDER BY at, id"
            )
            if _is_int(card) and rating in (1, 2, 3, 4) and _is_number(at)
        ]

    def question_reviews(self) -> list[tuple[str, int, float]]:
        """(question, rating, time) of every review, oldest first."""
        return [
            (question, rating, float(at))
            for question, rating, at in self._query(
                "SELECT question, rating, at FROM reviews ORDER BY at, id"
            )
            if isinstance(question, str) and rating in (1, 2, 3, 4) and _is_number(at)
        ]

    def first_answered(self) -> dict[str, float]:
        """When each question was first answered (its card was made then)."""
        return {
            str(q): float(at)
            for q, at in self._query("SELECT question, MIN(at) FROM attempts GROUP BY question")
            if _is_number(at)
        }

    def reviewed_since(self, since: float) -> list[str]:
        """The questions answered in the spaced review (outside any quiz) since `since`."""
        return [
            str(q)
            for (q,) in self._query("SELECT question FROM attempts WHERE quiz IS NULL AND at >= ?", (since,))
        ]

    def seeds_seen(self) -> dict[str, set[int]]:
        """The variant seeds each question was answered on."""
        out: dict[str, set[int]] = {}
        for question, seed in self._query("SELECT DISTINCT question, seed FROM attempts"):
            out.setdefault(question, set()).add(seed)
        return out

    def daily(self) -> list[tuple[str, int, int]]:
        """(local date as YYYY-MM-DD, attempts, right answers) per day with attempts, oldest first."""
        return [
            (d, int(n), int(c or 0))
            for d, n, c in self._query(
                "SELECT date(at, 'unixepoch', 'localtime') AS day, count(*), sum(verdict = 'correct')"
                " FROM attempts GROUP BY day ORDER BY day"
            )
            if isinstance(d, str)  # NULL for a time that is not a number
        ]

    def notes_of_wrong_answers(self) -> list[list[str]]:
        """The notes of every answer that was not right (mistakes and diagnoses)."""
        return [notes for _, notes in self.wrong_answer_notes()]

    def wrong_answer_notes(self) -> list[tuple[str, list[str]]]:
        """(question id, notes) of every answer that was not right and has notes."""
        out = []
        for question, notes in self._query(
            "SELECT question, notes FROM attempts WHERE verdict != 'correct' AND notes != '[]'"
        ):
            with contextlib.suppress(ValueError, RecursionError):
                tags = json.loads(notes)
                if isinstance(tags, list):
                    out.append((str(question), [t for t in tags if isinstance(t, str)]))
        return out

    def reset(self) -> Path | None:
        """Forget every attempt, card, review and quiz in progress (the learner's name and theme
        stay), after copying the whole database to a backup file beside it. The backup's path, or
        None when it could not be made (then nothing was forgotten). Never raises."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = self.db_path.with_name(f"{DB_NAME}.backup-{stamp}")
        with self._lock:
            try:
                conn = self._db()
                if self.save_problem is not None:
                    return None  # in memory only: nothing on disk to reset
                target = sqlite3.connect(str(backup))
                try:
                    conn.backup(target)
                finally:
                    target.close()
                with self._write() as conn:
                    for table in ("attempts", "questions", "cards", "reviews", "quizzes"):
                        conn.execute(f"DELETE FROM {table}")
                    conn.execute("DELETE FROM state WHERE key NOT IN ('learner', 'theme')")
            except sqlite3.Error as exc:
                self._cannot_save(exc)
                return None
        self._unsaved = []
        return backup

    # ------------------------------------------------------------ where the learner left off

    def state(self) -> dict[str, Any]:
        """Where the learner left off, the theme, the learner's name; `{}` when unreadable."""
        out: dict[str, Any] = {}
        for key, value in self._query("SELECT key, value FROM state"):
            with contextlib.suppress(ValueError, RecursionError):
                out[key] = json.loads(value)
        return _clean_state(out)

    def set_state(self, **changes: Any) -> None:
        """Merge `changes` into the state; never raises."""
        with self._lock:
            try:
                with self._write() as conn:
                    for key, value in changes.items():
                        conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, _json(value)))
                if self._held:
                    self._waiting_state.update(changes)
            except (sqlite3.Error, ValueError, TypeError) as exc:
                if _locked(exc):
                    self._waiting_state.update(changes)
                if isinstance(exc, sqlite3.Error):
                    self._cannot_save(exc)

    # ------------------------------------------------------------ quizzes in progress

    def quiz(self, ref: str) -> dict[str, Any] | None:
        """The saved quiz on `ref` (as `QuizSession.snapshot` made it), or None. Never raises."""
        rows = self._query("SELECT data FROM quizzes WHERE ref = ?", (_text(ref),))
        if not rows:
            return None
        try:
            data = json.loads(rows[0][0])
        except (ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def save_quiz(self, ref: str, data: dict[str, Any] | None) -> None:
        """Keep the quiz in progress on `ref` (None forgets it), committed at once; never raises."""
        with self._lock:
            text = None
            try:
                text = None if data is None else _json(data)
                with self._write() as conn:
                    if text is None:
                        conn.execute("DELETE FROM quizzes WHERE ref = ?", (_text(ref),))
                    else:
                        conn.execute(
                            "INSERT OR REPLACE INTO quizzes VALUES (?, ?, ?)",
                            (_text(ref), text, self.clock()),
                        )
                if self._held:
                    self._waiting_quizzes[_text(ref)] = text
            except (sqlite3.Error, ValueError, TypeError) as exc:  # ValueError: a value JSON cannot hold
                if _locked(exc):
                    self._waiting_quizzes[_text(ref)] = text
                if isinstance(exc, sqlite3.Error):
                    self._cannot_save(exc)


def _regular(path: Path) -> bool:
    """Whether `path` is a regular file (following links): what SQLite may open."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _attempt_row(row: tuple[Any, ...]) -> Attempt | None:
    """The attempt a row holds, or None when a value has the wrong type (a database edited by hand)."""
    (aid, learner, course_id, version, question, quiz, seed, answer, verdict, score, notes, hints, seen,
     self_assessed, try_number, seconds, at) = row  # fmt: skip
    texts = (aid, learner, course_id, version, question, answer, verdict, notes)
    if not all(isinstance(x, str) for x in texts) or not (quiz is None or isinstance(quiz, str)):
        return None
    if not (
        _is_int(seed) and _is_number(score) and _is_int(hints) and _is_int(try_number) and _is_number(at)
    ):
        return None
    if not (seconds is None or _is_number(seconds)) or not (_is_int(seen) and _is_int(self_assessed)):
        return None
    try:
        tags = json.loads(notes)
    except (ValueError, RecursionError):
        tags = []
    return Attempt(
        question=question,
        verdict=verdict,
        score=float(score),
        seed=int(seed),
        notes=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        hints=int(hints),
        solution_seen=bool(seen),
        self_assessed=bool(self_assessed),
        at=float(at),
        answer=answer,
        seconds=float(seconds) if seconds is not None else None,
        quiz=quiz,
        try_number=int(try_number),
        attempt_id=aid,
        learner=learner,
        course_id=course_id,
        course_version=version,
    )
