"""Commands for taking a course to a class: `tutor export`, `tutor import`, `tutor report`, and
the xAPI format of `tutor progress export` (with `--lrs` to post to a Learning Record Store).

Registered in tutor/cli.py by `register(main)`; the work is in tutor/classroom/.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tutor.cli_answers import echo
from tutor.content.words import plural

FORMATS = ("gift", "moodle-xml", "qti")


def _course(ctx: click.Context, course: Path | None) -> Path:
    """The course the command works on: the rule of every command (`pick_course`)."""
    from tutor.content.courseroot import pick_course

    return pick_course(course, (ctx.obj or {}).get("course"))


def _entries_for(refs: tuple[str, ...], course: Path) -> tuple[list[Any], list[str]]:
    """The question entries REFs name (ids in the course, or bank/lesson files and course
    folders), in order without repeats, and the load problems met on the way."""
    import difflib

    from tutor.content.courseroot import course_root_of
    from tutor.content.loader import load_course

    out: list[Any] = []
    problems: list[str] = []
    loaded_by_root: dict[Path, Any] = {}

    def load(root: Path) -> Any:
        if root not in loaded_by_root:
            loaded_by_root[root] = load_course(root)
            problems.extend(str(d) for d in loaded_by_root[root].diagnostics)
        return loaded_by_root[root]

    for ref in refs:
        path = Path(ref)
        if path.exists():
            root = course_root_of(path)
            if root is None:
                raise click.UsageError(f"{ref} is not inside a course (a folder with lessons/ or questions/)")
            loaded = load(root)
            resolved = path.resolve()
            if resolved == root:
                found = [e for b in loaded.banks for e in b.entries]
            else:
                found = [
                    e
                    for b in loaded.banks
                    if b.source.path.resolve() == resolved or resolved in b.source.path.resolve().parents
                    for e in b.entries
                ]
                for lesson in loaded.lessons:
                    if lesson.source.path.resolve() == resolved:
                        found += loaded.resolve(lesson.lesson.id)
            if not found:
                raise click.UsageError(f"{ref} holds no question that loads (run `tutor check {ref}`)")
        else:
            loaded = load(course)
            found = loaded.resolve(ref)
            if not found:
                known = [x.lesson.id for x in loaded.lessons] + [b.bank.bank for b in loaded.banks]
                close = difflib.get_close_matches(ref, known + list(loaded.questions), n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                raise click.UsageError(f"`{ref}` names no lesson, bank, question or file{hint}")
        out.extend(e for e in found if e not in out)
    return out, problems


@click.command("export")
@click.argument("refs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The LMS format to write.")
@click.option(
    "--variants",
    default=1,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Concrete versions written of each question with drawn numbers.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write; default standard output (gift, moodle-xml) or export.zip (qti).",
)
@click.option(
    "--course",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course folder the ids are in. Default: the course folder you are in, else the built-in course.",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    refs: tuple[str, ...],
    fmt: str,
    variants: int,
    output: Path | None,
    course: Path | None,
) -> None:
    """Write the questions of REFS (lessons, banks, question ids, or their files) for an LMS:
    GIFT or Moodle XML for Moodle, an IMS QTI 2.1 package (zip) for Canvas and most others.

    Numbers are fixed per variant: a question with drawn numbers becomes VARIANTS concrete
    questions, in a category (Moodle) or section (QTI) of its own, for a random pick per
    learner. What a format cannot hold is said on standard error, never dropped silently.
    """
    from tutor.classroom import items

    entries, problems = _entries_for(refs, _course(ctx, course))
    for problem in problems:
        echo(problem, err=True)
    target = {"gift": "GIFT", "moodle-xml": "Moodle XML", "qti": "QTI 2.1"}[fmt]
    if fmt == "gift":
        from tutor.classroom import gift

        built = items.build(entries, variants, gift.GIFT_KINDS)
        text, notes = gift.write(built)
        data = text.encode("utf-8")
    elif fmt == "moodle-xml":
        from tutor.classroom import moodle

        built = items.build(entries, variants, moodle.MOODLE_KINDS)
        data, notes = moodle.write(built)
    else:
        from tutor.classroom import qti

        built = items.build(entries, variants, qti.QTI_KINDS)
        data, notes = qti.write(built)
    for problem in built.problems:
        echo(f"tutor export: a variant could not be computed: {problem}", err=True)
    warning = items.unsupported_warning(built.unsupported, target)
    if warning:
        echo(f"tutor export: warning: {warning}", err=True)
    for note in notes:
        echo(f"tutor export: note: {note}", err=True)
    count = sum(len(g.items) for g in built.groups)
    if not count:
        echo("tutor export: nothing to export", err=True)
        ctx.exit(1)
    if output is None and fmt == "qti":
        output = Path("export.zip")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
        echo(
            f"tutor export: {plural(count, 'LMS question')}, from {len(built.groups)} of ours, "
            f"written to {output}",
            err=True,
        )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--from", "source_format", type=click.Choice(["gift"]), required=True, help="The file's format."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The bank file to write (its name gives the bank id when the file has no category).",
)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def import_command(file: Path, source_format: str, output: Path, force: bool) -> None:
    """Read a GIFT FILE into a question bank (YAML) that `tutor check` accepts, and say what of
    it could not be carried (matching questions, HTML, weights our kinds do not have, …)."""
    from tutor.classroom.gift import GiftError
    from tutor.classroom.importer import import_gift, slug, to_yaml

    if output.exists() and not force:
        raise click.UsageError(f"{output} exists; pass --force to replace it")
    from tutor.content.files import read_capped

    try:
        text = read_capped(file, 20_000_000).decode("utf-8-sig")
    except OSError as exc:
        raise click.ClickException(f"{file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text (byte {exc.start})") from None
    try:
        imported = import_gift(text, slug(output.stem, "imported"))
    except GiftError as exc:
        raise click.ClickException(f"{file}:{exc.line}: {exc}") from None
    for line in imported.not_carried:
        echo(f"{file}: {line}", err=True)
    try:
        output.write_text(to_yaml(imported.bank), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    n = len(imported.bank["questions"])
    echo(
        f"tutor import: {plural(n, 'question')} into bank `{imported.bank['bank']}` in {output}"
        + (f"; {imported.skipped} skipped" if imported.skipped else "")
        + (
            f"; {plural(len(imported.not_carried), 'thing')} not carried (above)"
            if imported.not_carried
            else ""
        ),
        err=True,
    )


def _lessons_of(course: Path) -> dict[str, str]:
    """Question id -> lesson id, from the course's lessons (their quizzes) and banks."""
    from tutor.content.loader import load_course

    loaded = load_course(course)
    out: dict[str, str] = {}
    for item in loaded.lessons_in_order:
        for entry in loaded.resolve(item.lesson.id):
            out.setdefault(entry.id, item.lesson.id)
    for bank in loaded.banks:
        for entry in bank.entries:
            if bank.bank.lesson:
                out.setdefault(entry.id, bank.bank.lesson)
    return out


@click.command("report")
@click.argument(
    "exports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write a page."
)
@click.option(
    "--top", default=3, show_default=True, type=click.IntRange(1, 20), help="Notes and answers listed."
)
@click.option(
    "--course",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The course the attempts are from, for its lessons. Default: the course folder you are in, "
    "else the built-in course.",
)
@click.pass_context
def report_command(
    ctx: click.Context,
    exports: tuple[Path, ...],
    as_json: bool,
    html_file: Path | None,
    top: int,
    course: Path | None,
) -> None:
    """A class report from the attempt EXPORTS of many learners (csv, json or xAPI files of
    `tutor progress export`): per question, attempts, learners, facility, discrimination,
    median time, frequent notes and frequent wrong answers; per lesson, the mastery spread."""
    import json

    from tutor.classroom.report import build_report
    from tutor.classroom.rows import RowError

    lessons = _lessons_of(_course(ctx, course))
    try:
        report = build_report(list(exports), lessons, top=top)
    except RowError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {exc.filename}: {exc.strerror}") from None
    if html_file is not None:
        from tutor.classroom.report_html import render

        try:
            html_file.write_text(render(report), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {html_file}: {exc.strerror or exc}") from None
    if as_json:
        echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    _print_report(report)
    if html_file is not None:
        echo(f"report page written to {html_file}", err=True)


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape as escape_markup
    from rich.table import Table

    from tutor.classroom.report import BANDS, fixed
    from tutor.content.printable import printable

    def escape(text: str) -> str:  # what an export holds is neither markup nor terminal codes
        return escape_markup(printable(text))

    console = Console(soft_wrap=False)
    dropped = report["rows_read"] - report["rows_used"]
    console.print(
        f"[bold]{report['rows_used']:,}[/] attempts by [bold]{report['learners']:,}[/] learners on "
        f"[bold]{len(report['questions'])}[/] questions"
        + (f" ({plural(dropped, 'row')} skipped: not attempts, or repeated)" if dropped else ""),
        highlight=False,
    )
    rows = [
        {
            "question": escape(q["question"]),
            "lesson": escape(q["lesson"] or ""),
            "tries": str(q["attempts"]),
            "learners": str(q["learners"]),
            "facility": fixed(q["facility"]),
            "discr.": fixed(q["discrimination"]),
            "median s": fixed(q["median_seconds"], 0),
        }
        for q in report["questions"]
    ]
    # Ids stay whole (an instructor searches for them) while the table fits: columns are dropped,
    # in this order, until it does, and only then are ids folded.
    shown = ["question", "lesson", "tries", "learners", "facility", "discr.", "median s"]

    def table_width(names: list[str]) -> int:
        return 1 + sum(3 + max(len(name), *(len(r[name]) for r in rows)) for name in names)

    for drop in ("lesson", "learners", "median s", "tries"):
        if not rows or table_width(shown) <= console.width:
            break
        shown.remove(drop)
    table = Table(title="Questions", title_justify="left")
    for name in shown:
        numeric = name not in ("question", "lesson")
        fold = name == "question" and bool(rows) and table_width(shown) > console.width
        table.add_column(name, justify="right" if numeric else "left", no_wrap=not fold, overflow="fold")
    if len(shown) < 7:
        gone = ", ".join(n for n in ("lesson", "tries", "learners", "median s") if n not in shown)
        console.print(f"(at {console.width} columns the questions table leaves out: {gone})", highlight=False)

    wrong = Table(title="What went wrong (most frequent first)", title_justify="left")
    wrong.add_column("question", overflow="fold")
    wrong.add_column("notes", overflow="fold")
    wrong.add_column("wrong answers", overflow="fold")
    for q, cells in zip(report["questions"], rows, strict=True):
        if q["discrimination"] is not None and q["discrimination"] < 0.2:
            cells["discr."] = f"[red]{cells['discr.']}[/]"
        table.add_row(*(cells[name] for name in shown))
        if q["top_notes"] or q["top_wrong_answers"]:
            wrong.add_row(
                escape(q["question"]),
                escape(", ".join(f"{n['note']} ({n['count']})" for n in q["top_notes"])),
                escape(", ".join(f"{w['answer']!r} ({w['count']})" for w in q["top_wrong_answers"])),
            )
    console.print(table)
    console.print(wrong)
    if report["lessons"]:
        lessons = Table(title="Lessons: learners by mastery", title_justify="left")
        lessons.add_column("lesson")
        lessons.add_column("learners", justify="right")
        lessons.add_column("mean", justify="right")
        for band in BANDS:
            lessons.add_column(band, justify="right")
        for lesson in report["lessons"]:
            lessons.add_row(
                escape(lesson["lesson"]),
                str(lesson["learners"]),
                fixed(lesson["mean_mastery"]),
                *(str(lesson["bands"][b]) for b in BANDS),
            )
        console.print(lessons)


def _learner_rows(learner: str | None, course_id: str | None) -> list[dict[str, Any]]:
    """The learner's attempts as export rows: the store's own rows where it has them (its
    export module), else built from today's attempt log."""

    from tutor.progress.store import ProgressStore

    store = ProgressStore.default(on_problem=lambda m: echo(m, err=True))
    from tutor.progress import export as progress_export

    rows = progress_export.rows(store)
    if (report := store.skipped_report()) is not None:
        echo(report, err=True)
    if learner:
        rows = [{**r, "learner": learner} for r in rows]
    if course_id:
        rows = [{**r, "course_id": course_id} for r in rows]
    return rows


def _finished_rows(learner: str | None, course_id: str | None) -> list[dict[str, Any]]:
    """The quizzes the learner went through to their end, under the same names as the attempts."""
    from tutor.progress import export as progress_export
    from tutor.progress.store import ProgressStore

    rows = progress_export.finished_rows(ProgressStore.default(on_problem=lambda m: None))
    if learner:
        rows = [{**r, "learner": learner} for r in rows]
    if course_id:
        rows = [{**r, "course_id": course_id} for r in rows]
    return rows


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xapi"]), default="csv", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write."
)
@click.option(
    "--learner", default=None, help="The name to export under (default: the store's, else your login)."
)
@click.option(
    "--course-id", default=None, help="The course id the attempts belong to (xAPI IRIs are built from it)."
)
@click.option(
    "--iri-base",
    default=None,
    help="xAPI: the course's IRI, e.g. https://school.example/courses/ml (default: a urn:tutor:course: IRI).",
)
@click.option("--lrs", default=None, help="xAPI: post to this Learning Record Store (its xAPI endpoint URL).")
@click.option(
    "--auth", default=None, envvar="TUTOR_LRS_AUTH", help="xAPI: KEY:SECRET for the LRS (or $TUTOR_LRS_AUTH)."
)
@click.option(
    "--batch", default=100, show_default=True, type=click.IntRange(1, 10_000), help="Statements per POST."
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="xAPI: the file of statement ids the LRS has (default: in the data folder, one per LRS).",
)
def progress_export_command(
    fmt: str,
    output: Path | None,
    learner: str | None,
    course_id: str | None,
    iri_base: str | None,
    lrs: str | None,
    auth: str | None,
    batch: int,
    state: Path | None,
) -> None:
    """Write every graded attempt for an instructor: csv, json, or xAPI 1.0.3 statements.

    With --lrs (xAPI), post them to a Learning Record Store in batches. The statement ids are
    derived from the attempts, and the ids the LRS accepted are kept in a state file, so a
    second run after a failure sends only what is missing, never a statement twice.
    """
    import json

    rows = _learner_rows(learner, course_id)
    if fmt != "xapi":
        if lrs:
            raise click.UsageError("--lrs needs --format xapi")
        from tutor.classroom.rows import write_csv

        try:  # the store's own writers, where it has them (issue 15)
            from tutor.progress import export as progress_export

            text = progress_export.to_json(rows) if fmt == "json" else progress_export.to_csv(rows)
            _write_text(text, output, plural(len(rows), "attempt"))
            return
        except (ImportError, AttributeError):
            pass
        if fmt == "json":
            text = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
        else:
            import io

            buffer = io.StringIO()
            write_csv(rows, buffer)
            text = buffer.getvalue()
        _write_text(text, output, plural(len(rows), "attempt"))
        return
    from tutor.classroom import xapi

    if iri_base is not None and (problem := xapi.iri_base_problem(iri_base)):
        raise click.BadParameter(problem, param_hint="--iri-base")
    statements = xapi.statements(rows, iri_base, _finished_rows(learner, course_id))
    if not lrs:
        _write_text(
            json.dumps(statements, ensure_ascii=False, indent=1) + "\n",
            output,
            plural(len(statements), "statement"),
        )
        return
    if not auth or ":" not in auth:
        raise click.UsageError("--lrs needs --auth KEY:SECRET (or $TUTOR_LRS_AUTH)")
    key, secret = auth.split(":", 1)
    if state is None:
        import hashlib

        from tutor.progress.store import default_data_dir

        digest = hashlib.sha256(lrs.rstrip("/").encode()).hexdigest()[:12]
        state = default_data_dir() / f"xapi-sent-{digest}.txt"
        state.parent.mkdir(parents=True, exist_ok=True)
    try:
        sent = xapi.send(statements, xapi.http_post(lrs, key, secret), state, batch)
    except xapi.LrsError as exc:
        raise click.ClickException(
            f"{exc}. What was sent is noted in {state}; run the same command to resume."
        ) from None
    echo(
        f"{plural(sent.sent, 'statement')} sent to {lrs} in {plural(sent.batches, 'batch', 'batches')}; "
        f"{sent.already} already there",
        err=True,
    )


def _write_text(text: str, output: Path | None, what: str) -> None:
    if output is None:
        click.echo(text, nl=False)  # data, written as it is
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    echo(f"{what} written to {output}", err=True)


def register(main: click.Group) -> None:
    """Add the classroom commands to the `tutor` group."""
    main.add_command(export_command)
    main.add_command(import_command)
    main.add_command(report_command)
    # `tutor progress export` gains --format xapi and --lrs: ours replaces the group's export
    # (it writes csv and json from the same rows); the group is made if it is not there yet.
    progress = main.commands.get("progress")
    if not isinstance(progress, click.Group):
        progress = click.Group(
            "progress", help="The learner's record: export it for an instructor or an LRS."
        )
        main.add_command(progress)
    progress.add_command(progress_export_command)
