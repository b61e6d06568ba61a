"""The course format: pydantic models of question banks and lessons.

This is the contract instructors write against; AUTHORING.md documents every field, and
`tutor schema` prints the JSON Schema generated from these classes. Expressions are kept as
text here; `tutor.content.checks` parses them and `tutor.content.variants` evaluates them.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

Verdict = Literal["correct", "partial", "incorrect", "invalid", "undecided"]
QUESTION_TYPES = ("numeric", "expression", "derivation", "vector", "choice", "text", "code", "free")


def _number_to_text(value: Any) -> Any:
    # Authors write `answer: 0.5` as often as `answer: "1/2"`; both are expressions.
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return value


Expr = Annotated[
    str,
    BeforeValidator(_number_to_text, json_schema_input_type=str | float | int),
    Field(description="A math expression over the question's parameters and variables."),
]
Slug = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Lower-case id: letters, digits, - and _."),
]
Markdown = Annotated[str, Field(description="Markdown; {{name}} inserts a parameter's value.")]


class Strict(BaseModel):
    # Every number in a course is finite: `1e999` or `.inf` reaching NumPy raises OverflowError.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


# ---------------------------------------------------------------- parameters (random draws)


# NumPy draws from [low, high] only when high - low is a finite float (and, for integers,
# the bounds fit in 64 bits); beyond, it raises OverflowError or ValueError mid-quiz.
_INT64 = 2**63 - 1


def _drawable_range(kind: str, low: float, high: float) -> None:
    if isinstance(low, int) and isinstance(high, int):
        if not -_INT64 <= low <= high < _INT64:
            raise ValueError(f"{kind}: [low, high] must lie within ±9.2e18")
    elif not math.isfinite(float(high) - float(low)):
        raise ValueError(f"{kind}: [low, high] spans more than the largest number (about 1.8e308)")


class Uniform(Strict):
    """A real number drawn uniformly from [low, high], optionally rounded."""

    uniform: tuple[float, float]
    round: int | None = Field(None, ge=0, le=12, description="Decimal places to round to.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.uniform[0] < self.uniform[1]:
            raise ValueError("uniform: [low, high] needs low < high")
        _drawable_range("uniform", *self.uniform)
        return self


class Integers(Strict):
    """An integer drawn uniformly from low..high inclusive."""

    integers: tuple[int, int]

    @model_validator(mode="after")
    def _ordered(self) -> Integers:
        if not self.integers[0] <= self.integers[1]:
            raise ValueError("integers: [low, high] needs low <= high")
        _drawable_range("integers", *self.integers)
        return self


class Choice(Strict):
    """One value picked from a list."""

    choice: list[float | int | str] = Field(min_length=1)


class ArraySpec(Strict):
    uniform: tuple[float, float] | None = None
    integers: tuple[int, int] | None = None
    size: int = Field(ge=1, le=10_000)
    round: int | None = Field(None, ge=0, le=12)

    @model_validator(mode="after")
    def _one_source(self) -> ArraySpec:
        if (self.uniform is None) == (self.integers is None):
            raise ValueError("array: give exactly one of `uniform: [low, high]` or `integers: [low, high]`")
        if self.uniform is not None and not self.uniform[0] < self.uniform[1]:
            raise ValueError("array: uniform: [low, high] needs low < high")
        if self.integers is not None and not self.integers[0] <= self.integers[1]:
            raise ValueError("array: integers: [low, high] needs low <= high")
        if self.uniform is not None:
            _drawable_range("array: uniform", *self.uniform)
        if self.integers is not None:
            _drawable_range("array: integers", *self.integers)
        return self


class ArrayDraw(Strict):
    """A vector of `size` independent draws."""

    array: ArraySpec


class Computed(Strict):
    """A value computed from earlier parameters."""

    expr: Expr
    round: int | None = Field(None, ge=0, le=12)


class Fixed(Strict):
    """A constant, for a value every variant shares."""

    value: float | int | str | list[float | int]


_DRAW_KEYS = ("uniform", "integers", "choice", "array", "expr", "value")


def _draw_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in _DRAW_KEYS:
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return next(k for k in _DRAW_KEYS if hasattr(value, k))
    return None


Param = Annotated[
    Annotated[Uniform, Tag("uniform")]
    | Annotated[Integers, Tag("integers")]
    | Annotated[Choice, Tag("choice")]
    | Annotated[ArrayDraw, Tag("array")]
    | Annotated[Computed, Tag("expr")]
    | Annotated[Fixed, Tag("value")],
    Discriminator(
        _draw_tag,
        custom_error_type="param_kind",
        custom_error_message="a parameter is one of {uniform: [a, b]}, {integers: [a, b]}, "
        "{choice: [...]}, {array: {...}}, {expr: ...} or {value: ...}",
    ),
]


def _bare_value_to_fixed(value: Any) -> Any:
    # `n: 4` is the natural way to write a constant parameter.
    if isinstance(value, int | float | str | list) and not isinstance(value, bool):
        return {"value": value}
    return value


Params = dict[
    Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")],
    Annotated[
        Param,
        BeforeValidator(_bare_value_to_fixed, json_schema_input_type=Param | float | int | str | list[float]),
    ],
]

# ---------------------------------------------------------------- grading pieces


class Tolerance(Strict):
    """How close a numeric answer must be. Default: relative 1e-2, absolute 1e-8 near zero."""

    rel: float | None = Field(None, gt=0, lt=1)
    abs: float | None = Field(None, gt=0)
    sigfigs: int | None = Field(None, ge=1, le=15)

    @model_validator(mode="after")
    def _consistent(self) -> Tolerance:
        if self.sigfigs is not None and (self.rel is not None or self.abs is not None):
            raise ValueError("tolerance: `sigfigs` cannot be combined with `rel` or `abs`")
        if self.rel is None and self.abs is None and self.sigfigs is None:
            raise ValueError("tolerance: give `rel`, `abs` or `sigfigs`")
        return self


class Mistake(Strict):
    """An anticipated wrong answer: matched by equivalence, it gives its own feedback."""

    answer: Expr
    feedback: Markdown
    note: Slug = Field(description="Stable tag for statistics, such as `sign` or `log-base`.")
    score: float = Field(0.0, ge=0, le=1, description="Partial credit for this answer.")
    partial: Literal["ok"] | None = Field(
        None,
        description="`ok`: this mistake may equal the answer on some variants (then the answer "
        "wins); `tutor check` stops warning about those variants.",
    )


class SelfTest(Strict):
    """An answer-key self-test, run by `tutor check` on every checked seed."""

    answer: Annotated[str, BeforeValidator(_number_to_text, json_schema_input_type=str | float | int)]
    expect: Verdict
    note: Slug | None = Field(None, description="The mistake or diagnosis note the answer must get.")
    score: float | None = Field(None, ge=0, le=1)


class Hint(Strict):
    text: Markdown
    penalty: float = Field(0.0, ge=0, le=1, description="Score lost by revealing this hint.")


def _hint_from_text(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


HintItem = Annotated[Hint, BeforeValidator(_hint_from_text, json_schema_input_type=str | Hint)]

Domain = Annotated[
    Literal["real", "positive", "negative", "nonnegative", "integer"]
    | tuple[float, float]
    | dict[Literal["set"], list[float]]
    | dict[Literal["interval"], tuple[float, float]],
    Field(
        description="`real`, `positive`, `negative`, `nonnegative`, `integer`, an interval "
        "`[low, high]`, or a finite set `{set: [0, 1]}`."
    ),
]


class Variable(Strict):
    """A symbol the learner may use, with the domain equivalence is checked on."""

    domain: Domain = "real"
    description: str | None = None

    @model_validator(mode="after")
    def _interval_ordered(self) -> Variable:
        bounds = self.domain.get("interval") if isinstance(self.domain, dict) else self.domain
        if isinstance(bounds, tuple) and not bounds[0] < bounds[1]:
            raise ValueError(f"domain: the interval [{bounds[0]:g}, {bounds[1]:g}] needs low < high")
        if isinstance(bounds, tuple):
            _drawable_range("domain: interval", float(bounds[0]), float(bounds[1]))
        if isinstance(self.domain, dict) and "set" in self.domain and not self.domain["set"]:
            raise ValueError("domain: the set is empty")
        return self


# ---------------------------------------------------------------- questions


RetryPenalty = Annotated[
    float | None,
    Field(
        ge=0,
        le=1,
        description="What each further graded try on the same variant costs, as a share of the "
        "question's score. Default: the bank's, else 1/(options - 1) for a choice question, else 0.",
    ),
]


class QuestionBase(Strict):
    id: Slug = Field(description="Unique across the course.")
    prompt: Markdown
    params: Params = Field(default_factory=dict)
    hints: list[HintItem] = Field(default_factory=list)
    solution: Markdown | None = None
    values: dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], Expr] = Field(
        default_factory=dict,
        description="Numbers computed for each variant after its answer, in order, for the solution, "
        "hints and feedback ({{name:.3f}}): each may use the parameters, `answer` (numeric and "
        "vector questions) and the values above it. Grading and learners never see them.",
    )
    tags: list[Slug] = Field(default_factory=list)
    tests: list[SelfTest] = Field(default_factory=list)
    weight: float = Field(1.0, gt=0, description="Relative weight in a quiz score.")
    retry_penalty: RetryPenalty = None


class ForbidMixin(Strict):
    forbid: list[str] = Field(
        default_factory=list,
        description="Names the answer may not use, such as a builtin that would give the answer away.",
    )


class SymbolicMixin(ForbidMixin):
    variables: dict[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")], Variable] = Field(
        default_factory=dict
    )
    functions: dict[str, Expr] = Field(
        default_factory=dict,
        description="Functions the learner may call, `name: body over x` or `name(a, b): body`.",
    )
    require: list[str] = Field(default_factory=list, description="Names the answer must use.")
    form: Literal["simplified", "expanded", "factored", "no-derivative"] | None = None
    form_score: float = Field(
        0.0, ge=0, le=1, description="Credit for an equivalent answer in the wrong form."
    )


class NumericQuestion(QuestionBase, ForbidMixin):
    type: Literal["numeric"]
    answer: Expr
    tolerance: Tolerance | None = None
    mistakes: list[Mistake] = Field(default_factory=list)


class ExpressionQuestion(QuestionBase, SymbolicMixin):
    type: Literal["expression"]
    answer: Expr
    mistakes: list[Mistake] = Field(default_factory=list)


class Step(Strict):
    prompt: Markdown
    answer: Expr
    follows: Expr | None = Field(
        None,
        description="This step's answer in terms of earlier steps (step1, step2, …), so that a "
        "step that is right given the learner's own wrong earlier step earns partial credit.",
    )
    hints: list[HintItem] = Field(default_factory=list)
    mistakes: list[Mistake] = Field(default_factory=list)


class DerivationQuestion(QuestionBase, SymbolicMixin):
    """Either graded `steps`, or a free `chain` of equalities from `start` to `answer`."""

    type: Literal["derivation"]
    mode: Literal["steps", "chain"]
    steps: list[Step] = Field(default_factory=list)
    start: Expr | None = Field(None, description="Chain mode: the expression the first line must equal.")
    answer: Expr | None = Field(None, description="Chain mode: the expression the last line must equal.")

    @model_validator(mode="after")
    def _mode_fields(self) -> DerivationQuestion:
        if self.mode == "steps":
            if not self.steps:
                raise ValueError("mode: steps needs a non-empty `steps` list")
            if self.start is not None or self.answer is not None:
                raise ValueError("mode: steps takes `steps`, not `start`/`answer`")
        else:
            if self.start is None or self.answer is None:
                raise ValueError("mode: chain needs both `start` and `answer`")
            if self.steps:
                raise ValueError("mode: chain takes `start` and `answer`, not `steps`")
        return self


class VectorQuestion(QuestionBase, ForbidMixin):
    type: Literal["vector"]
    answer: Expr = Field(description="An expression giving a vector, e.g. softmax(z) or [a, b].")
    tolerance: Tolerance | None = None
    sums_to: float | None = None
    nonnegative: bool = False
    mistakes: list[Mistake] = Field(default_factory=list)


class Option(Strict):
    text: Markdown
    correct: bool = False
    feedback: Markdown | None = None


class ChoiceQuestion(QuestionBase):
    type: Literal["choice"]
    options: list[Option] = Field(min_length=2)
    multiple: bool = False
    shuffle: bool = True
    scoring: Literal["net", "all-or-nothing"] = "net"

    @model_validator(mode="after")
    def _has_correct(self) -> ChoiceQuestion:
        n = sum(o.correct for o in self.options)
        if n == 0:
            raise ValueError("no option is marked `correct: true`")
        if not self.multiple and n > 1:
            raise ValueError(f"{n} options are correct: set `multiple: true` or mark only one")
        return self


class TextMistake(Strict):
    answer: str
    feedback: Markdown
    note: Slug
    score: float = Field(0.0, ge=0, le=1)


class TextQuestion(QuestionBase):
    type: Literal["text"]
    accept: list[
        Annotated[str, BeforeValidator(_number_to_text, json_schema_input_type=str | float | int)]
    ] = Field(default_factory=list)
    regex: str | None = Field(None, description="A Python regular expression the whole answer must match.")
    case_sensitive: bool = False
    mistakes: list[TextMistake] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_accept(self) -> TextQuestion:
        if not self.accept and self.regex is None:
            raise ValueError("give `accept: [...]` or `regex:`")
        return self


class CodeQuestion(QuestionBase):
    type: Literal["code"]
    function: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = Field(
        description="Name of the function the learner writes."
    )
    reference: str = Field(description="Python source of a correct function with that name.")
    starter: str | None = Field(None, description="Code the editor starts with.")
    args: Params = Field(description="How each argument is drawn for random tests.")
    edge_cases: list[dict[str, float | int | list[float | int] | list[list[float | int]]]] = Field(
        default_factory=list,
        description="Inputs always tried: a number, a list (1-D array) or a list of equal rows (2-D array).",
    )
    trials: int = Field(20, ge=1, le=1000)
    tolerance: Tolerance | None = None

    @model_validator(mode="after")
    def _rows_of_equal_length(self) -> CodeQuestion:
        for k, case in enumerate(self.edge_cases, start=1):
            for name, value in case.items():
                rows = [len(row) for row in value if isinstance(row, list)] if isinstance(value, list) else []
                if rows and (len(rows) != len(value) or len(set(rows)) > 1):
                    raise ValueError(f"edge case {k}: `{name}` needs rows of equal length, as a 2-D array")
        return self


class RubricItem(Strict):
    text: str
    points: float = Field(1.0, gt=0)


def _rubric_from_text(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class FreeQuestion(QuestionBase):
    type: Literal["free"]
    model_answer: Markdown
    rubric: list[
        Annotated[RubricItem, BeforeValidator(_rubric_from_text, json_schema_input_type=str | RubricItem)]
    ] = Field(min_length=1)


def _question_tag(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in QUESTION_TYPES else None


Question = Annotated[
    Annotated[NumericQuestion, Tag("numeric")]
    | Annotated[ExpressionQuestion, Tag("expression")]
    | Annotated[DerivationQuestion, Tag("derivation")]
    | Annotated[VectorQuestion, Tag("vector")]
    | Annotated[ChoiceQuestion, Tag("choice")]
    | Annotated[TextQuestion, Tag("text")]
    | Annotated[CodeQuestion, Tag("code")]
    | Annotated[FreeQuestion, Tag("free")],
    Discriminator(
        _question_tag,
        custom_error_type="question_type",
        custom_error_message="`type` must be one of " + ", ".join(QUESTION_TYPES),
    ),
]


class BankHeader(Strict):
    bank: Slug = Field(description="Unique id of the bank in the course.")
    title: str
    lesson: Slug | None = Field(None, description="The lesson this bank belongs to.")
    description: Markdown | None = None
    retry_penalty: RetryPenalty = None


class Bank(BankHeader):
    """A question bank: one YAML file under questions/."""

    questions: list[Question] = Field(min_length=1)


# ---------------------------------------------------------------- lessons


class Curve(Strict):
    y: Expr = Field(description="Expression in the plot's x variable (and its controls).")
    label: str


class Control(Strict):
    """A value the learner can change while looking at the plot."""

    min: float
    max: float
    value: float
    step: float = Field(gt=0)


class Plot(Strict):
    title: str | None = None
    x: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")] = "x"
    range: tuple[float, float]
    curves: list[Curve] = Field(min_length=1)
    y_range: tuple[float, float] | None = None
    controls: dict[str, Control] = Field(default_factory=dict)
    functions: dict[str, Expr] = Field(default_factory=dict)


def _formula_shorthand(value: Any) -> Any:
    # `"L(y, p) = expr"`: the left side is shown as written; its arguments are the variables.
    if isinstance(value, str):
        show, sep, expr = value.partition("=")
        if not sep:
            return {"show": "", "expr": value.strip()}
        show = show.strip()
        args = re.fullmatch(r"[^()]*\(([^()]*)\)", show)
        names = [a.strip() for a in args.group(1).split(",") if a.strip()] if args else []
        return {"show": show, "expr": expr.strip(), "variables": names}
    return value


class Formula(Strict):
    """A formula shown pretty-printed: `show = expr`."""

    show: str = Field("", description="The left-hand side as displayed, e.g. L(y, p) or ∂L/∂z.")
    expr: Expr
    variables: list[str] = Field(default_factory=list, description="Names the expression uses.")


FormulaItem = Annotated[
    Formula,
    BeforeValidator(_formula_shorthand, json_schema_input_type=str | dict[str, Any]),
]


class Section(Strict):
    title: str
    body: Markdown = ""
    formulas: list[FormulaItem] = Field(
        default_factory=list,
        description='Formulas shown pretty-printed, e.g. "L(y, p) = -(y*log(p) + (1-y)*log(1-p))".',
    )
    plot: Plot | None = None


class Lesson(Strict):
    """A lesson: one YAML file under lessons/."""

    id: Slug
    title: str
    summary: str
    order: int | None = Field(None, description="Position in the course map; defaults to file order.")
    prerequisites: list[Slug] = Field(default_factory=list)
    values: dict[str, Expr] = Field(
        default_factory=dict,
        description="Numbers computed by the course, in order; bodies show them as {{name:.3f}}.",
    )
    sections: list[Section] = Field(min_length=1)
    quiz: list[Slug] = Field(default_factory=list, description="Question ids or bank ids.")
