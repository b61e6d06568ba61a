"""The statistics screen: attempts and accuracy over time, weakest tags, the mistakes that fire
most (each opening the lesson that explains it), the review forecast, and the streak."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, ListItem, ListView, Static
from textual_plotext import PlotextPlot

from tutor.content.words import plural
from tutor.tui.widgets.chrome import TutorFooter, TutorHeader
from tutor.tui.widgets.mastery import bar

DAYS = 30  # days shown in the plots


class NoteItem(ListItem):
    def __init__(self, text: str, lesson_id: str | None, section: int = 0) -> None:
        super().__init__(Label(text, markup=False))
        self.lesson_id = lesson_id
        self.section = section


class StatsScreen(Screen[None]):
    CSS_PATH = Path(__file__).parent / "stats.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("s", "app.pop_screen", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield TutorHeader()
        with VerticalScroll(id="stats"):
            yield Static("", id="summary")
            with Horizontal(id="plots"):
                yield PlotextPlot(id="attempts-plot")
                yield PlotextPlot(id="accuracy-plot")
            yield Static("", id="forecast")
            yield Static("", id="tags")
            yield Label("Mistakes you make most (enter opens the lesson that explains it)", id="notes-title")
            yield ListView(id="notes")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.refresh_stats()

    def on_screen_resume(self) -> None:
        self.refresh_stats()

    def refresh_stats(self) -> None:
        from tutor.progress import stats
        from tutor.quiz.review import note_links

        app: Any = self.app
        store, course, now = app.store, app.course, app.now()
        if course is None:
            return
        days = stats.activity(store)
        today = datetime.fromtimestamp(now).date()
        total = sum(d.attempts for d in days)
        right = sum(d.correct for d in days)
        streak = stats.streak([d.day for d in days], today)
        soon, later = stats.due_counts(store, course.questions, now)
        accuracy = f"{right / total:.0%} right" if total else "no answers yet"
        self.query_one("#summary", Static).update(
            f"Streak: {plural(streak, 'day')} · {plural(total, 'answer')} in all, {accuracy} · "
            f"{soon} due now, {later} later today"
        )
        self.query_one("#plots").display = bool(days)  # empty plots only draw their frames
        if days:
            self._plots(days, today)
        counts = stats.forecast(store, course.questions, now)
        most = max(counts) or 1
        lines = ["Reviews due, next 14 days:"]
        for offset, n in enumerate(counts):
            day = today + timedelta(days=offset)
            label = "today" if offset == 0 else day.strftime("%a %d")
            lines.append(f"  {label:<7} {bar(n / most, 20) if n else '':<20} {n}")
        self.query_one("#forecast", Static).update("\n".join(lines))
        from tutor.content import model as m

        # topics only: a tag naming a question kind (`code`, `ordering`) says how it is asked
        rows = [r for r in stats.tag_mastery(app.course_index, store, now, skip=m.kinds()) if r.mastery.seen]
        tags = [r for r in rows if r.mastery.seen >= stats.TAG_EVIDENCE][:5]
        few = [r.title for r in rows if r.mastery.seen < stats.TAG_EVIDENCE]
        if tags:
            width = max(len(r.title) for r in tags)
            text = "Weakest topics (FSRS recall a week from now):\n" + "\n".join(
                f"  {r.title:<{width}} {bar(r.mastery.value, 12)} {r.mastery.value:4.0%} {r.mastery.word}"
                for r in tags
            )
        else:
            text = "Weakest topics: none yet (answer a few questions first)."
        if few:
            text += f"\nToo few answers yet: {', '.join(sorted(few))}"
        self.query_one("#tags", Static).update(text)
        notes = self.query_one("#notes", ListView)
        notes.clear()
        links = note_links(course, store)
        shown: set[str] = set()
        for link in links:
            lines = []
            if link.note not in shown:  # the mistake once, then each lesson where it was made
                shown.add(link.note)
                lines.append(f"{link.name[:1].upper()}{link.name[1:]} ×{link.total}")
                if link.feedback:
                    lines.append(f"  {link.feedback}")
            if link.lesson_id:
                lines.append(f"  ×{link.count} in {link.lesson_title} › {link.section}")
            notes.append(NoteItem("\n".join(lines), link.lesson_id, link.section_index))
        if not links:
            notes.append(NoteItem("No mistakes noted yet.", None))
        notes.index = 0

    def _plots(self, days: list[Any], today: date) -> None:
        start = today - timedelta(days=DAYS - 1)
        by_day = {d.day: d for d in days}
        xs = list(range(DAYS))
        labels = [(start + timedelta(days=i)).strftime("%d/%m") for i in xs]
        attempts = [
            by_day[start + timedelta(days=i)].attempts if start + timedelta(days=i) in by_day else 0
            for i in xs
        ]
        ticks = [0, DAYS // 2, DAYS - 1]  # few labels: plotext places middle ones to a cell either way
        plot = self.query_one("#attempts-plot", PlotextPlot).plt
        plot.clear_data()
        plot.bar(xs, attempts)
        plot.ylim(0, max(attempts) or 1)
        plot.title(f"Answers per day (last {DAYS} days)")
        plot.xticks([float(t) for t in ticks], [labels[i] for i in ticks])
        acc = self.query_one("#accuracy-plot", PlotextPlot).plt
        acc.clear_data()
        active = [i for i in xs if attempts[i]]
        if active:
            acc.plot(
                active, [100 * by_day[start + timedelta(days=i)].accuracy for i in active], marker="braille"
            )
        acc.ylim(0, 100)
        acc.xlim(0, DAYS - 1)
        acc.title("Right answers per day, %")
        acc.xticks([float(t) for t in ticks], [labels[i] for i in ticks])
        self.query_one("#attempts-plot", PlotextPlot).refresh()
        self.query_one("#accuracy-plot", PlotextPlot).refresh()

    @on(ListView.Selected, "#notes")
    def _open_lesson(self, event: ListView.Selected) -> None:
        item = event.item
        if isinstance(item, NoteItem) and item.lesson_id:
            app: Any = self.app
            app.open_lesson(item.lesson_id)
            if item.section:
                self._scroll_lesson(item.section, tries=40)

    def _scroll_lesson(self, section: int, tries: int) -> None:
        """Scroll the lesson just opened to `section`, once its sections are mounted (all but the
        first mount after its first frame)."""
        screen: Any = self.app.screen
        views = list(screen.query("SectionView")) if type(screen).__name__ == "LessonScreen" else []
        if len(views) == len(getattr(getattr(screen, "lesson", None), "sections", [])) and views:
            screen._go(section)
        elif tries > 0:
            self.set_timer(0.05, lambda: self._scroll_lesson(section, tries - 1))
