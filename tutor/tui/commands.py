"""Command palette entries (ctrl+p): open a lesson, start a quiz, review."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


class CourseCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        app: Any = self.app
        course = getattr(app, "course", None)
        if course is None:
            return
        if app.store.due(course.questions, until=app.now()):
            yield "Review: the questions due now", app.start_review, "Spaced review, with new numbers"
        yield "Statistics", app.show_statistics, "Accuracy over time, weakest tags, frequent mistakes"
        if app.learners is None:  # served: the name is the one given at the start
            yield f"Your name: {app.store.learner}", app.ask_learner_name, "The name your exports carry"
        for loaded in course.lessons_in_order:
            lesson = loaded.lesson
            yield f"Open lesson: {lesson.title}", partial(app.open_lesson, lesson.id), lesson.summary
            yield f"Start quiz: {lesson.title}", partial(app.start_quiz, lesson.id), "The lesson's questions"
        for bank in course.banks:
            if bank.bank.lesson is None:  # a lesson's banks are in its quiz already
                yield f"Start quiz: {bank.bank.title}", partial(app.start_quiz, bank.bank.bank), ""

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
