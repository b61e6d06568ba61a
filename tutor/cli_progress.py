"""`tutor review` and `tutor progress …`: spaced review from the command line, and the learner's
record exported, reset (with a backup) or used to fit FSRS parameters."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from tutor.cli_answers import echo


def _store(on_problem: bool = True):
    from tutor.progress.store import ProgressStore

    store = ProgressStore.default(on_problem=(lambda m: echo(m, err=True)) if on_problem else None)
    if (report := store.skipped_report()) is not None:
        echo(report, err=True)
    return store


@click.command("review")
@click.option("--plain", is_flag=True, help="A line-oriented review on stdin/stdout.")
@click.option(
    "--course", type=click.Path(file_okay=False, path_type=Path), default=None, help="Course folder."
)
@click.pass_context
def review_command(ctx: click.Context, plain: bool, course: Path | None) -> None:
    """Review the questions due now, across the whole course, each with new numbers."""
    from tutor.cli import _pick_course, _report_load_problems, _run_app

    root = _pick_course(ctx, course)
    if not plain:
        _run_app(root, "review")
        return
    from tutor.content.loader import load_course
    from tutor.progress import stats
    from tutor.quiz.plain import PlainQuiz
    from tutor.quiz.review import course_identity, review_session

    loaded = load_course(root)
    _report_load_problems(loaded.diagnostics)
    store = _store()
    store.set_course(*course_identity(loaded))
    session = review_session(loaded, store)
    if session is None:
        _, later = stats.due_counts(store, loaded.questions)
        echo(f"Nothing is due for review now ({later} later today).")
        return

    def read(prompt: str) -> str | None:
        echo(prompt, nl=False)
        line = sys.stdin.readline()
        if not line:
            echo()
            return None
        if not sys.stdin.isatty():
            echo(line.rstrip("\n"))
        return line.rstrip("\n")

    echo(f"Review: {session.total} question(s) due.")
    PlainQuiz(session, read, echo).run()
    store.close()  # what waited for a record another tutor held is written, or said


@click.group("progress")
def progress_group() -> None:
    """The learner's record: export it, reset it, fit the review schedule to it."""


@progress_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: stdout).",
)
def export_command(fmt: str, output: Path | None) -> None:
    """Write every graded attempt, with the learner's name, for an instructor."""
    from tutor.progress import export

    data = export.rows(_store())
    text = export.to_json(data) if fmt == "json" else export.to_csv(data)
    if output is None:
        click.echo(text, nl=False)  # data, written as it is
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    echo(f"{len(data)} attempt(s) written to {output}", err=True)


@progress_group.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask.")
def reset_command(yes: bool) -> None:
    """Start the record afresh; the old one is kept as a backup file first."""
    store = _store()
    n = len(store.attempts())
    if not yes and not click.confirm(
        f"Forget {n} attempt(s) and every review in {store.folder}?", default=False
    ):
        echo("Nothing changed.")
        return
    backup = store.reset()
    if backup is None:
        raise click.ClickException(store.save_problem or "the record could not be reset; nothing changed")
    echo(f"Reset. The old record is kept in {backup}")


@progress_group.command("limits")
@click.option(
    "--new-per-day", type=click.IntRange(0, 9999), help="Cards first answered today that come back today."
)
@click.option(
    "--reviews-per-day", type=click.IntRange(0, 9999), help="Cards reviewed in a day, new ones included."
)
def limits_command(new_per_day: int | None, reviews_per_day: int | None) -> None:
    """Show or set the spaced review's daily limits."""
    from tutor.progress.stats import DailyLimits

    store = _store()
    changes = {
        k: v for k, v in (("new_per_day", new_per_day), ("reviews_per_day", reviews_per_day)) if v is not None
    }
    if changes:
        store.set_state(**changes)
    limits = DailyLimits.of(store)
    click.echo(f"new per day: {limits.new_per_day} · reviews per day: {limits.reviews_per_day}")


@progress_group.command("optimize")
def optimize_command() -> None:
    """Fit the FSRS parameters to your review log (needs the `optimizer` extra, with PyTorch)."""
    try:
        from fsrs import Optimizer, Rating, ReviewLog

        from tutor.progress.srs import scheduler, utc
    except ImportError as exc:  # pragma: no cover - fsrs is a dependency
        raise click.ClickException(str(exc)) from None
    store = _store()
    logs = [
        ReviewLog(card_id, Rating(rating), utc(at), duration)
        for card_id, rating, at, duration in store.review_logs()
    ]
    try:
        optimizer = Optimizer(logs)
    except ImportError:
        raise click.ClickException(
            "fitting parameters needs the optimizer extra (PyTorch, pandas): pip install 'tutor[optimizer]'"
        ) from None
    started = time.monotonic()
    parameters = optimizer.compute_optimal_parameters()
    if list(parameters) == list(scheduler().parameters):
        echo(
            f"{len(logs)} review(s) are too few to fit parameters to (fsrs needs 512 reviews of learned "
            "questions on separate days); the defaults stay."
        )
        return
    store.set_state(fsrs_parameters=list(parameters))
    took = time.monotonic() - started
    echo(
        f"Fitted {len(parameters)} parameters to {len(logs)} review(s) in {took:.1f} s; reviews use them now."
    )
