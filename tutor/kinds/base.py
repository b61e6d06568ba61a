"""What a question kind is: everything tutor knows about one `type:` of question, in one class.

A kind module (`tutor/kinds/numeric.py`, …) defines its pydantic model and a `Kind` subclass,
and registers one instance with `register`. Every place that used to ask "which type is this?"
asks the kind instead: the course model builds its `Question` union from the registry,
variants call `instantiate`, the grader calls `parse` then `grade`, `tutor check` calls
`check_static`, `check_seed` and `selftest_cases`, the live preview calls `preview`, and the
quiz session and plain mode ask for retry costs, solutions and how answers are typed.

The phases follow PrairieLearn's elements: `parse` keeps "cannot read" apart from grading, so
an unreadable answer is a Result that costs no try, before `grade` ever sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from tutor.content.model import QuestionBase
from tutor.content.verdicts import Verdict
from tutor.grading.result import Result

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.content.yamlsource import Path as DataPath
    from tutor.grading.preview import Preview

Q = TypeVar("Q", bound=QuestionBase)

# How plain mode reads an answer: one line, lines up to ".", one line per step, option letters
# (mapped through the shuffle), or a written answer then the rubric points covered.
PlainInput = Literal["line", "lines", "steps", "choice", "self-assess"]

# Tests that need no authoring, by the verdict they must get.
Expect = Verdict


@dataclass(frozen=True)
class Case:
    """An automatic self-test: `answer` must grade `expect` (with `note`, when given)."""

    path: tuple[str | int, ...]  # where in the question to report a failure
    answer: str
    expect: Expect
    note: str | None = None
    what: str = "the reference itself"


@dataclass(frozen=True)
class AuthorExpr:
    """An author's expression `tutor check` must be able to read."""

    path: tuple[str | int, ...]
    text: str
    what: str


Report = Callable[["DataPath", str], None]


class Kind(Generic[Q]):
    """One question type. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]  # the `type:` authors write
    order: ClassVar[int] = 1000  # where it comes in lists, messages and the schema
    model: type[Q]
    label: ClassVar[str]  # the name learners see: "number", "short answer"
    how_to: ClassVar[str]  # the app's one-line answering instructions
    plain_how_to: ClassVar[str | None] = None  # plain mode's, when it has one
    plain_input: ClassVar[PlainInput] = "line"
    placeholder: ClassVar[str] = "your answer"  # the empty answer line's example
    # Whether answers are math the reader previews as they are typed.
    reads_math: ClassVar[bool] = False
    # Whether author expressions may use the learner's variables (symbolic kinds).
    symbolic: ClassVar[bool] = False
    # Whether a variant's reference is a computed value (`answer` in values and placeholders).
    computes_answer: ClassVar[bool] = False
    # What "could not decide" advice says in the app, when it is not the general advice.
    undecided_advice: ClassVar[str | None] = None
    # Whether answers are code run in the OS sandbox (the app and plain mode say once when the
    # sandbox is missing).
    runs_code: ClassVar[bool] = False
    # Seeds `tutor check` runs the self-tests on, at most (a code answer starts a process).
    selftest_seeds: ClassVar[int | None] = None
    # A line `tutor check` reads as garbage: it must grade `invalid`, never `incorrect`.
    garbage: ClassVar[str | None] = "@#"

    # ------------------------------------------------------------ model and variants

    def of(self, question: QuestionBase) -> Q:
        """`question` as this kind's model (for type checkers; it always is one)."""
        assert isinstance(question, self.model)
        return question

    def instantiate(self, variant: Variant) -> None:
        """Fill in what a variant needs beyond its drawn parameters (reference, shuffles)."""
        answer = getattr(variant.question, "answer", None)
        if isinstance(answer, str):
            variant.answer_text = variant.pretty(answer)

    def has_answer_value(self, question: Q) -> bool:
        """Whether `{{answer}}` means something in this question's texts."""
        return self.computes_answer

    def variants_differ(self, question: Q) -> bool:
        """Whether a fresh variant asks something new (it draws numbers)."""
        from tutor.content import model as m

        draws = (m.Uniform, m.Integers, m.Choice, m.ArrayDraw)
        return any(isinstance(spec, draws) for spec in question.params.values())

    def default_retry_penalty(self, question: Q) -> float:
        """What a further try costs when neither question nor bank says: nothing, since a number
        or a formula is not guessed from a list."""
        return 0.0

    # ------------------------------------------------------------ answers

    def parse(self, variant: Variant, answer: str) -> Result | None:
        """An `invalid` Result (no try used) when the answer cannot be read, else None."""
        return None

    def grade(self, variant: Variant, answer: Any) -> Result:
        """The verdict on a readable answer."""
        raise NotImplementedError

    def preview(self, variant: Variant, text: str) -> Preview | None:
        """How the answer reads as it is typed; None when this kind shows no preview."""
        return None

    def how_to_answer(self, variant: Variant) -> str:
        """The app's answering instructions for this variant."""
        return self.how_to

    def input_of(self, variant: Variant) -> PlainInput:
        """How plain mode reads this variant's answer."""
        return self.plain_input

    def plain_lines(self, variant: Variant) -> list[str]:
        """What plain mode prints under the prompt: options, then how to answer."""
        return [self.plain_how_to] if self.plain_how_to else []

    def solution_text(self, variant: Variant) -> str:
        """The worked solution as shown after the question."""
        return variant.solution

    def shown_value(self, variant: Variant, text: str) -> str | None:
        """An author's answer or mistake `text` as `tutor preview` shows its value for this
        variant, when this kind writes values its own way (None: evaluated as an expression)."""
        return None

    def answer_line(self, variant: Variant | None, answer: Any, result: Result | None) -> str | None:
        """An answer as one line in results, when this kind writes it its own way; else None."""
        return None

    # ------------------------------------------------------------ `tutor check`

    def author_exprs(self, question: Q) -> Iterator[AuthorExpr]:
        """Author expressions to read, with the question's parameters (and variables, when
        symbolic) in scope."""
        return iter(())

    def extra_names(self, question: Q) -> Sequence[str]:
        """Names, besides parameters and variables, the question's expressions may use."""
        return ()

    def check_static(self, question: Q, report: Any) -> None:
        """Problems `tutor check` finds without drawing a variant; `report.at(path, message)`."""

    def check_seed(self, question: Q, variant: Variant) -> tuple[DataPath, str] | None:
        """A problem with this seed's variant (a reference that is not finite), or None."""
        return None

    def lint(self, question: Q, out: Any) -> None:
        """What `tutor check` warns about in a question that loads and computes but that a
        learner would trip over; `out.warn(path, message)` or `out.error(path, message)`
        (`tutor.content.lint.Findings`)."""

    def lint_variants(self, question: Q, variants: list[Variant], out: Any) -> None:
        """As `lint`, over variants drawn on the first seeds (all of which compute)."""

    def key_problems(self, variant: Variant) -> list[tuple[DataPath, str]]:
        """Problems with the answer key only running it shows (the answer key's self-tests
        ask for them on each graded seed): a code reference returning NaN."""
        return []

    def selftest_cases(self, variant: Variant) -> list[Case]:
        """Answers whose verdicts need no authoring: the reference is right, each anticipated
        mistake is reached, garbage cannot be read."""
        return []

    def seed_answers(self, variant: Variant) -> list[str]:
        """Real answers to start fuzzing from, besides the author's tests."""
        q = variant.question
        return [t for t in (getattr(q, "answer", None), getattr(q, "start", None)) if isinstance(t, str)]

    # ------------------------------------------------------------ for the contract test

    def reference_answer(self, variant: Variant) -> str | None:
        """A typed answer that must grade correct (None: this kind has none to type)."""
        return None

    def wrong_answer(self, variant: Variant) -> str | None:
        """A readable typed answer that must not grade correct."""
        return None

    def unreadable_answer(self, variant: Variant) -> str | None:
        """A typed answer that must grade invalid."""
        return self.garbage
