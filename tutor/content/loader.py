"""Load a course folder (lessons/ and questions/) into validated models plus diagnostics.

A broken file, or a broken question inside a bank, is reported and skipped; everything else
still loads, so one typo never hides the rest of the course.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tutor.content.coursefile import CourseInfo, read_course_file
from tutor.content.diagnostics import Diagnostic, sort_key
from tutor.content.errors import translate
from tutor.content.files import course_files as course_files  # where it was, for its callers
from tutor.content.files import read_capped
from tutor.content.model import Bank, BankHeader, Lesson, Question, QuestionBase
from tutor.content.yamlsource import Path as DataPath
from tutor.content.yamlsource import Pos, SourceMap, YamlError, load_yaml
from tutor.gcpause import collector_paused

_QUESTION = TypeAdapter(Question)
MAX_FILE_BYTES = 2_000_000


@dataclass
class SourceFile:
    path: Path
    smap: SourceMap

    def diag(self, at: Pos, message: str, where: str | None = None) -> Diagnostic:
        return Diagnostic(self.path, at.line, at.col, message, where)


@dataclass
class QuestionEntry:
    """A validated question with where it came from."""

    question: QuestionBase  # one of the kinds' models (`tutor.kinds`)
    bank: LoadedBank
    index: int

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def source(self) -> SourceFile:
        return self.bank.source

    @property
    def path(self) -> DataPath:
        return ("questions", self.index)

    def pos(self, *sub: str | int) -> Pos:
        return self.source.smap.pos((*self.path, *sub))

    def where(self) -> str:
        return f"question '{self.id}'"


@dataclass
class LoadedBank:
    bank: Bank
    source: SourceFile
    entries: list[QuestionEntry] = field(default_factory=list)


@dataclass
class LoadedLesson:
    lesson: Lesson
    source: SourceFile


# eq=False: two readings of a course are two courses (comparing them field by field walked the
# questions' links back to their banks without end: a RecursionError that stopped `--watch`).
@dataclass(eq=False)
class Course:
    root: Path
    lessons: list[LoadedLesson] = field(default_factory=list)
    banks: list[LoadedBank] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # Ids written in the course that did not load (a broken question, a file with a YAML error),
    # with their file: a reference to one of them is a consequence, not a problem of its own.
    unloaded: dict[str, Path] = field(default_factory=dict)
    info: CourseInfo | None = None  # from course.yaml, when the course has one

    @property
    def course_id(self) -> str:
        """The id progress is kept under: course.yaml's, else "builtin" or the folder's name."""
        if self.info is not None:
            return self.info.id
        from tutor.content.coursefile import default_course_id

        return default_course_id(self.root)

    @property
    def title(self) -> str | None:
        """The course's title from course.yaml, if it has one."""
        return self.info.title if self.info is not None else None

    @property
    def questions(self) -> dict[str, QuestionEntry]:
        """Questions by id (the first definition wins when ids clash)."""
        out: dict[str, QuestionEntry] = {}
        for bank in self.banks:
            for entry in bank.entries:
                out.setdefault(entry.id, entry)
        return out

    @property
    def lessons_in_order(self) -> list[LoadedLesson]:
        """Lessons by their `order:`, then in file order (those without one come last)."""
        indexed = list(enumerate(self.lessons))
        indexed.sort(key=lambda item: (item[1].lesson.order is None, item[1].lesson.order or 0, item[0]))
        return [lesson for _, lesson in indexed]

    def lesson(self, lesson_id: str) -> LoadedLesson | None:
        return next((x for x in self.lessons if x.lesson.id == lesson_id), None)

    def bank(self, bank_id: str) -> LoadedBank | None:
        return next((x for x in self.banks if x.bank.bank == bank_id), None)

    def resolve(self, ref: str) -> list[QuestionEntry]:
        """The questions a quiz reference names: a lesson, a bank or a single question id."""
        lesson = self.lesson(ref)
        if lesson is not None:
            out: list[QuestionEntry] = []
            for item in lesson.lesson.quiz:
                # A quiz lists banks and questions, never lessons: a bank may share its lesson's id.
                out.extend(e for e in self._bank_or_question(item) if e not in out)
            for bank in self.banks:
                if bank.bank.lesson == ref and not lesson.lesson.quiz:
                    out.extend(bank.entries)
            return out
        return self._bank_or_question(ref)

    def _bank_or_question(self, ref: str) -> list[QuestionEntry]:
        bank = self.bank(ref)
        if bank is not None:
            return list(bank.entries)
        entry = self.questions.get(ref)
        return [entry] if entry is not None else []

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def load_course(root: Path, only: list[tuple[str, Path]] | None = None) -> Course:
    """Load every lesson and bank under `root`; problems become diagnostics, not exceptions."""
    # Loading builds a great many small containers and no garbage cycles: the collector waits
    # (it took half the time of a large course).
    with collector_paused():
        return _load_course(root, only)


def _load_course(root: Path, only: list[tuple[str, Path]] | None) -> Course:
    root = root.resolve()
    course = Course(root)
    if not root.is_dir():
        course.diagnostics.append(Diagnostic(root, 1, 1, "course folder not found"))
        return course
    files = only if only is not None else course_files(root)
    if only is None:
        course.info = read_course_file(root, course.diagnostics)
    if only is None and not files:
        course.diagnostics.append(
            Diagnostic(root, 1, 1, "no lessons/ or questions/ folder with .yaml files here")
        )
    for kind, path in files:
        course.files.append(path)
        data, source = _read(path, course.diagnostics)
        if source is None:
            _note_unloaded(path, course)
            continue
        if kind == "lesson":
            _load_lesson(data, source, course)
        else:
            _load_bank(data, source, course)
    course.diagnostics.sort(key=sort_key)
    return course


_ID_LINE = re.compile(r"^\s*(?:-\s+)?(?:id|bank)\s*:\s*['\"]?([a-z0-9][a-z0-9_-]*)", re.MULTILINE)


def _note_unloaded(path: Path, course: Course) -> None:
    """The ids a file that could not be read seems to define, found by their lines alone."""
    try:
        text = read_capped(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return
    for match in _ID_LINE.finditer(text):
        course.unloaded.setdefault(match.group(1), path)


def _read(path: Path, diagnostics: list[Diagnostic]) -> tuple[Any, SourceFile | None]:
    try:
        raw = read_capped(path, MAX_FILE_BYTES)
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            diagnostics.append(Diagnostic(path, 1, 1, f"file is larger than {MAX_FILE_BYTES} bytes"))
        else:
            diagnostics.append(Diagnostic(path, 1, 1, f"cannot read file: {exc.strerror}"))
        return None, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diagnostics.append(Diagnostic(path, line, 1, "file is not UTF-8 text"))
        return None, None
    try:
        data, smap = load_yaml(text)
    except YamlError as exc:
        diagnostics.append(Diagnostic(path, exc.pos.line, exc.pos.col, exc.message))
        return None, None
    return data, SourceFile(path, smap)


def _expect_mapping(data: Any, source: SourceFile, what: str, diagnostics: list[Diagnostic]) -> bool:
    if isinstance(data, dict):
        return True
    got = "an empty file" if data is None else f"a {type(data).__name__}"
    diagnostics.append(source.diag(Pos(1, 1), f"a {what} file must be a mapping of fields, got {got}"))
    return False


def _misplaced(data: dict[Any, Any], source: SourceFile, kind: str, course: Course) -> bool:
    """A lesson in questions/ (or a bank in lessons/) is one message, not one per field."""
    is_bank = "bank" in data and "questions" in data and "sections" not in data
    is_lesson = "sections" in data and "bank" not in data and "questions" not in data
    if kind == "bank" and is_lesson:
        message = "this is a lesson (it has `sections:`), not a question bank: lessons go in lessons/"
    elif kind == "lesson" and is_bank:
        message = (
            "this is a question bank (it has `bank:` and `questions:`), not a lesson: banks go in questions/"
        )
    else:
        return False
    course.diagnostics.append(source.diag(Pos(1, 1), message))
    _note_unloaded(source.path, course)
    return True


def _load_lesson(data: Any, source: SourceFile, course: Course) -> None:
    if not _expect_mapping(data, source, "lesson", course.diagnostics):
        return
    if _misplaced(data, source, "lesson", course):
        return
    lesson_id = data.get("id")
    where = f"lesson '{lesson_id}'" if isinstance(lesson_id, str) else None
    try:
        lesson = Lesson.model_validate(data)
    except ValidationError as exc:
        for pos, message, _ in translate(exc.errors(), data, source.smap, Lesson):
            course.diagnostics.append(source.diag(pos, message, where))
        if isinstance(lesson_id, str):
            course.unloaded.setdefault(lesson_id, source.path)
        return
    course.lessons.append(LoadedLesson(lesson, source))


def _load_bank(data: Any, source: SourceFile, course: Course) -> None:
    if not _expect_mapping(data, source, "question bank", course.diagnostics):
        return
    if _misplaced(data, source, "bank", course):
        return
    bank_id = data.get("bank")
    where = f"bank '{bank_id}'" if isinstance(bank_id, str) else None
    # Validate the bank's own fields, then each question alone, so that one broken question
    # does not take its neighbours down with it.
    header = {k: v for k, v in data.items() if k != "questions"}
    try:
        BankHeader.model_validate(header)
        header_ok = True
    except ValidationError as exc:
        header_ok = False
        for pos, message, _ in translate(exc.errors(), header, source.smap, BankHeader):
            course.diagnostics.append(source.diag(pos, message, where))
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        if "questions" not in data:
            problem, at = "missing required field `questions`", Pos(1, 1)
        else:
            problem = "`questions` must be a non-empty list of questions"
            at = source.smap.pos(("questions",))
        course.diagnostics.append(source.diag(at, problem, where))
        if isinstance(bank_id, str):
            course.unloaded.setdefault(bank_id, source.path)
        return
    valid = []
    for i, item in enumerate(items):
        qid = item.get("id") if isinstance(item, dict) else None
        qwhere = f"question '{qid}'" if isinstance(qid, str) else f"question #{i + 1}"
        try:
            valid.append((i, _QUESTION.validate_python(item)))
        except ValidationError as exc:
            for pos, message, _ in translate(exc.errors(), item, source.smap, Question, ("questions", i)):
                course.diagnostics.append(source.diag(pos, message, qwhere))
            if isinstance(qid, str):
                course.unloaded.setdefault(qid, source.path)
    if not header_ok or not valid:
        if isinstance(bank_id, str):
            course.unloaded.setdefault(bank_id, source.path)
        for _, q in valid:
            course.unloaded.setdefault(q.id, source.path)
        return
    bank = Bank.model_validate({**data, "questions": [q for _, q in valid]})
    loaded = LoadedBank(bank, source)
    loaded.entries = [QuestionEntry(q, loaded, i) for i, q in valid]
    course.banks.append(loaded)
