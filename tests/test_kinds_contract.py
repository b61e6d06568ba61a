"""The contract every question kind keeps, run over every registered kind (as Harlequin runs one
adapter test over every adapter): a kind that forgets a phase fails here, not in a learner's quiz.

Examples are the built-in course's questions of each kind (every kind has some there)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, wait_until
from tutor.content import model as m
from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import instantiate
from tutor.content.yamlsource import load_yaml
from tutor.grading.grader import grade
from tutor.grading.preview import preview
from tutor.kinds import KINDS

COURSE = load_course(builtin_course_root())
SEEDS = range(4)
# Code answers run in the OS sandbox, a process per grade: tests/test_grading_code.py and
# tests/test_tui.py drive them; here their reference is graded on one seed.
SLOW = {"code"}


def examples(kind: str) -> list:
    return [e for e in COURSE.questions.values() if e.question.type == kind]


def test_every_kind_is_a_type_of_the_course_model():
    assert tuple(KINDS) == m.QUESTION_TYPES
    for name, kind in KINDS.items():
        assert kind.name == name and kind.model.model_fields["type"].annotation.__args__ == (name,)


@pytest.fixture(scope="module")
def bank_schema():
    return json.loads((REPO / "schemas" / "bank.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_schema_validates_the_kinds_examples(kind, bank_schema):
    import jsonschema

    found = examples(kind)
    assert found, f"the built-in course has no `{kind}` question"
    validator = jsonschema.Draft202012Validator(bank_schema)
    for entry in found[:3]:
        data, _ = load_yaml(entry.source.path.read_text(encoding="utf-8"))
        bank = {**data, "questions": [data["questions"][entry.path[-1]]]}
        errors = [e.message for e in validator.iter_errors(bank)]
        assert not errors, (entry.id, errors[:2])


@pytest.mark.parametrize("kind", list(KINDS))
def test_reference_right_wrong_wrong_and_garbage_unreadable(kind):
    k = KINDS[kind]
    checked = 0
    for entry in examples(kind):
        for seed in SEEDS if kind not in SLOW else range(1):
            variant = instantiate(entry.question, seed)
            reference = k.reference_answer(variant)
            if reference is not None:
                result = grade(variant, reference)
                assert result.verdict == "correct", (entry.id, seed, reference, result.feedback)
                checked += 1
            if kind in SLOW:
                continue
            wrong = k.wrong_answer(variant)
            if wrong is not None:
                result = grade(variant, wrong)
                assert result.verdict != "correct" and result.counts_as_attempt, (entry.id, wrong)
            garbage = k.unreadable_answer(variant)
            if garbage is not None:
                result = grade(variant, garbage)
                assert result.verdict == "invalid" and not result.counts_as_attempt, (entry.id, result)
            assert grade(variant, "   ").verdict == "invalid"
    assert checked, f"no `{kind}` question of the course has a reference answer to type"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_preview_renders_or_stays_out_of_the_way(kind):
    from tutor.kinds.base import Kind

    k = KINDS[kind]
    previews = type(k).preview is not Kind.preview
    for entry in examples(kind)[:3]:
        variant = instantiate(entry.question, 0)
        reference = k.reference_answer(variant)
        shown = preview(variant, reference or "x")
        assert shown.kind in (("ok", "error") if previews else ("none",)), (entry.id, shown)
        if previews and reference is not None and getattr(entry.question, "mode", "") != "steps":
            assert shown.kind == "ok", (entry.id, shown)
        assert preview(variant, "").kind in ("empty", "none")


@pytest.mark.parametrize("kind", sorted(set(KINDS) - SLOW))
def test_plain_mode_takes_the_reference_answer(kind, tmp_path):
    from tutor.quiz.plain import PlainQuiz
    from tutor.quiz.session import QuizSession

    k = KINDS[kind]
    entry = next(e for e in examples(kind) if k.reference_answer(instantiate(e.question, 0)) is not None)
    session = QuizSession([entry], seed=0)
    reference = k.reference_answer(session.current.variant)
    assert reference is not None
    lines = reference.split("\n")
    if kind == "free":  # the written answer must be a real one before the rubric is shown
        lines = [session.current.variant.render(entry.question.model_answer).replace("\n", " ")]
    feed = iter(
        [*lines, ".", "a b c d e f g h"][: len(lines) + (k.input_of(session.current.variant) != "line")]
    )
    transcript: list[str] = []

    def read(prompt: str) -> str | None:
        if prompt.startswith("covered"):
            return " ".join("abcdefgh"[: len(entry.question.rubric)])
        return next(feed, None)

    PlainQuiz(session, read, transcript.append).run()
    assert any("✓ Correct" in line for line in transcript), "\n".join(transcript)


# Free answers are written, then self-assessed (tests/test_tui.py drives both phases); code runs
# in the sandbox. For these the app test stops at the answer area.
APP_SUBMITS = set(KINDS) - {"free", "code"}


def app_value(kind: str, variant, reference: str):
    """The reference answer in the shape the kind's answer area gives the session."""
    how = KINDS[kind].input_of(variant)
    if how == "steps":
        return reference.split("\n")
    if how == "choice":
        return {int(t) - 1 for t in reference.split(", ")}
    return reference


@pytest.mark.parametrize("kind", list(KINDS))
async def test_the_app_shows_the_kinds_answer_area_and_takes_its_answer(kind, tmp_path):
    from tutor.progress.store import ProgressStore
    from tutor.tui.app import StartAt, TutorApp
    from tutor.tui.widgets.answers import AREAS, answer_area

    k = KINDS[kind]
    entry = next(
        (e for e in examples(kind) if k.reference_answer(instantiate(e.question, 0)) is not None),
        examples(kind)[0],
    )
    app = TutorApp(
        REPO, ProgressStore(tmp_path / "progress"), StartAt("quiz", entry.id, seed=0), warm_up=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: type(app.screen).__name__ == "QuizScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen._area is not None and screen._area.is_mounted)
        variant = screen.session.current.variant
        assert kind in AREAS
        assert type(screen.area) is type(answer_area(variant))
        assert str(screen.query_one("#how").render()) == k.how_to_answer(variant)
        reference = k.reference_answer(variant)
        if kind not in APP_SUBMITS or reference is None:
            return
        screen.area.restore(app_value(kind, variant, reference))
        await pilot.pause()
        assert screen.area.value() == app_value(kind, variant, reference)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.session.current.attempts == 1 and not screen.grading)
        assert screen.session.current.result.verdict == "correct"


# Every Unicode space but the line breaks, and the line breaks str.splitlines() knows (issue 23:
# a no-break space in `1c 2e 3a 4d` crashed the matching reader with an IndexError).
SPACES = "".join(
    c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
)
SPACES += "\u3000"
BREAKS = ["\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("kind", sorted(set(KINDS) - SLOW))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_reference_with_any_unicode_whitespace_is_still_right(kind, data):
    entry = COURSE.questions[data.draw(st.sampled_from([e.id for e in examples(kind)]), label="question")]
    variant = instantiate(entry.question, data.draw(st.integers(0, 3), label="seed"))
    reference = KINDS[kind].reference_answer(variant)
    assume(reference is not None)
    spaced = "".join(
        data.draw(st.text(alphabet=SPACES, min_size=1, max_size=2))
        if ch == " "
        else data.draw(st.sampled_from(BREAKS))
        if ch == "\n"
        else ch
        for ch in reference
    )
    around = data.draw(st.text(alphabet=SPACES, max_size=2))
    result = grade(variant, around + spaced + around)
    assert result.verdict == "correct", (entry.id, spaced, result.feedback)
    assert "the preview failed" not in preview(variant, spaced).text, (entry.id, spaced)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - SLOW))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_whitespace_and_separators_between_any_tokens_never_break_a_reader(kind, data):
    entry = COURSE.questions[data.draw(st.sampled_from([e.id for e in examples(kind)]), label="question")]
    variant = instantiate(entry.question, 0)
    tokens = st.sampled_from(["1", "2c", "a", "b", "x", "=", "->", "→", ",", ";", ")", "(", "1.5", "-"])
    pieces = data.draw(
        st.lists(
            st.one_of(
                tokens, st.text(alphabet=SPACES + "".join(BREAKS) + "\u200b\ufeff", min_size=1, max_size=3)
            ),
            max_size=12,
        )
    )
    text = "".join(pieces)
    result = grade(variant, text)
    assert not result.details.get("grader_failed"), (entry.id, text, result.feedback)
    shown = preview(variant, text)
    assert "the preview failed" not in shown.text, (entry.id, text, shown)
