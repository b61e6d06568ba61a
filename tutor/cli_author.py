"""The instructor's commands: `tutor preview` (a question as the learner sees it, then what only
the author sees) and `tutor new` (a template that passes `tutor check` as written).

Registered on the `tutor` group by `register`; heavy modules are imported inside the commands.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from tutor.cli_answers import echo


def authoring_root(ctx: click.Context, course: Path | None) -> Path:
    """The course the command works on: the one rule of every command (`pick_course`)."""
    from tutor.content.courseroot import pick_course

    return pick_course(course, (ctx.obj or {}).get("course"))


_course_option = click.option(
    "--course",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course folder. Default: the course folder you are in, else the built-in course.",
)


# ---------------------------------------------------------------- tutor preview


@click.command("preview", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("question_id")
@click.option("--seed", default=0, show_default=True, type=int, help="Which variant (as in `tutor grade`).")
@click.option(
    "--variants",
    "count",
    type=click.IntRange(1, 1000),
    default=None,
    help="List this many variants compactly (seeds from --seed on) and flag identical ones.",
)
@_course_option
@click.pass_context
def preview_command(
    ctx: click.Context, question_id: str, seed: int, count: int | None, course: Path | None
) -> None:
    """Show QUESTION_ID as a learner sees it for one variant, then what only the author sees:
    the drawn parameters, the computed answer, each mistake's value, hints with penalties, the
    solution and the outcome of the answer key's tests."""
    from tutor.content.loader import load_course
    from tutor.content.variants import VariantError, instantiate

    loaded = load_course(authoring_root(ctx, course))
    entry = loaded.questions.get(question_id)
    if entry is None:
        import difflib

        close = difflib.get_close_matches(question_id, list(loaded.questions), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        broken = "" if loaded.ok else "; some files did not load: run `tutor check`"
        raise click.UsageError(f"no question `{question_id}` in the course{hint}{broken}")
    if count is not None:
        ctx.exit(_list_variants(entry, seed, count))
    try:
        variant = instantiate(entry.question, seed)
    except (VariantError, ValueError) as exc:
        echo(f"{entry.id} (seed {seed}) cannot be drawn: {exc}", err=True)
        ctx.exit(1)
    ctx.exit(_show(entry, variant))


def _rule(title: str) -> str:
    return f"── {title} " + "─" * max(4, 60 - len(title))


def _show(entry: Any, variant: Any) -> int:
    from tutor.content import model as m
    from tutor.content.variants import format_value

    q = entry.question
    at = entry.pos("id")
    echo(f"{q.id} ({q.type}), seed {variant.seed}  [{_relative(entry.source.path)}:{at.line}]")
    echo(_rule("the learner sees"))
    echo(variant.prompt.strip())
    lines = m.kinds()[q.type].plain_lines(variant)  # options, items, how to answer: as plain mode shows
    if lines:
        echo()
        echo("\n".join(lines))
    if isinstance(q, m.DerivationQuestion) and q.mode == "steps":
        for i, step in enumerate(q.steps, start=1):
            echo(f"  step {i}: {variant.render(step.prompt).strip()}")
    echo(_rule("only the author sees"))
    if variant.values:
        shown = ", ".join(f"{k} = {format_value(v)}" for k, v in variant.values.items())
        echo(f"parameters: {shown}")
    echo(f"answer: {_answer(q, variant)}")
    if variant.shown:
        echo("values: " + ", ".join(f"{k} = {format_value(v)}" for k, v in variant.shown.items()))
    for label, mistakes in _mistake_groups(q):
        for mk in mistakes:
            value = mk.answer if isinstance(q, m.TextQuestion) else _value_of(variant, mk.answer)
            score = f", score {mk.score:g}" if mk.score else ""
            echo(f"mistake{label} [{mk.note}{score}]: {value}")
            echo(f"    {variant.render(mk.feedback).strip()}")
    if isinstance(q, m.ChoiceQuestion):
        for i, option in enumerate(q.options):
            if option.feedback:
                mark = "correct" if option.correct else "wrong"
                echo(f"option {i + 1} ({mark}) feedback: {variant.render(option.feedback).strip()}")
    hints = [("", h) for h in q.hints]
    hints += [(f" (step {i})", h) for i, s in enumerate(getattr(q, "steps", []), 1) for h in s.hints]
    for k, (where, hint) in enumerate(hints, start=1):
        cost = f"costs {hint.penalty:g}" if hint.penalty else "free"
        echo(f"hint {k}{where} ({cost}): {variant.render(hint.text).strip()}")
    echo(_rule("solution"))
    echo(variant.solution.strip() or "(none: `tutor check` warns about this)")
    failed = _tests(q, variant)
    return _problems(entry) or failed


def _problems(entry: Any) -> int:
    """What `tutor check` finds in this question without drawing or grading; 1 if any error."""
    from tutor.content.checks import check_question
    from tutor.content.lint import lint_question

    found = [*check_question(entry), *lint_question(entry)]
    if not found:
        return 0
    echo(_rule("problems (`tutor check` has them all)"))
    for d in found:
        echo(str(d))
    return 1 if any(d.severity == "error" for d in found) else 0


def _relative(path: Path) -> str:
    import os

    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def _mistake_groups(q: Any) -> list[tuple[str, list[Any]]]:
    groups = [("", list(getattr(q, "mistakes", [])))]
    groups += [(f" (step {i})", s.mistakes) for i, s in enumerate(getattr(q, "steps", []), 1)]
    return groups


def _answer(q: Any, variant: Any) -> str:
    from tutor.content import model as m
    from tutor.content.variants import format_value

    if variant.answer is not None:
        source = getattr(q, "answer", None)
        return format_value(variant.answer) + (f"   (= {source})" if isinstance(source, str) else "")
    if isinstance(q, m.ExpressionQuestion):
        return variant.answer_text or q.answer
    if isinstance(q, m.DerivationQuestion):
        if q.mode == "chain":
            return f"{variant.pretty(q.start)} = … = {variant.pretty(q.answer)}"
        return "; ".join(f"step {i}: {variant.pretty(s.answer)}" for i, s in enumerate(q.steps, 1))
    if isinstance(q, m.ChoiceQuestion):
        from tutor.grading.grader import LETTERS

        order = variant.order if variant.order is not None else list(range(len(q.options)))
        right = [LETTERS[k] for k, i in enumerate(order) if q.options[i].correct]
        return ", ".join(right) + "   (letters as shown above)"
    if isinstance(q, m.TextQuestion):
        parts = [repr(a) for a in q.accept] + ([f"regex {q.regex!r}"] if q.regex else [])
        return " or ".join(parts)
    if isinstance(q, m.CodeQuestion):
        return "the reference:\n" + "\n".join("    " + line for line in q.reference.rstrip().splitlines())
    if isinstance(q, m.FreeQuestion):
        rubric = "\n".join(f"    - {r.text} ({r.points:g})" for r in q.rubric)
        return variant.render(q.model_answer).strip() + "\n  rubric:\n" + rubric
    shown = variant.render("{{answer}}")  # a kind that writes its answer its own way (ordering, …)
    return shown if shown != "{{answer}}" else "(none)"


def _value_of(variant: Any, text: str) -> str:
    from tutor.content import model as m
    from tutor.content.variants import evaluate_in, format_value

    if (shown := m.kinds()[variant.question.type].shown_value(variant, text)) is not None:
        return shown
    if variant.answer is None:
        return variant.pretty(text)
    try:
        return f"{format_value(evaluate_in(variant.values, text, variant.scope))}   (= {text})"
    except ValueError as exc:
        return f"cannot be computed: {exc}"


def _tests(q: Any, variant: Any) -> int:
    """Grade the answer key's tests on this variant; 1 when one fails."""
    if not q.tests:
        return 0
    from tutor.grading.grader import grade
    from tutor.grading.selftest import fill_test_answer

    echo(_rule("tests"))
    failed = 0
    for i, test in enumerate(q.tests, start=1):
        answer = fill_test_answer(test.answer, variant)
        result = grade(variant, answer)
        ok = result.verdict == test.expect and (test.note is None or test.note in result.notes)
        ok = ok and (test.score is None or abs(result.score - test.score) < 1e-9)
        failed += not ok
        notes = f" ({', '.join(result.notes)})" if result.notes else ""
        shown = answer if len(answer) <= 40 and "\n" not in answer else answer.split("\n")[0][:37] + "..."
        status = "ok  " if ok else "FAIL"
        echo(f"{status} test {i}: {shown!r} -> {result.verdict}{notes}; expected {test.expect}")
    return 1 if failed else 0


def _list_variants(entry: Any, first: int, count: int) -> int:
    from tutor.content.variants import VariantError, format_value, instantiate

    seen: dict[tuple[str, ...], int] = {}
    problems = 0
    for seed in range(first, first + count):
        try:
            v = instantiate(entry.question, seed)
        except (VariantError, ValueError) as exc:
            echo(f"seed {seed}: cannot be drawn: {exc}")
            problems += 1
            continue
        params = tuple(f"{k}={format_value(x)}" for k, x in v.values.items())
        answer = format_value(v.answer) if v.answer is not None else (v.answer_text or "")
        line = f"seed {seed}: {' '.join(params) or '(no parameters)'}"
        line += f"  -> {answer}" if answer else ""
        key = (*params, answer)
        if key in seen:
            line += f"   [same as seed {seen[key]}]"
        else:
            seen[key] = seed
        echo(line)
    from tutor.content.words import plural

    echo(f"{plural(len(seen), 'distinct variant')} in {count}")
    return 1 if problems else 0


# ---------------------------------------------------------------- tutor new


@click.group("new", context_settings={"help_option_names": ["-h", "--help"]})
def new_group() -> None:
    """Start a question bank or a lesson from a commented template that passes `tutor check`."""


def _write(text: str, output: Path | None, course_dir: str, name: str, ctx: click.Context) -> None:
    if output is None:
        echo(text, nl=False)
        return
    if output.is_dir():
        folder = output / course_dir if (output / course_dir).is_dir() else output
        output = folder / f"{name}.yaml"
    if output.exists():
        raise click.UsageError(f"{output} already exists; not overwriting it")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot write {output}: {exc.strerror}") from None
    echo(f"wrote {output}; now run `tutor check {output}`", err=True)


def _kinds() -> list[str]:
    from tutor.content.templates import TEMPLATE_KINDS

    return list(TEMPLATE_KINDS)


@new_group.command("question")
@click.option("--type", "kind", required=True, type=click.Choice(_kinds()), help="The question's kind.")
@click.option("--id", "qid", default=None, help="The question's id (default: my-KIND).")
@click.option("--bank", "bank_id", default=None, help="The bank's id (default: the question id + -bank).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the bank here (a file, or a course folder: into its questions/). Default: print it.",
)
@click.pass_context
def new_question(
    ctx: click.Context, kind: str, qid: str | None, bank_id: str | None, output: Path | None
) -> None:
    """A question bank holding one commented question of type KIND. To add the question to a
    bank you have, copy the item under `questions:`."""
    from tutor.content.templates import question_bank

    qid = qid or f"my-{kind}"
    _check_slug(qid, "--id")
    bank_id = bank_id or f"{qid}-bank"
    _check_slug(bank_id, "--bank")
    _write(question_bank(kind, qid, bank_id), output, "questions", bank_id, ctx)


@new_group.command("lesson")
@click.option("--id", "lesson_id", default="my-lesson", show_default=True, help="The lesson's id.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the lesson here (a file, or a course folder: into its lessons/). Default: print it.",
)
@click.pass_context
def new_lesson(ctx: click.Context, lesson_id: str, output: Path | None) -> None:
    """A lesson with a section, a formula, a plot and a computed value."""
    from tutor.content.templates import lesson

    _check_slug(lesson_id, "--id")
    _write(lesson(lesson_id), output, "lessons", lesson_id, ctx)


@new_group.command("course")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--id", "course_id", default=None, help="The course's id (default: the folder's name).")
@click.option("--title", default=None, help="The course's title, shown in the app's header.")
def new_course(folder: Path, course_id: str | None, title: str | None) -> None:
    """A new course in FOLDER: course.yaml, a lesson and a bank of one question, ready for
    `tutor check` and `tutor --course FOLDER`."""
    from tutor.content.coursefile import COURSE_FILE, template
    from tutor.content.templates import lesson, question_bank

    course_id = course_id or re.sub(r"[^a-z0-9_-]+", "-", folder.resolve().name.lower()).strip("-_")
    _check_slug(course_id, "--id")
    if (folder / COURSE_FILE).exists() or (folder / "lessons").exists() or (folder / "questions").exists():
        raise click.UsageError(f"{folder} already holds a course; not overwriting it")
    try:
        (folder / "lessons").mkdir(parents=True)
        (folder / "questions").mkdir()
        (folder / COURSE_FILE).write_text(template(course_id, title or course_id), encoding="utf-8")
        (folder / "lessons" / "my-lesson.yaml").write_text(lesson("my-lesson"), encoding="utf-8")
        bank = question_bank("numeric", "my-numeric", "my-bank").replace(
            "# lesson: my-lesson ", "lesson: my-lesson   "
        )
        (folder / "questions" / "my-bank.yaml").write_text(bank, encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot write the course in {folder}: {exc.strerror}") from None
    echo(f"wrote a course in {folder}; next: cd {folder} && tutor check", err=True)


def _check_slug(value: str, option: str) -> None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        raise click.BadParameter("use lower-case letters, digits, - and _", param_hint=option)


# ---------------------------------------------------------------- --watch


def watch_check(ctx: click.Context, roots: list[Path], changes: Iterable[Any] | None = None) -> None:
    """`tutor check --watch`: check, then check again after each burst of changes to the course
    files under `roots`, until ctrl+c (or until `changes`, given by tests, runs out)."""
    import time

    from tutor.content.watch import course_changes

    if changes is None:
        changes = course_changes(sorted(set(roots)))
    pending = iter(changes)
    while True:
        if sys.stdout.isatty():
            click.clear()
        echo(f"── tutor check, {time.strftime('%H:%M:%S')} " + "─" * 40)
        with contextlib.suppress(click.exceptions.Exit):  # one run's exit status; watching goes on
            ctx.invoke(ctx.command, **{**ctx.params, "watch": False})
        echo("watching the course files for changes (ctrl+c stops)", err=True)
        if next(pending, None) is None:
            return


def register(group: click.Group) -> None:
    """Add the authoring commands to the `tutor` group."""
    group.add_command(preview_command)
    group.add_command(new_group)
