"""One run through a list of questions: variants, attempts, hints, solutions, retries, score.

Pure logic with no UI: the Textual app and `tutor quiz --plain` both drive this class, so they
share every rule. Grading is synchronous here; the app calls `submit` from a worker thread.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from tutor.content import model as m
from tutor.content.loader import QuestionEntry
from tutor.content.variants import Variant, instantiate
from tutor.grading.result import VERDICTS, Result
from tutor.progress.store import Attempt

Answer = str | list[str] | set[int]


def retry_penalty(question: Any, bank: m.BankHeader | None = None) -> float:
    """What each graded try after the first on one variant costs, as a share of its score.

    The question's `retry_penalty`, else its bank's, else, for a choice question, 1/(options − 1),
    so that picking through every option earns nothing for the last, right one (as in
    PrairieLearn and STACK). Other types: 0, since a number or a formula is not guessed from a list.
    """
    if question.retry_penalty is not None:
        return float(question.retry_penalty)
    if bank is not None and bank.retry_penalty is not None:
        return float(bank.retry_penalty)
    return m.kinds()[question.type].default_retry_penalty(question)


def variants_differ(question: m.QuestionBase) -> bool:
    """Whether a fresh variant asks something new: it draws numbers, and is not a choice question,
    whose right option stays right however its options are shuffled."""
    return bool(m.kinds()[question.type].variants_differ(question))


@dataclass
class QuestionState:
    entry: QuestionEntry
    variant: Variant
    variant_number: int = 0
    hints_shown: int = 0
    solution_seen: bool = False
    attempts: int = 0  # graded attempts on this question, over all its variants
    tries: int = 0  # graded tries on this variant: each after the first costs the retry penalty
    result: Result | None = None  # the latest graded result on the current variant
    best: float = 0.0
    earned: float = 0.0  # what the latest graded attempt earned, after hint and retry penalties
    skipped: bool = False
    last_answer: Any = None  # the answer of the latest graded attempt on the current variant
    # The graded try that earned `best`, and its answer: what the results show for the question,
    # so that a worse try after a right one (practice on a fresh variant) never contradicts its score.
    best_result: Result | None = None
    best_answer: Any = None
    draft: Any = None  # an answer typed and not checked yet, kept so that resuming puts it back

    @property
    def question(self) -> Any:  # the kind's own model: its fields differ by kind
        return self.entry.question

    @property
    def hints(self) -> list[m.Hint]:
        """The question's hints, then each step's own (a derivation's), labelled by step."""
        out = list(self.question.hints)
        for i, step in enumerate(getattr(self.question, "steps", []), start=1):
            out.extend(m.Hint(text=f"Step {i}: {h.text}", penalty=h.penalty) for h in step.hints)
        return out

    @property
    def penalty(self) -> float:
        """What the hints shown so far cost."""
        return min(1.0, sum(h.penalty for h in self.hints[: self.hints_shown]))

    @property
    def retry_penalty(self) -> float:
        return retry_penalty(self.question, self.entry.bank.bank)

    @property
    def deduction(self) -> float:
        """The share of its score the next graded try loses: hints shown, and earlier tries."""
        return min(1.0, self.penalty + self.retry_penalty * self.tries)

    @property
    def answered(self) -> bool:
        return self.result is not None

    @property
    def outcome(self) -> str:
        """The verdict the question's score stands on (its best try), for the results."""
        shown = self.best_result or self.result
        if shown is None:
            return "skipped" if self.skipped else "not answered"
        return shown.verdict


@dataclass(frozen=True)
class SummaryRow:
    question_id: str
    title: str
    outcome: str
    score: float
    attempts: int
    notes: tuple[str, ...]
    answer: str = ""  # the learner's last graded answer, as one line ("" when none)
    feedback: tuple[str, ...] = ()  # the words of its verdict
    solution: str = ""  # the worked solution of the variant answered
    prompt: str = ""  # the whole prompt of that variant (Markdown)


@dataclass(frozen=True)
class Summary:
    score: float  # weighted, 0..1
    correct: int
    total: int
    seconds: float
    rows: tuple[SummaryRow, ...]
    revisit: tuple[str, ...] = field(default=())  # question ids to come back to


def grader_failed(exc: BaseException) -> Result:
    """ "Could not decide", for an answer the grader failed on: not counted, and said so."""
    return Result(
        "undecided",
        feedback=(
            f"The grader failed on this answer ({type(exc).__name__}: {exc}). "
            "This is a bug in tutor. Try writing the answer another way, or go on.",
        ),
        details={"grader_failed": True},
    )


def first_line(markdown: str, width: int = 60) -> str:
    """The start of a prompt as plain text: one line, no Markdown marks."""
    text = " ".join(markdown.replace("`", "").replace("**", "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def solution_text(state: QuestionState) -> str:
    """The worked solution of a question's current variant (a free response's model answer first)."""
    text = m.kinds()[state.question.type].solution_text(state.variant)
    return text or "This question has no worked solution."


def question_title(state: QuestionState) -> str:
    """A question's title if it has one, else the start of its prompt."""
    title = getattr(state.question, "title", None)
    return title if isinstance(title, str) and title.strip() else first_line(state.variant.prompt)


def answer_line(answer: Any, question: Any, result: Result | None = None) -> str:
    """An answer as one line: text as typed, steps joined by ` ; `, options picked by their text,
    rubric points ticked by their letters."""
    from tutor.grading.letters import LETTERS

    if answer is None:
        return ""
    own = m.kinds()[question.type].answer_line(None, answer, result)
    if own is not None:
        return str(own)
    if isinstance(answer, set):
        return (
            ", ".join(f"({LETTERS[i]})" for i in sorted(answer) if 0 <= i < len(LETTERS)) or "(none ticked)"
        )
    if isinstance(answer, list):
        return " ; ".join(str(step) for step in answer)
    return " ".join(str(answer).split())


def variant_seed(base_seed: int, question_id: str, number: int) -> int:
    """The seed of a quiz's `number`-th variant of a question (0: the first one shown)."""
    return zlib.crc32(f"{base_seed}:{question_id}:{number}".encode()) % 1_000_000


def raw_answer(answer: Any, question: Any, result: Result | None = None) -> str:
    """An answer as the learner gave it, for the record: text as typed, steps one per line, options
    and rubric points as `answer_line` names them."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, list):
        return "\n".join(str(step) for step in answer)
    return answer_line(answer, question, result)


class QuizSession:
    def __init__(
        self,
        entries: Sequence[QuestionEntry],
        seed: int | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[QuizSession], None] | None = None,
        exact: bool = False,
    ) -> None:
        if not entries:
            raise ValueError("a quiz needs at least one question")
        self.base_seed = seed if seed is not None else random.randrange(1_000_000)
        # `tutor quiz --seed N`: each question's first variant is variant N itself, the one
        # `tutor grade --seed N` and `tutor preview --seed N` show and a record's `seed` names.
        self.exact = exact and seed is not None
        self.on_attempt = on_attempt
        self.clock = clock
        self.started = clock()
        self.finished_at: float | None = None
        self.completed = False  # went past the last question (leaving midway is not completing)
        self.states = [QuestionState(e, self._variant(e, 0)) for e in entries]
        self.index = 0
        self.quiz_id: str | None = None  # the ref the quiz was started on, written into each attempt
        self.on_give_up: Callable[[str], None] | None = None  # told of a question skipped unanswered
        # told once the learner goes past the last question (leaving midway is not finishing)
        self.on_complete: Callable[[QuizSession], None] | None = None
        self._shown = self.started  # when the current question (or its fresh variant) was shown
        # Told after every change worth keeping (an attempt, a hint, a solution, a variant, a move),
        # so that the quiz in progress can be saved and resumed.
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    def _variant(self, entry: QuestionEntry, number: int) -> Variant:
        if number == 0 and self.exact:
            return instantiate(entry.question, self.base_seed)
        return instantiate(entry.question, variant_seed(self.base_seed, entry.id, number))

    # ------------------------------------------------------------ where we are

    @property
    def current(self) -> QuestionState:
        return self.states[self.index]

    @property
    def total(self) -> int:
        return len(self.states)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def score_so_far(self) -> float:
        """Points earned so far, out of the questions' weights."""
        return sum(s.best * s.question.weight for s in self.states)

    @property
    def max_score(self) -> float:
        return sum(s.question.weight for s in self.states)

    # ------------------------------------------------------------ acting on the current question

    def submit(self, answer: Answer) -> Result:
        """Grade an answer; an unreadable one costs nothing and changes no score."""
        from tutor.grading.grader import grade

        state = self.current
        try:
            # the question's kind reads the answer, whatever its shape (text, steps, ticks)
            result = grade(state.variant, answer)
        except Exception as exc:  # a bug in grading must not end the quiz or cost the learner
            return grader_failed(exc)
        if not result.counts_as_attempt:
            return result
        earned = 0.0 if state.solution_seen else result.score * (1.0 - state.deduction)
        state.attempts += 1
        state.tries += 1
        state.result = result
        state.earned = earned
        if state.best_result is None or earned >= state.best:
            state.best_result, state.best_answer = result, answer
        state.best = max(state.best, earned)
        state.last_answer = answer
        state.draft = None
        if self.on_attempt is not None:
            self.on_attempt(
                Attempt(
                    question=state.entry.id,
                    verdict=result.verdict,
                    score=earned,
                    seed=state.variant.seed,
                    notes=result.notes,
                    hints=state.hints_shown,
                    solution_seen=state.solution_seen,
                    self_assessed=bool(result.details.get("self_assessed")),
                    answer=raw_answer(answer, state.question, result),
                    seconds=max(0.0, self.clock() - self._shown),
                    quiz=self.quiz_id,
                    try_number=state.attempts,
                )
            )
        self._changed()
        return result

    def next_hint(self) -> tuple[str, float] | None:
        """Reveal the next hint: its text for this variant and what it costs; None when none is left."""
        state = self.current
        if state.hints_shown >= len(state.hints):
            return None
        hint = state.hints[state.hints_shown]
        state.hints_shown += 1
        self._changed()
        return state.variant.render(hint.text), hint.penalty

    def try_note(self) -> str:
        """What further tries cost, for the status line: empty when they cost nothing."""
        state = self.current
        if state.retry_penalty == 0 or (state.result is not None and state.result.verdict == "correct"):
            return ""  # nothing to say, or nothing more to earn on this variant
        each = f"each further try costs {state.retry_penalty:.0%}"
        if state.tries == 0:
            return each
        worth = 0.0 if state.solution_seen else 1 - state.deduction
        return f"next try earns at most {worth:.0%}, {each}"

    def shown_hints(self) -> list[str]:
        state = self.current
        return [state.variant.render(h.text) for h in state.hints[: state.hints_shown]]

    def solution(self) -> str:
        """The worked solution for this variant; once seen, further answers to it earn nothing."""
        state = self.current
        if not state.variant.solution and not isinstance(state.question, m.FreeQuestion):
            return solution_text(state)  # "no worked solution" reveals nothing, so it costs nothing
        seen = state.solution_seen
        state.solution_seen = True
        if not seen:
            self._changed()
        return solution_text(state)

    def retry(self) -> Variant:
        """A fresh variant of the current question: new numbers, hints and solution hidden again.

        A question whose variants all ask the same thing (a choice question, or one that draws
        no number) keeps what was spent on it: its tries, hints and a seen solution."""
        state = self.current
        state.variant_number += 1
        state.variant = self._variant(state.entry, state.variant_number)
        if variants_differ(state.question):
            state.tries = 0
            state.hints_shown = 0
            state.solution_seen = False
        state.result = None
        state.last_answer = None
        state.draft = None
        state.skipped = False
        self._shown = self.clock()
        self._changed()
        return state.variant

    def skip(self) -> bool:
        self.current.skipped = not self.current.answered
        if self.current.skipped and self.on_give_up is not None:
            self.on_give_up(self.current.entry.id)
        return self.advance()

    def advance(self) -> bool:
        """Go to the next question; False (and the quiz is finished) after the last one."""
        if self.index + 1 < self.total:
            self.index += 1
            self._shown = self.clock()
            self._changed()
            return True
        was_completed, self.completed = self.completed, True
        self.finish()
        self._changed()
        if not was_completed and self.on_complete is not None:
            self.on_complete(self)
        return False

    def keep_draft(self, answer: Any) -> None:
        """Keep `answer`, typed on the current question and not checked (None: nothing typed), to
        be put back when the quiz is resumed; the answer last checked is kept already."""
        state = self.current
        draft = None if answer == state.last_answer else answer
        if draft != state.draft:
            state.draft = draft
            self._changed()

    def finish(self) -> None:
        if self.finished_at is None:
            self.finished_at = self.clock()

    # ------------------------------------------------------------ saved and resumed

    def snapshot(self, ref: str) -> dict[str, Any]:
        """Everything needed to resume this quiz later, as JSON-ready data.

        Keyed by the quiz's `ref`, its question ids and each variant's seed, so that a course that
        changed since is not resumed into nonsense (see `restore`)."""
        return {
            "ref": ref,
            "base_seed": self.base_seed,
            "exact": self.exact,
            "index": self.index,
            "completed": self.completed,
            # time spent so far, so that a resumed quiz counts it (the clock is monotonic: not
            # comparable across processes)
            "elapsed": (self.finished_at if self.finished_at is not None else self.clock()) - self.started,
            "questions": [_state_json(s) for s in self.states],
        }

    @classmethod
    def restore(
        cls,
        entries: Sequence[QuestionEntry],
        data: Any,
        on_attempt: Callable[[Attempt], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[QuizSession], None] | None = None,
    ) -> QuizSession | None:
        """The quiz `snapshot` saved, on `entries`; None when it does not fit them (other question
        ids, other seeds) or is not well formed. Never raises."""
        try:
            return cls._restore(entries, data, on_attempt, clock, on_change)
        except Exception:  # a hand-edited or foreign file: start afresh rather than fail
            return None

    @classmethod
    def _restore(
        cls,
        entries: Sequence[QuestionEntry],
        data: Any,
        on_attempt: Callable[[Attempt], None] | None,
        clock: Callable[[], float],
        on_change: Callable[[QuizSession], None] | None,
    ) -> QuizSession | None:
        if not isinstance(data, dict) or not entries:
            return None
        saved, base_seed, index = data.get("questions"), data.get("base_seed"), data.get("index")
        if not (isinstance(saved, list) and _int(base_seed) and _int(index)):
            return None
        if [q.get("id") if isinstance(q, dict) else None for q in saved] != [e.id for e in entries]:
            return None
        if not 0 <= index < len(entries):
            return None
        exact = data.get("exact") is True
        session = cls(entries, seed=base_seed, on_attempt=on_attempt, clock=clock, exact=exact)
        for state, q in zip(session.states, saved, strict=True):
            number = q.get("variant")
            if not (_int(number) and number >= 0):
                return None
            if number:
                state.variant_number = number
                state.variant = session._variant(state.entry, number)
            if q.get("seed") != state.variant.seed:
                return None  # the variant would not be the one the learner saw
            if not _load_state(state, q):
                return None
        session.index = index
        session.completed = data.get("completed") is True
        elapsed = data.get("elapsed")
        if isinstance(elapsed, int | float) and not isinstance(elapsed, bool) and 0 <= elapsed < 1e7:
            session.started -= elapsed
        session.on_change = on_change
        return session

    def refreshed(self, entries: Sequence[QuestionEntry]) -> QuizSession:
        """This quiz on `entries`, the same quiz read again from an edited course (`--watch`):
        each question still in it is shown as edited, on the same variant, and keeps its
        hints, tries, results and answers; a new question starts afresh; the learner stays on
        the same question (or the one now at its place). Raises ValueError without entries."""
        saved = {q["id"]: q for q in self.snapshot(self.quiz_id or "")["questions"]}
        session = QuizSession(
            entries, seed=self.base_seed, on_attempt=self.on_attempt, clock=self.clock, exact=self.exact
        )
        for i, state in enumerate(session.states):
            q = saved.get(state.entry.id)
            if q is None:
                continue
            number = q.get("variant")
            if _int(number) and number > 0:
                state.variant_number = number
                state.variant = session._variant(state.entry, number)
            if q.get("seed") != state.variant.seed or not _load_state(state, q):
                # not the variant the learner answered (or the hints are gone): afresh
                session.states[i] = QuestionState(state.entry, session._variant(state.entry, 0))
        ids = [s.entry.id for s in session.states]
        here = self.current.entry.id
        session.index = ids.index(here) if here in ids else min(self.index, len(ids) - 1)
        session.started = self.started
        session.completed = self.completed
        session.quiz_id = self.quiz_id
        session.on_give_up = self.on_give_up
        session.on_change = self.on_change
        session._changed()  # kept as it now is, to be resumed
        return session

    # ------------------------------------------------------------ the end

    def summary(self) -> Summary:
        end = self.finished_at if self.finished_at is not None else self.clock()
        rows = tuple(
            SummaryRow(
                s.entry.id,
                question_title(s),
                s.outcome,
                s.best,
                s.attempts,
                shown.notes if (shown := s.best_result or s.result) else (),
                answer=answer_line(
                    s.best_answer if s.best_result else s.last_answer, s.question, s.best_result or s.result
                ),
                feedback=shown.feedback if shown else (),
                solution=solution_text(s),
                prompt=s.variant.prompt,
            )
            for s in self.states
        )
        return Summary(
            score=self.score_so_far() / self.max_score,
            correct=sum(1 for s in self.states if s.best >= 1.0),
            total=self.total,
            seconds=end - self.started,
            rows=rows,
            revisit=tuple(s.entry.id for s in self.states if s.best < 1.0),
        )


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _answer_json(answer: Any) -> Any:
    if isinstance(answer, set):
        return {"picked": sorted(answer)}
    if isinstance(answer, list):
        return {"steps": [str(x) for x in answer]}
    if isinstance(answer, str):
        return {"text": answer}
    return None


def _answer_from_json(data: Any) -> Any:
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("picked"), list) and all(_int(x) for x in data["picked"]):
        return set(data["picked"])
    if isinstance(data.get("steps"), list) and all(isinstance(x, str) for x in data["steps"]):
        return list(data["steps"])
    if isinstance(data.get("text"), str):
        return data["text"]
    return None


def _result_json(result: Result | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "verdict": result.verdict,
        "score": result.score,
        "notes": list(result.notes),
        "feedback": list(result.feedback),
        "read_as": result.read_as,
        "rule": result.rule,
    }


def _state_json(s: QuestionState) -> dict[str, Any]:
    result = _result_json(s.result)
    return {
        "id": s.entry.id,
        "variant": s.variant_number,
        "seed": s.variant.seed,
        "hints": s.hints_shown,
        "solution_seen": s.solution_seen,
        "attempts": s.attempts,
        "tries": s.tries,
        "best": s.best,
        "earned": s.earned,
        "skipped": s.skipped,
        "answer": _answer_json(s.last_answer),
        "result": result,
        "best_answer": _answer_json(s.best_answer),
        "best_result": _result_json(s.best_result),
        "draft": _answer_json(s.draft),
    }


def _score(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def _result_from_json(result: Any) -> Result | None:
    """A saved result; None when there is none. Raises ValueError when it has the wrong shape."""
    if result is None:
        return None
    verdicts = VERDICTS
    if not (isinstance(result, dict) and result.get("verdict") in verdicts and _score(result.get("score"))):
        raise ValueError("not a result")
    notes, feedback = result.get("notes", []), result.get("feedback", [])
    if not (isinstance(notes, list) and isinstance(feedback, list)):
        raise ValueError("not a result")
    if not all(isinstance(x, str) for x in (*notes, *feedback)):
        raise ValueError("not a result")
    if not all(isinstance(result.get(k), str | None) for k in ("read_as", "rule")):
        raise ValueError("not a result")
    return Result(
        result["verdict"],
        float(result["score"]),
        notes=tuple(notes),
        feedback=tuple(feedback),
        read_as=result.get("read_as"),
        rule=result.get("rule"),
    )


def _load_state(state: QuestionState, q: dict[str, Any]) -> bool:
    """Fill `state` from its saved form; False when a field has the wrong shape."""
    hints, attempts, tries = q.get("hints"), q.get("attempts"), q.get("tries")
    if not (_int(hints) and 0 <= hints <= len(state.hints) and _int(attempts) and _int(tries)):
        return False
    if not (_score(q.get("best")) and _score(q.get("earned"))):
        return False
    if not (isinstance(q.get("solution_seen"), bool) and isinstance(q.get("skipped"), bool)):
        return False
    try:
        result, best = _result_from_json(q.get("result")), _result_from_json(q.get("best_result"))
    except ValueError:
        return False
    state.result = result
    # saved before the best try was kept apart: the latest stands for it, as it did then
    state.best_result = best or result
    state.best_answer = _answer_from_json(q.get("best_answer" if best else "answer"))
    state.hints_shown = hints
    state.attempts = max(0, attempts)
    state.tries = max(0, tries)
    state.best = float(q["best"])
    state.earned = float(q["earned"])
    state.solution_seen = q["solution_seen"]
    state.skipped = q["skipped"]
    state.last_answer = _answer_from_json(q.get("answer"))
    state.draft = _answer_from_json(q.get("draft"))
    return True
