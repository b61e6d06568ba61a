"""Home's spaced-review line and mastery bars (per lesson and per tag, each with its word)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import Static


def due_text(store: Any, questions: Iterable[str], now: float) -> str:
    """What the review holds now (within the day's limits), what is due today and tomorrow, and
    what r does: "Press r to review 12 now · 14 due today, 30 tomorrow"."""
    from tutor.progress.stats import forecast, within_limits

    questions = list(questions)
    due = [q for q, _ in store.due(questions, until=now)]
    ready = len(within_limits(due, store, now)) if due else 0
    today, tomorrow = forecast(store, questions, now, days=2)
    ahead = f"{today} due today, {tomorrow} tomorrow"
    if ready:
        held = f" ({len(due) - ready} more after today's limit)" if ready < len(due) else ""
        return f"Press r to review {ready} now{held} · {ahead}."
    if due:
        return f"Today's review limit is reached ({len(due)} wait) · {ahead}."
    if today or tomorrow:
        return f"Nothing to review now · {ahead}."
    return "Nothing due for review today."


def bar(value: float, width: int = 8) -> str:
    """A bar of `width` cells for 0..1, readable without colour (full and light shade blocks)."""
    filled = max(0, min(width, round(value * width)))
    return "█" * filled + "░" * (width - filled)


class MasteryPanel(Static):
    """Mastery per lesson (two columns) and the weakest tags, each a bar with its word.

    Hidden until the learner has answered something: before that every bar would say "new"."""

    DEFAULT_CSS = """
    MasteryPanel { height: auto; padding: 0 1; margin: 0 0 1 0; }
    """

    _shown_for: tuple[Any, Any, float] | None = None
    _drawn_width = 0

    def on_resize(self, event: events.Resize) -> None:
        # Its columns and the tags line are laid out for the terminal's width when drawn.
        if self._shown_for is not None and self.app.size.width != self._drawn_width:
            self.show_for(*self._shown_for)

    def show_for(self, index: Any, store: Any, now: float) -> None:
        """Show the mastery of the course whose `CourseIndex` is `index`, or hide when nothing was
        answered yet."""
        from tutor.content import model as m
        from tutor.progress.stats import TAG_EVIDENCE, lesson_mastery, tag_mastery

        self._shown_for = (index, store, now)  # drawn again to the new width on a resize
        self._drawn_width = self.app.size.width
        lessons = lesson_mastery(index, store, now)
        if not any(row.mastery.seen for row in lessons):
            self.display = False
            return
        width = max(36, (self.app.size.width - 4) // 2)
        name_width = width - 20
        text = Text()
        text.append("Mastery (FSRS recall a week from now)\n", style="bold")
        cells = [self._cell(row.title, row.mastery, name_width) for row in lessons]
        for i in range(0, len(cells), 2):
            line = cells[i].copy()
            if i + 1 < len(cells):
                line.append(" " * max(1, width - len(line.plain)))
                line.append_text(cells[i + 1])
            text.append_text(line)
            text.append("\n")
        # topics (not the kinds of question some are tagged with) answered enough to say
        rows = tag_mastery(index, store, now, skip=m.kinds())
        tags = [row for row in rows if row.mastery.seen >= TAG_EVIDENCE][:3]
        if tags:
            line = Text("Weakest topics: ", style="bold")
            for n, row in enumerate(tags):
                part = f"{' · ' if n else ''}{row.title} {bar(row.mastery.value, 5)} {row.mastery.word}"
                if len(line.plain) + len(part) > self.app.size.width - 4:
                    break  # one line: the weakest first
                line.append(part, style="")
            text.append_text(line)
        text.rstrip()
        self.update(text)
        self.display = True

    @staticmethod
    def _cell(title: str, mastery: Any, name_width: int) -> Text:
        name = title if len(title) <= name_width else title[: name_width - 1] + "…"
        cell = Text(f"{name:<{name_width}} ")
        cell.append(bar(mastery.value), style="bold" if mastery.word == "strong" else "")
        cell.append(f" {mastery.word}")
        return cell
