"""`tutor quiz --plain`: the same quiz as lines of text on stdin/stdout.

For screen readers, pipes and scripts. It drives the same QuizSession as the app, so the rules
(what counts as a try, hint costs, solutions, fresh variants) are the same.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

from tutor.content import model as m
from tutor.content.words import points
from tutor.grading.letters import LETTERS, letter, read_letter
from tutor.kinds.choice import option_order
from tutor.quiz.feedback import feedback_text, plain_markdown, strip_marks
from tutor.quiz.session import Answer, QuizSession, Summary

COMMANDS = ("hint", "solution", "retry", "skip", "quit")
END = "."

HELP = (
    "Type your answer and press enter. Commands: hint, solution, retry (a fresh variant), skip, quit. "
    f'Multi-line answers end with a line holding only "{END}".'
)


def wrap_hanging(line: str, width: int) -> str:
    """`line` wrapped to `width`, its continuation lines indented under its text: past a leading
    `  a) ` or `  1. ` marker, else under its own indentation."""
    import re
    import textwrap

    if len(line) <= width:
        return line
    marker = re.match(r"\s*(?:[a-z]\)|\d+[.)]|[-*•])\s+", line) or re.match(r"\s*", line)
    hang = " " * (marker.end() if marker else 0)
    return textwrap.fill(line, width, subsequent_indent=hang, break_on_hyphens=False, break_long_words=False)


class PlainQuiz:
    def __init__(
        self,
        session: QuizSession,
        read: Callable[[str], str | None],
        write: Callable[[str], None],
        width: int | None = None,
    ):
        self.session = session
        self.read = read  # returns None at end of input
        self.write = write
        self._code_notice_said = False
        # the terminal's width (80 in a pipe), within reason: text is reflowed to it
        self.width = width or min(100, max(40, shutil.get_terminal_size((80, 24)).columns))

    def text(self, markdown: str) -> None:
        """Write an author's Markdown as plain lines that fit the terminal."""
        self.write(plain_markdown(markdown, self.width))

    def verdict(self, text: str) -> None:
        """Write a verdict's words without Markdown marks (the answer and its caret stay as typed)."""
        lines = text.split("\n")
        self.write("\n".join(x if x.startswith("  ") else strip_marks(x, code=False) for x in lines))

    def run(self) -> Summary:
        self.text(HELP)
        while not self.session.finished:
            if not self.ask():
                self.session.finish()
        self.report(self.session.summary())
        return self.session.summary()

    # ------------------------------------------------------------ one question

    def ask(self) -> bool:
        """Show the current question and take answers until it is done; False at end of input."""
        s = self.session
        state = s.current
        q = state.question
        self.write("")
        self.write(f"── Question {s.index + 1} of {s.total} ({q.type}) ──")
        self.text(state.variant.prompt)
        if m.kinds()[q.type].runs_code:
            self.code_notice()
        self.show_inputs()
        while True:
            answer = self.read_answer()
            if answer is None:
                return False
            if isinstance(answer, str) and answer.strip().lower() in COMMANDS:
                command = answer.strip().lower()
                if command == "quit":
                    return False
                if command == "skip":
                    s.skip()
                    return True
                if command == "retry":
                    s.retry()
                    self.write("A fresh variant:")
                    return True
                if command == "hint":
                    shown = s.next_hint()
                    if shown is None:
                        self.write("No more hints. Type `solution` for the worked solution.")
                    else:
                        text, cost = shown
                        self.text(
                            f"Hint {state.hints_shown}: {text}" + (f" (costs {cost:.0%})" if cost else "")
                        )
                    continue
                if command == "solution":
                    self.write("Worked solution:")
                    self.text(s.solution())
                    continue
            result = s.submit(answer)
            typed = answer if isinstance(answer, str) else None
            earned = state.earned if result.counts_as_attempt else None
            if m.kinds()[q.type].plain_input == "choice" and isinstance(answer, set):
                # the letters as shown, not the options' whole texts run together
                lines = feedback_text(result, earned, typed, show_reading=False, kept=state.best).split("\n")
                lines.insert(1, "chosen: " + self.letters_of(answer))
                self.verdict("\n".join(lines))
            else:
                self.verdict(feedback_text(result, earned, typed, kept=state.best))
            if result.verdict == "correct":
                s.advance()
                return True
            if result.counts_as_attempt:
                note = s.try_note()
                self.write(
                    f"Try again ({note}), or: hint, solution, retry, skip."
                    if note
                    else "Try again, or: hint, solution, retry, skip."
                )

    def code_notice(self) -> None:
        """Say once when code answers cannot run in the OS sandbox (or cannot run at all)."""
        from tutor.grading import sandbox

        message = sandbox.status().notice
        if message is None or self._code_notice_said:
            return
        self._code_notice_said = True
        self.write(f"(note: {message[0].lower()}{message[1:]})")

    def show_inputs(self) -> None:
        variant = self.session.current.variant
        for line in m.kinds()[variant.question.type].plain_lines(variant):
            # options as authors write them, without their marks, wrapped to the terminal under
            # their own start ("  a) " hangs)
            self.write(wrap_hanging(strip_marks(line), self.width))

    def read_answer(self) -> Answer | None:
        state = self.session.current
        q = state.question
        how = m.kinds()[q.type].input_of(state.variant)
        if how == "steps":
            texts = []
            for i, step in enumerate(q.steps, start=1):
                line = self.read(f"step {i}: {state.variant.render(step.prompt)}> ")
                if line is None:
                    return None
                if i == 1 and line.strip().lower() in COMMANDS:
                    return line
                texts.append(line)
            return texts
        if how == "choice":
            line = self.read("answer> ")
            if line is None or line.strip().lower() in COMMANDS:
                return line
            return self.choice_letters(line)
        if how == "line":
            return self.read("answer> ")
        while True:
            text, ended = self.read_lines()
            if how != "self-assess" or text is None or text.strip().lower() in COMMANDS:
                return text
            from tutor.kinds.free import ask_for_more

            more = ask_for_more(self.session.current.question, text)
            if more is None:
                return self.self_assess(text)
            self.write(more)  # no model answer, no points, until there is an answer to judge
            if ended:  # the input is over: nothing more will come
                return None

    def read_lines(self) -> tuple[str | None, bool]:
        """Lines up to one with only ".", as one text (a command on the first line alone), and
        whether the input ended."""
        lines: list[str] = []
        while True:
            line = self.read("... " if lines else "answer> ")
            if line is None:
                return (None if not lines else "\n".join(lines)), True
            if not lines and line.strip().lower() in COMMANDS:
                return line, False
            if line.strip() == END:
                return "\n".join(lines), False
            lines.append(line)

    def choice_letters(self, line: str) -> Answer:
        """Letters as shown map to the authored options; anything else goes to the grader to explain."""
        state = self.session.current
        order = option_order(state.variant)
        picked = set()
        for token in line.replace(",", " ").split():
            shown = read_letter(token, len(order))  # a, a), (a) or a. as the options are shown
            if shown is not None:
                picked.add(order[shown])
            else:
                return line  # the grader says what it cannot read
        return picked if picked else line

    def letters_of(self, picked: set[int]) -> str:
        """Authored option indices as the letters shown for them."""
        order = option_order(self.session.current.variant)
        return ", ".join(letter(order.index(i)) for i in sorted(picked, key=order.index))

    def self_assess(self, text: str) -> Answer | None:
        """The rubric points covered, by letter as `tutor grade`, the app and the tests name them."""
        state = self.session.current
        q = state.question
        count = len(q.rubric)
        self.write("Model answer:")
        self.text(state.variant.render(q.model_answer))
        self.write('Which points did your answer cover? Type their letters (e.g. a c), or "none".')
        for i, item in enumerate(q.rubric):
            self.write(f"  {letter(i)}) {strip_marks(item.text)}")
        while True:
            line = self.read("covered> ")
            if line is None:
                return None
            tokens = [t.strip("().") for t in line.lower().replace(",", " ").split()]
            if tokens in (["none"], ["-"]):
                return set()
            picked = [read_letter(t, count) for t in tokens]
            if tokens and None not in picked:
                return {i for i in picked if i is not None}
            self.write(f'Type letters from a to {LETTERS[count - 1]}, or "none".')

    def report(self, summary: Summary) -> None:
        self.write("")
        s = self.session
        left = not s.completed and s.on_change is not None  # kept, so the same command resumes it
        head = f"Left at question {s.index + 1} of {s.total}" if left else "Finished"
        self.write(
            f"{head}: score {summary.score:.0%}, {summary.correct} of {summary.total} fully right, "
            f"{round(summary.seconds)} s."
        )
        for i, row in enumerate(summary.rows, start=1):
            line = f"  {i:>2}. {row.outcome:<12} {points(row.score):<4} {row.title}"
            self.write(line if len(line) <= self.width else line[: self.width - 1].rstrip() + "…")
        if summary.revisit:
            rows = enumerate(summary.rows, start=1)
            numbers = [str(i) for i, row in rows if row.question_id in summary.revisit]
            which = "questions " if len(numbers) > 1 else "question "
            self.write("To revisit: " + which + ", ".join(numbers) + ".")
        if left:
            self.write("The same command resumes this quiz where you left it (--fresh starts afresh).")
