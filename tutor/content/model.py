"""The course format: pydantic models of question banks and lessons.

This is the contract instructors write against; AUTHORING.md documents every field, and
`tutor schema` prints the JSON Schema generated from these classes. Expressions are kept as
text here; `tutor.content.checks` parses them and `tutor.content.variants` evaluates them.
"""

from __future__ import annotations

import importlib
import math
import re
import threading
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from tutor.content.verdicts import Verdict


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
        domain: Any = self.domain
        bounds = domain.get("interval") if isinstance(domain, dict) else domain
        if isinstance(bounds, tuple) and not bounds[0] < bounds[1]:
            raise ValueError(f"domain: the interval [{bounds[0]:g}, {bounds[1]:g}] needs low < high")
        if isinstance(bounds, tuple):
            _drawable_range("domain: interval", float(bounds[0]), float(bounds[1]))
        if isinstance(domain, dict) and "set" in domain and not domain["set"]:
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
    if TYPE_CHECKING:
        type: str  # each kind's model declares its own `Literal`

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


class BankHeader(Strict):
    bank: Slug = Field(description="Unique id of the bank in the course.")
    title: str
    lesson: Slug | None = Field(None, description="The lesson this bank belongs to.")
    description: Markdown | None = None
    retry_penalty: RetryPenalty = None


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


# ---------------------------------------------------------------- the question kinds
#
# Each question type is a kind in `tutor.kinds` (its model, reading, grading, checks and
# preview in one module). The content layer never imports a kind by name: the kinds are found
# at first use, like plugins, and the `Question` union, `QUESTION_TYPES` and `Bank` are built
# from whatever registered. Type checkers see the base class.

if TYPE_CHECKING:
    Question = QuestionBase
    QUESTION_TYPES: tuple[str, ...]

    class Bank(BankHeader):
        """A question bank: one YAML file under questions/."""

        questions: list[QuestionBase]


def __getattr__(name: str) -> Any:
    # the union, the bank and each kind's model (as `m.NumericQuestion`), built on first use
    if name.startswith("_"):  # importlib asks for __path__ and the like
        raise AttributeError(name)
    built = _built()
    if name in built:
        return built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_BUILT: dict[str, Any] = {}


def kinds() -> dict[str, Any]:
    """The registered question kinds by `type` name: every module of `tutor.kinds`, or an error
    (a kind module that registers nothing must fail loudly, not drop its questions)."""
    if not _KINDS:
        _KINDS.update(importlib.import_module("tutor.kinds").discover())
    return _KINDS


_KINDS: dict[str, Any] = {}


_BUILD_LOCK = threading.Lock()


def _built() -> dict[str, Any]:
    with _BUILD_LOCK:
        if not _BUILT:
            _build()
        return _BUILT


def _build() -> None:
    registry = kinds()
    types = tuple(registry)

    def tag(value: Any) -> str | None:
        kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return kind if kind in types else None

    members: Any = tuple(Annotated[k.model, Tag(name)] for name, k in registry.items())
    question: Any = Annotated[
        Union[members],  # noqa: UP007 (a union built from a tuple)
        Discriminator(
            tag,
            custom_error_type="question_type",
            custom_error_message="`type` must be one of " + ", ".join(types),
        ),
    ]

    class Bank(BankHeader):
        """A question bank: one YAML file under questions/."""

        questions: list[question] = Field(min_length=1)

    Bank.__module__ = __name__
    Bank.__qualname__ = "Bank"
    out = {"Question": question, "QUESTION_TYPES": types, "Bank": Bank}
    out.update((k.model.__name__, k.model) for k in registry.values())
    _BUILT.update(out)
