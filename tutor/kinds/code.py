"""`code`: a Python function, run in the OS sandbox against the reference on drawn inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from tutor.content.model import Params, QuestionBase, Tolerance
from tutor.kinds import register
from tutor.kinds.base import Case, Kind

if TYPE_CHECKING:
    from tutor.content.variants import Variant
    from tutor.grading.result import Result


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
                if not isinstance(value, list):
                    continue
                rows = [len(row) for row in value if isinstance(row, list)]
                if rows and (len(rows) != len(value) or len(set(rows)) > 1):
                    raise ValueError(f"edge case {k}: `{name}` needs rows of equal length, as a 2-D array")
        return self


def check_code(report: Any, q: CodeQuestion) -> None:
    """The reference and starter parse, define the function, and take the declared `args`."""
    import ast

    for field_name in ("reference", "starter"):
        source = getattr(q, field_name)
        if source is None:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            line = (exc.lineno or 1) - 1
            offset = sum(len(s) + 1 for s in source.split("\n")[:line]) + max((exc.offset or 1) - 1, 0)
            report.at((field_name,), f"{field_name} is not valid Python: {exc.msg}", offset=offset)
            continue
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if q.function not in defined:
            report.at((field_name,), f"{field_name} does not define `def {q.function}(...)`")
            continue
        fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == q.function)
        arg_names = [a.arg for a in fn.args.args]
        if field_name == "reference" and arg_names != list(q.args):
            report.at(
                ("args",),
                f"`args` are {list(q.args)} but `{q.function}` takes {arg_names}: "
                "list them in the same order",
                key=True,
            )
    for i, case in enumerate(q.edge_cases):
        unknown = sorted(set(case) - set(q.args))
        missing = sorted(set(q.args) - set(case))
        if unknown:
            words = "an unknown argument" if len(unknown) == 1 else "unknown arguments"
            report.at(("edge_cases", i), f"edge case names {words} {', '.join(unknown)}")
        elif missing:
            words = "argument" if len(missing) == 1 else "arguments"
            report.at(("edge_cases", i), f"edge case leaves out {words} {', '.join(missing)}")


class Code(Kind[CodeQuestion]):
    name = "code"
    order = 70
    model = CodeQuestion
    label = "code"
    how_to = (
        "Write the function; ctrl+s runs it against the tests. ctrl+a selects all (to replace "
        "the starter); esc leaves the editor, and esc again leaves the quiz."
    )
    plain_input = "lines"
    undecided_advice = (
        "Check that the function finishes quickly on small inputs (no endless loop, no huge "
        "arrays), then ctrl+s again; or go on with ctrl+n."
    )
    selftest_seeds = 1  # a code answer starts a process per grade
    runs_code = True

    def grade(self, variant: Variant, answer: Any) -> Result:
        from tutor.grading.code import grade_code

        return grade_code(self.of(variant.question), answer, variant.seed)

    def plain_lines(self, variant: Variant) -> list[str]:
        q = self.of(variant.question)
        return [f'Write the Python function {q.function}, then a line with only ".".']

    def extra_names(self, question: CodeQuestion) -> Sequence[str]:
        return list(question.args)

    def check_static(self, question: CodeQuestion, report: Any) -> None:
        check_code(report, question)

    def lint(self, question: CodeQuestion, out: Any) -> None:
        from tutor.content.checks import _texts
        from tutor.content.lint import MIN_TRIALS
        from tutor.content.variants import PLACEHOLDER
        from tutor.kinds._common import lint_rel

        if question.trials < MIN_TRIALS:
            out.warn(
                ("trials",),
                f"`trials: {question.trials}`: a wrong function can pass {question.trials} random "
                f"test{'s' if question.trials > 1 else ''} by luck (use {MIN_TRIALS * 2} or more; "
                "the default is 20)",
            )
        lint_rel(question.tolerance, out)
        for path, text in _texts(question):
            for match in PLACEHOLDER.finditer(text):
                name = match.group(1)
                if name in question.args and name not in question.params:
                    out.error(
                        path,
                        f"`{{{{{name}}}}}`: `{name}` is an argument, drawn afresh for each test, so the "
                        "text shows a value no test uses (describe it in words, or make it a parameter)",
                        offset=match.start(),
                    )

    def key_problems(self, variant: Variant) -> list[tuple[Any, str]]:
        from tutor.grading.code import reference_not_a_number

        problem = reference_not_a_number(self.of(variant.question), variant.seed)
        return [] if problem is None else [(("reference",), problem)]

    def reference_answer(self, variant: Variant) -> str | None:
        return self.of(variant.question).reference

    def selftest_cases(self, variant: Variant) -> list[Case]:
        q = self.of(variant.question)
        if q.reference is None or q.tests:
            return []
        return [Case(("reference",), q.reference, "correct")]  # without tests, nothing else runs it


register(Code())
