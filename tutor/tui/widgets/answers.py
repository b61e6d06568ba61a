"""The answer input that fits each question type, with a live preview for math.

Every area offers `value()`: what to grade (text, a list of step texts, or a set of authored
option indices), or None with a message when there is nothing to grade yet.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import partial
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Label, Markdown, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import OptionDoesNotExist
from textual.worker import Worker, WorkerState

from tutor.content import model as m
from tutor.content.variants import Variant
from tutor.grading import limits
from tutor.grading.letters import LETTERS
from tutor.grading.preview import Preview, preview
from tutor.grading.result import caret
from tutor.kinds.choice import option_order


class AnswerArea(Vertical):
    DEFAULT_CSS = """
    AnswerArea {
        height: auto;
    }
    AnswerArea .preview {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    AnswerArea .preview.-error {
        color: $warning;
    }
    AnswerArea .step-prompt {
        margin-top: 1;
        height: auto;
    }
    AnswerArea TextArea {
        height: 8;
    }
    /* a Vertical fills what is left (1fr): as tall as its model answer and rubric instead, or
       the rubric to tick is cut off below the model answer */
    AnswerArea #rubric-box {
        height: auto;
    }
    AnswerArea #answer-code {
        height: 14;
    }
    AnswerArea RadioSet {
        width: 1fr;
    }
    /* options are sentences: wrap them rather than cut the words that tell them apart */
    AnswerArea SelectionList {
        height: auto;
        max-height: 60;
        text-wrap: wrap;
    }
    """

    class Submit(Message):
        """The learner pressed enter where that means "check my answer"."""

    empty_message = "Type an answer first."

    def __init__(self, variant: Variant) -> None:
        super().__init__(classes="answer-area")
        self.variant = variant

    def value(self) -> Any | None:
        raise NotImplementedError

    def restore(self, answer: Any) -> None:
        """Put back an answer given earlier (a quiz resumed), in the form `value()` returns."""

    def focus_input(self) -> Widget | None:
        """Focus the first input, and return it; None while there is none yet."""
        for widget in self.query("Input, TextArea, SelectionList"):
            if widget.focusable:
                widget.focus()
                return widget
        return None


def preview_text(shown: Preview, source: str) -> tuple[str, bool]:
    """What the preview line says, and whether it is a problem."""
    if shown.kind == "ok":
        if shown.hint and shown.warns:  # it reads, but likely not as meant: a reading pitfall
            return f"reads as: {shown.text}\nwarning: {shown.hint}", True
        return f"reads as: {shown.text}" + (f"\n({shown.hint})" if shown.hint else ""), False
    if shown.kind == "error":
        lines = [f"cannot read: {shown.text}"]
        if shown.position is not None and "\n" not in source:
            lines += caret(source, shown.position)
        if shown.hint:
            lines.append(f"hint: {shown.hint}")
        return "\n".join(lines), True
    return "", False


SLOW_PREVIEW = "reads as: … (still reading it; you can check it anyway)"


class TickList(SelectionList[int]):
    """Options to tick, each one row with one box whatever its height: the box is drawn on an
    option's first screen line only (SelectionList draws one on every line, so a wrapped option
    shifts the ticks of those below onto the wrong rows), and a ticked box differs in shape,
    `[x]` against `[ ]`, not only in colour."""

    TICKED = "[x]"
    UNTICKED = "[ ]"

    def _get_left_gutter_width(self) -> int:
        return len(self.TICKED) + 1

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # OptionList measures options at the full width, then lays them out beside the boxes:
        # a list one line too short scrolls inside itself and hides the last option's end
        return super().get_content_height(container, viewport, width - self._get_left_gutter_width())

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        try:
            index, offset = self._lines[self.scroll_offset.y + y]
            selection = self.get_option_at_index(index)
        except (IndexError, OptionDoesNotExist):
            return line
        underlying = next(iter(line)).style or self.rich_style
        if offset:  # a wrapped option's further lines: no box, text in line with the first
            return Strip([Segment(" " * self._get_left_gutter_width(), style=underlying), *line])
        ticked = selection.value in self._selected
        component = "selection-list--button"
        if ticked:
            component += "-selected"
        if self.highlighted == index:
            component += "-highlighted"
        box = self.get_component_rich_style(component) + Style(meta={"option": index})
        return Strip(
            [
                Segment(self.TICKED if ticked else self.UNTICKED, style=box),
                Segment(" ", style=underlying),
                *line,
            ]
        )


class PreviewLine(Static):
    """How the answer reads, worked out in a thread so that typing never waits on it."""

    def __init__(self) -> None:
        super().__init__("", classes="preview", markup=False)
        self._latest: Worker[Preview] | None = None
        self._source = ""
        self._timer: Any = None

    def show(self, variant: Variant, text: str) -> None:
        """Read `text` off the UI thread; only the reading of the newest text is ever shown."""
        if self._timer is not None:
            self._timer.stop()
        self._source = text
        # exclusive: a reading still running for older text is cancelled, its result dropped
        self._latest = worker = self.run_worker(
            partial(preview, variant, text),
            thread=True,
            group="preview",
            exclusive=True,
            exit_on_error=False,  # a failed preview is a line of text, never the end of the app
        )
        self._timer = self.set_timer(limits.PREVIEW_TIME_CAP, partial(self._too_slow, worker))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._latest:
            return  # the reading of text the learner has since changed
        if event.state == WorkerState.SUCCESS and event.worker.result is not None:
            self._stop_timer()
            self._put(*preview_text(event.worker.result, self._source))
        elif event.state == WorkerState.ERROR:
            self._stop_timer()
            self._put("cannot preview this answer; you can check it anyway", True)

    def _too_slow(self, worker: Worker[Preview]) -> None:
        if worker is self._latest and worker.state == WorkerState.RUNNING:
            self._put(SLOW_PREVIEW, False)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _put(self, message: str, problem: bool) -> None:
        self.update(message)
        self.set_class(problem, "-error")


class MathAnswer(AnswerArea):
    """One line of math (numeric, expression, vector) with its reading shown as it is typed."""

    def compose(self) -> ComposeResult:
        # the kind's example: syntax only, never an answer, or nearly one, from a course
        placeholder = m.kinds()[self.variant.question.type].placeholder
        yield Input(placeholder=placeholder, id="answer-input")
        yield PreviewLine()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        for line in self.query(PreviewLine):
            line.show(self.variant, event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submit())

    def value(self) -> str | None:
        text = self.query_one(Input).value
        return text if text.strip() else None

    def restore(self, answer: Any) -> None:
        if isinstance(answer, str):
            self.query_one(Input).value = answer


class TextAnswer(MathAnswer):
    def compose(self) -> ComposeResult:
        yield Input(placeholder=m.kinds()["text"].placeholder, id="answer-input")


class StepsAnswer(AnswerArea):
    """A derivation in steps: one input per step, each with its own preview."""

    empty_message = "Fill in every step."

    def compose(self) -> ComposeResult:
        q: m.DerivationQuestion = self.variant.question
        for i, step in enumerate(q.steps, start=1):
            yield Markdown(f"**Step {i}.** {self.variant.render(step.prompt)}", classes="step-prompt")
            yield Input(placeholder="an expression", id=f"step-{i}")
            yield PreviewLine()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        inputs = list(self.query(Input))
        previews = list(self.query(PreviewLine))
        previews[inputs.index(event.input)].show(self.variant, event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        position = inputs.index(event.input)
        empty = [i for i in inputs if not i.value.strip()]
        if empty and position + 1 < len(inputs):
            inputs[position + 1].focus()
        elif empty:
            empty[0].focus()
        else:
            self.post_message(self.Submit())

    def value(self) -> list[str] | None:
        texts = [i.value for i in self.query(Input)]
        return texts if all(t.strip() for t in texts) else None

    def restore(self, answer: Any) -> None:
        if isinstance(answer, list):
            for box, text in zip(self.query(Input), answer, strict=False):
                if isinstance(text, str):
                    box.value = text


class ChainAnswer(AnswerArea):
    """A chain derivation: lines of `expr = expr = …`, previewed as a whole."""

    def compose(self) -> ComposeResult:
        q: m.DerivationQuestion = self.variant.question
        yield TextArea("", id="answer-text", soft_wrap=True, show_line_numbers=True)
        yield Label(f"Start from: {self.variant.pretty(q.start)}", classes="preview")
        yield PreviewLine()

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        self.query_one(PreviewLine).show(self.variant, event.text_area.text)

    def value(self) -> str | None:
        text = self.query_one(TextArea).text
        return text if text.strip() else None

    def restore(self, answer: Any) -> None:
        if isinstance(answer, str):
            self.query_one(TextArea).load_text(answer)


class CodeEditor(TextArea):
    """The code editor, with its own keys in the footer: esc leaves the editor (tab indents, so
    focus cannot leave by tab; a second esc then leaves the quiz), and ctrl+a selects everything,
    to replace the starter code (home still goes to the start of the line)."""

    FOOTER_LAST = True  # "check" and "next" matter more in a narrow footer (see TutorFooter)
    BINDINGS = [
        Binding("escape", "leave_editor", "Leave editor"),
        Binding("ctrl+a", "select_all", "Select all"),
    ]

    def action_leave_editor(self) -> None:
        self.screen.focus_next()  # what TextArea does with esc itself; the binding names it

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            row, column = min(start, end)
            self._replace_via_keyboard("\n" + next_indent(self.document.get_line(row)[:column]), start, end)
            return
        await super()._on_key(event)


def next_indent(before: str) -> str:
    """The indentation of a new line after `before` in Python: the same, one level more after a
    line ending in a colon, one level less after `return`, `pass`, `raise`, `break` or `continue`."""
    indent = before[: len(before) - len(before.lstrip(" \t"))]
    code = before.split("#", 1)[0].rstrip()
    if code.endswith(":"):
        return indent + "    "
    if code.strip().split(" ", 1)[0] in {"return", "pass", "raise", "break", "continue"}:
        return indent[:-4] if indent.endswith("    ") else indent
    return indent


class CodeAnswer(AnswerArea):
    def compose(self) -> ComposeResult:
        q: m.CodeQuestion = self.variant.question
        starter = q.starter or f"import numpy as np\n\ndef {q.function}(...):\n    ...\n"
        yield CodeEditor.code_editor(starter, language="python", id="answer-code")

    def value(self) -> str | None:
        text = self.query_one(TextArea).text
        return text if text.strip() else None

    def restore(self, answer: Any) -> None:
        if isinstance(answer, str):
            self.query_one(TextArea).load_text(answer)


class ChoiceAnswer(AnswerArea):
    """Options in this variant's order; the value is the set of authored indices picked.

    One list for single and multiple choice alike (a single choice keeps one tick), since
    option texts are sentences that must wrap."""

    empty_message = "Choose an option first."

    def __init__(self, variant: Variant) -> None:
        super().__init__(variant)
        self.order = option_order(variant)

    def compose(self) -> ComposeResult:
        q: m.ChoiceQuestion = self.variant.question
        labels = [f"{LETTERS[i]}) {self.variant.render(q.options[k].text)}" for i, k in enumerate(self.order)]
        hint = "Choose every option that applies" if q.multiple else "Choose one option"
        yield Label(f"{hint} (↑/↓ and space, or its letter).", classes="preview")
        yield TickList(*((label, k) for label, k in zip(labels, self.order, strict=True)))

    @on(SelectionList.SelectionToggled)
    def _one_only(self, event: SelectionList.SelectionToggled) -> None:
        q: m.ChoiceQuestion = self.variant.question
        chosen = event.selection.value
        listing = self.query_one(SelectionList)
        if not q.multiple and chosen in listing.selected:
            for other in list(listing.selected):
                if other != chosen:
                    listing.deselect(other)

    def value(self) -> set[int] | None:
        picked = set(self.query_one(SelectionList).selected)
        return picked or None

    def restore(self, answer: Any) -> None:
        if isinstance(answer, set):
            listing = self.query_one(SelectionList)
            listing.deselect_all()  # the ticks of a draft replace those of the answer checked
            for k in answer & set(self.order):
                listing.select(k)

    def pick(self, letter: str) -> None:
        """Choose by letter, as typed."""
        index = LETTERS.index(letter)
        if index < len(self.order):
            listing = self.query_one(SelectionList)
            listing.toggle(self.order[index])
            listing.highlighted = index
            q: m.ChoiceQuestion = self.variant.question
            if not q.multiple:
                for other in list(listing.selected):
                    if other != self.order[index]:
                        listing.deselect(other)


class FreeAnswer(AnswerArea):
    """Write freely; then compare with the model answer and tick the rubric points covered."""

    empty_message = "Write your answer first."

    def __init__(self, variant: Variant) -> None:
        super().__init__(variant)
        self.revealed = False

    def compose(self) -> ComposeResult:
        q: m.FreeQuestion = self.variant.question
        yield TextArea("", id="answer-text", soft_wrap=True)
        with Vertical(id="rubric-box"):
            yield Label("Model answer", classes="title")
            yield Markdown(self.variant.render(q.model_answer))
            yield Label(
                "Tick what your answer covered (↑/↓ and space), then ctrl+s records it:", classes="title"
            )
            yield TickList(*((item.text, i) for i, item in enumerate(q.rubric)), id="rubric")

    def on_mount(self) -> None:
        self.query_one("#rubric-box").display = False

    def reveal(self) -> None:
        self.revealed = True
        self.query_one("#rubric-box").display = True
        rubric = self.query_one("#rubric", SelectionList)
        self.call_after_refresh(rubric.focus)

    def value(self) -> set[int] | None:
        if not self.revealed:
            return None
        return set(self.query_one("#rubric", SelectionList).selected)


# ---------------------------------------------------------------- the registry of answer areas
#
# The app's side of the question kinds (pure logic never imports the UI): an answer area for
# each kind's `type`. The areas above are the built-in kinds'; a module in `areas/` registers
# its own on import, so a new kind adds its area without editing this file.

AreaFactory = Callable[[Variant], AnswerArea]
AREAS: dict[str, AreaFactory] = {}


def register_area(kind: str) -> Callable[[AreaFactory], AreaFactory]:
    """Make `factory` the answer area of questions of `kind`."""

    def add(factory: AreaFactory) -> AreaFactory:
        AREAS[kind] = factory
        return factory

    return add


def _derivation(variant: Variant) -> AnswerArea:
    mode = getattr(variant.question, "mode", "steps")
    return StepsAnswer(variant) if mode == "steps" else ChainAnswer(variant)


AREAS.update(
    numeric=MathAnswer,
    expression=MathAnswer,
    vector=MathAnswer,
    derivation=_derivation,
    choice=ChoiceAnswer,
    text=TextAnswer,
    code=CodeAnswer,
    free=FreeAnswer,
)


def _discover() -> None:
    from tutor.tui.widgets import areas

    for info in sorted(pkgutil.iter_modules(areas.__path__), key=lambda i: i.name):
        importlib.import_module(f"{areas.__name__}.{info.name}")


def answer_area(variant: Variant) -> AnswerArea:
    """The answer area for a variant, by its question's kind."""
    if not _DISCOVERED:
        _discover()
        _DISCOVERED.append(True)
    return AREAS[variant.question.type](variant)


_DISCOVERED: list[bool] = []
